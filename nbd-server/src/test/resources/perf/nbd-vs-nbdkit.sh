#!/usr/bin/env bash
# Quick side-by-side of the NBD data path: fio (nbd engine) against NbdServer over a real
# SnippetStore volume and against `nbdkit file` over a file on the same filesystem, repetitions
# interleaved, printing per-cell IOPS ranges and the ratio of medians. Runs from the modules'
# compiled classes (build first: mvn -o -q -pl block-api,snippet-store,nbd-server install -DskipTests).
#   usage: nbd-vs-nbdkit.sh [RUNTIME_S=5] [REPS=3] [SIZE_MIB=256]
#   env JAVA_OPTS adds JVM options to our server (e.g. -XX:StartFlightRecording=filename=x.jfr)
#   env CELLS picks cells by id (space separated)
set -euo pipefail
RUNTIME="${1:-5}" REPS="${2:-3}" SIZE_MIB="${3:-256}"
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../../../../.." && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/nbd-vs-nbdkit.XXXXXX")"
SIZE=$((SIZE_MIB << 20))
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK/data"; }
trap cleanup EXIT

CP_FILE="$WORK/cp.txt"
(cd "$ROOT/nbd-server" && mvn -B -o -q dependency:build-classpath -Dmdep.outputFile="$CP_FILE" >/dev/null)
CP="$ROOT/block-api/target/classes:$ROOT/snippet-store/target/classes:$ROOT/nbd-server/target/classes:$(cat "$CP_FILE")"
mkdir -p "$WORK/data/ours" "$WORK/fio"

# shellcheck disable=SC2086
java -Xmx1g ${JAVA_OPTS:-} -cp "$CP" "$HERE/ServeVolume.java" "$WORK/data/ours" bench "$SIZE" >"$WORK/ours.log" 2>&1 &
PIDS+=("$!")
for _ in $(seq 300); do grep -q '^port ' "$WORK/ours.log" && break; sleep 0.2; done
OURS_PORT="$(sed -n 's/^port //p' "$WORK/ours.log")"
[ -n "$OURS_PORT" ] || { cat "$WORK/ours.log"; exit 1; }

truncate -s "$SIZE" "$WORK/data/nbdkit.img"
KIT_PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
nbdkit --foreground --exit-with-parent --ipaddr 127.0.0.1 --port "$KIT_PORT" file "file=$WORK/data/nbdkit.img" >"$WORK/nbdkit.log" 2>&1 &
PIDS+=("$!")
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$KIT_PORT") 2>/dev/null && break; sleep 0.1; done

declare -A URI=([ours]="nbd://127.0.0.1:$OURS_PORT/bench" [nbdkit]="nbd://127.0.0.1:$KIT_PORT/")
ALL="randwrite-4k-qd1:randwrite:4k:1 randwrite-4k-qd32:randwrite:4k:32 randread-4k-qd1:randread:4k:1 randread-4k-qd32:randread:4k:32 seqwrite-128k-qd8:write:128k:8 seqread-128k-qd8:read:128k:8"
for s in ours nbdkit; do  # prefill so reads read data
  fio --name=prefill --ioengine=nbd --uri="${URI[$s]}" --rw=write --bs=1m --iodepth=8 --size="$SIZE" --output-format=json --output="$WORK/fio/prefill-$s.json" >/dev/null
done
for rep in $(seq "$REPS"); do
  for c in $ALL; do
    IFS=: read -r id rw bs qd <<<"$c"
    [ -z "${CELLS:-}" ] || [[ " $CELLS " == *" $id "* ]] || continue
    for s in ours nbdkit; do
      fio --name="$id" --ioengine=nbd --uri="${URI[$s]}" --rw="$rw" --bs="$bs" --iodepth="$qd" \
        --size="$SIZE" --time_based --runtime="$RUNTIME" --norandommap --randrepeat=0 \
        --output-format=json --output="$WORK/fio/$s-$id-$rep.json" >/dev/null
    done
  done
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); raw results in $WORK/fio"
python3 - "$WORK/fio" <<'PY'
import json, os, statistics, sys, collections
d = sys.argv[1]; r = collections.defaultdict(list)
for f in sorted(os.listdir(d)):
    if f.startswith("prefill"): continue
    s, rest = f.split("-", 1); cell = rest.rsplit("-", 1)[0]
    j = json.load(open(os.path.join(d, f)))["jobs"][0]
    io = j["write"] if j["write"]["iops"] > j["read"]["iops"] else j["read"]
    r[(cell, s)].append((io["iops"], io["clat_ns"]["percentile"]["50.000000"] / 1000))
cells = sorted({c for c, _ in r})
print(f"{'cell':20} {'ours IOPS (min-max)':>22} {'nbdkit IOPS (min-max)':>22} {'ours p50us':>10} {'kit p50us':>10} {'ratio':>6}")
for c in cells:
    o, k = r[(c, "ours")], r[(c, "nbdkit")]
    mo, mk = statistics.median(x[0] for x in o), statistics.median(x[0] for x in k)
    rng = lambda v: f"{min(x[0] for x in v):,.0f}-{max(x[0] for x in v):,.0f}"
    print(f"{c:20} {rng(o):>22} {rng(k):>22} {statistics.median(x[1] for x in o):>10.0f} {statistics.median(x[1] for x in k):>10.0f} {mo/mk:>6.2f}")
PY
