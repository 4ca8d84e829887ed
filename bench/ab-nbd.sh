#!/usr/bin/env bash
# A/B of snipblock builds through NBD, beside nbdkit's file plugin, interleaved in one run.
#
#   bench/ab-nbd.sh OUT RUNTIME REPS CELLS NAME=JAR[:CONFIG] ...
#   bench/ab-nbd.sh /tmp/ab 5 3 rw1,rw32,sw,mix base=/tmp/base.jar new=node/target/snipblock.jar
#
# Each NAME=JAR runs `serve` on 127.0.0.1 with a fresh 1 GiB volume (CONFIG: a YAML config file
# for it); nbdkit serves a 1 GiB file. All are prefilled and warmed up (8 s mixed), then every cell
# runs on every system, repetitions outermost, so whatever else runs on the machine hits all alike.
# Cells: rw1 rw32 (4 KiB random write, depth 1/32), rr1 rr32 (reads), sw sr (128 KiB sequential,
# depth 8), mix (60 % reads, depth 32). Prints one line per run: IOPS, p50 and p99 completion
# latency in µs (of the writes where there are any). Record the load average it prints: compare
# only within one run. Needs the fio that bench/side-by-side.sh builds (bench/.tools).
set -u
OUT=$1; RT=$2; REPS=$3; CELLS=$4; shift 4
FIO="$(cd "$(dirname "$0")" && pwd)/.tools/fio/bin/fio"
[ -x "$FIO" ] || { echo "no fio at $FIO: run bench/side-by-side.sh once" >&2; exit 1; }
mkdir -p "$OUT"; rm -rf "${OUT:?}"/*
declare -A URI; PIDS=()
trap 'for p in "${PIDS[@]}"; do kill -- -"$p" 2>/dev/null; done' EXIT
for nj in "$@"; do
  n=${nj%%=*}; j=${nj#*=}; extra=()
  case $j in *:*) extra=(--config "${j#*:}"); j=${j%%:*};; esac
  mkdir -p "$OUT/$n"
  setsid java -Xmx1g -jar "$j" serve "${extra[@]}" --data "$OUT/$n" --listen 127.0.0.1 --iscsi-port 0 \
    --nbd-port 0 --admin-port 0 --volume bench:1024M > "$OUT/$n.log" 2>&1 &
  PIDS+=($!)
done
truncate -s 1G "$OUT/nbdkit.img"
NP=$(python3 -c "import socket;s=socket.socket();s.bind(('127.0.0.1',0));print(s.getsockname()[1])")
setsid nbdkit --foreground --exit-with-parent -i 127.0.0.1 -p "$NP" file file="$OUT/nbdkit.img" > "$OUT/nbdkit.log" 2>&1 &
PIDS+=($!)
URI[nbdkit]="nbd://127.0.0.1:$NP/"
for nj in "$@"; do
  n=${nj%%=*}
  for _ in $(seq 1 120); do grep -q "NBD port" "$OUT/$n.log" && break; sleep 0.5; done
  p=$(grep -o "NBD port [0-9]*" "$OUT/$n.log" | head -1 | cut -d" " -f3)
  [ -n "$p" ] || { echo "$n did not start (see $OUT/$n.log)" >&2; exit 1; }
  URI[$n]="nbd://127.0.0.1:$p/bench"
done
for s in "${!URI[@]}"; do
  timeout 120 "$FIO" --name=fill --ioengine=nbd --uri="${URI[$s]}" --rw=write --bs=1m --iodepth=4 --size=1g >/dev/null 2>&1
  timeout 60 "$FIO" --name=warm --ioengine=nbd --uri="${URI[$s]}" --rw=randrw --bs=4k --iodepth=16 --time_based \
    --runtime=8 --size=1g --norandommap >/dev/null 2>&1
done
echo "load at start: $(cat /proc/loadavg)"
for r in $(seq 1 "$REPS"); do
  for c in ${CELLS//,/ }; do
    case $c in
      rw1) a="--rw=randwrite --bs=4k --iodepth=1";; rw32) a="--rw=randwrite --bs=4k --iodepth=32";;
      rr1) a="--rw=randread --bs=4k --iodepth=1";; rr32) a="--rw=randread --bs=4k --iodepth=32";;
      sw) a="--rw=write --bs=128k --iodepth=8";; sr) a="--rw=read --bs=128k --iodepth=8";;
      mix) a="--rw=randrw --rwmixread=60 --bs=4k --iodepth=32";;
      *) echo "unknown cell $c" >&2; exit 1;;
    esac
    for s in "${!URI[@]}"; do
      f="$OUT/$r-$c-$s.json"
      # shellcheck disable=SC2086  # fio's options
      timeout $((RT + 30)) "$FIO" --name="$c" --ioengine=nbd --uri="${URI[$s]}" $a --time_based --runtime="$RT" \
        --ramp_time=1 --size=1g --norandommap --output-format=json > "$f" 2>/dev/null
      python3 - "$f" "$r" "$c" "$s" <<'PY'
import json, sys
t = open(sys.argv[1]).read()
d = json.loads(t[t.index('{'):])['jobs'][0]
side = d['write'] if d['write']['iops'] > 0 else d['read']
pct = side['clat_ns']['percentile']
print(f"{sys.argv[2]} {sys.argv[3]:5} {sys.argv[4]:8} iops={d['read']['iops'] + d['write']['iops']:9.0f} "
      f"p50={pct.get('50.000000', 0) / 1000:8.1f} p99={pct.get('99.000000', 0) / 1000:9.1f}")
PY
    done
  done
done
echo "load at end: $(cat /proc/loadavg)"
