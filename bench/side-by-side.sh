#!/usr/bin/env bash
# Side-by-side load harness: the same fio matrix against snipblock and the programs a user would
# otherwise pick (tgt for iSCSI, nbdkit's file plugin for NBD), plus fio on the backing filesystem
# as the ceiling. Everything listens on 127.0.0.1 and keeps its data under one run folder on the
# same filesystem. Writes RESULTS/latest.md and latest.json (the previous run is kept as
# previous.*) and prints the table. Every server it starts is stopped on exit.
#
# usage: bench/side-by-side.sh [--quick] [--runtime S] [--ramp S] [--reps N] [--size MIB] [--warmup S]
#                              [--systems a,b,...] [--cells a,b,...] [--results DIR]
#                              [--snipblock-java-opts '...'] [--keep] [--no-install]
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(dirname "$BENCH_DIR")"

log() { echo "[bench $(date +%H:%M:%S)] $*" >&2; }
die() { log "error: $*"; exit 1; }

# Full run: 5 systems x 7 cells x 3 repetitions x (10 s + 2 s ramp) is about 22 minutes of fio.
# WARMUP: unrecorded mixed load per system before the matrix, so a JIT's first seconds are not
# measured (the same for every system).
MODE=full RUNTIME=10 RAMP=2 REPS=3 SIZE_MIB=1024 WARMUP=15
SYSTEMS="snipblock-iscsi,tgt,snipblock-nbd,nbdkit,ceiling"
CELLS=""
RESULTS=""
KEEP=0
INSTALL=1
SNIPBLOCK_JAVA_OPTS="${SNIPBLOCK_JAVA_OPTS:-}"

while (($#)); do
  case "$1" in
    --quick) MODE=quick RUNTIME=1 RAMP=0 REPS=3 SIZE_MIB=256 WARMUP=3 ;;
    --runtime) RUNTIME="$2"; shift ;;
    --ramp) RAMP="$2"; shift ;;
    --reps) REPS="$2"; shift ;;
    --warmup) WARMUP="$2"; shift ;;
    --size) SIZE_MIB="$2"; shift ;;
    --systems) SYSTEMS="$2"; shift ;;
    --cells) CELLS="$2"; shift ;;
    --results) RESULTS="$2"; shift ;;
    --snipblock-java-opts) SNIPBLOCK_JAVA_OPTS="$2"; shift ;;
    --keep) KEEP=1 ;;
    --no-install) INSTALL=0 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
  shift
done
[[ "$RUNTIME" =~ ^[0-9]+$ && "$RUNTIME" -ge 1 ]] || die "--runtime must be a whole number of seconds >= 1"
[[ "$RAMP" =~ ^[0-9]+$ ]] || die "--ramp must be a whole number of seconds"
[[ "$WARMUP" =~ ^[0-9]+$ ]] || die "--warmup must be a whole number of seconds"
[[ "$REPS" =~ ^[0-9]+$ && "$REPS" -ge 1 ]] || die "--reps must be >= 1"
[[ "$SIZE_MIB" =~ ^[0-9]+$ && "$SIZE_MIB" -ge 64 ]] || die "--size must be >= 64 (MiB)"
# Quick runs are smoke tests: they must not replace the committed full-run table.
if [ -z "$RESULTS" ]; then
  if [ "$MODE" = quick ]; then RESULTS="$BENCH_DIR/results/local/quick"; else RESULTS="$BENCH_DIR/results"; fi
fi

# The matrix: id rw bs iodepth [extra fio args].
ALL_CELLS=(
  "randread-4k-qd1 randread 4k 1"
  "randread-4k-qd32 randread 4k 32"
  "randwrite-4k-qd1 randwrite 4k 1"
  "randwrite-4k-qd32 randwrite 4k 32"
  "seqread-128k-qd8 read 128k 8"
  "seqwrite-128k-qd8 write 128k 8"
  "randrw60-4k-qd32 randrw 4k 32 --rwmixread=60"
)
MATRIX=()
for c in "${ALL_CELLS[@]}"; do
  id="${c%% *}"
  if [ -z "$CELLS" ] || [[ ",$CELLS," == *",$id,"* ]]; then MATRIX+=("$c"); fi
done
((${#MATRIX[@]})) || die "--cells selected nothing; cells are: $(printf '%s ' "${ALL_CELLS[@]%% *}")"
IFS=, read -r -a SYSTEM_LIST <<<"$SYSTEMS"

. "$BENCH_DIR/lib/ensure-tools.sh"
if ((INSTALL)); then ensure_tools; else fio_has_engines || die "no fio with libiscsi at $FIO (drop --no-install)"; fi

RUN="$BENCH_DIR/results/local/run-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$RUN/fio"
log "run folder $RUN ($MODE: ${RUNTIME}s + ${RAMP}s ramp, $REPS reps, ${SIZE_MIB} MiB)"

# ---- process bookkeeping: every server runs in its own session so its whole group is stopped.
PGIDS=()
TGT_CONTROL=""
cleanup() {
  local rc=$?
  set +e
  if [ -n "$TGT_CONTROL" ]; then
    tgtadm -C "$TGT_CONTROL" --lld iscsi --op delete --mode target --tid 1 --force >/dev/null 2>&1
  fi
  local g
  for g in "${PGIDS[@]}"; do kill -TERM -- "-$g" 2>/dev/null; done
  for g in "${PGIDS[@]}"; do
    # tgtd ignores SIGTERM while it has targets; give everyone 5 s, then SIGKILL.
    for _ in $(seq 50); do kill -0 -- "-$g" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$g" 2>/dev/null
  done
  if ((KEEP == 0)); then rm -rf "$RUN/data" "$RUN/snipblock.jar"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_server() { # name logfile command...
  local name="$1" logf="$2"; shift 2
  setsid "$@" >"$logf" 2>&1 </dev/null &
  PGIDS+=("$!")
  log "started $name (pid $!)"
  # Stopped by cleanup(); without disown bash reports the SIGKILL of tgtd as a job that died.
  disown "$!"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_port() { # port seconds
  local deadline=$((SECONDS + $2))
  until (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

mkdir -p "$RUN/data"
SIZE_BYTES=$((SIZE_MIB * 1024 * 1024))

# ---- the systems. Each start_* sets the fio target arguments for it in TARGET[system].
declare -A TARGET
declare -A SKIPPED

start_snipblock() {
  if [ -n "${SNIPBLOCK_STARTED:-}" ]; then
    [ -z "${SNIPBLOCK_MISSING:-}" ]
    return
  fi
  SNIPBLOCK_STARTED=1
  [ -x "$ROOT/bin/snipblock" ] || { SNIPBLOCK_MISSING="bin/snipblock does not exist yet"; return 1; }
  local data="$RUN/data/snipblock" jar="$ROOT/node/target/snipblock.jar"
  mkdir -p "$data"
  # The launcher rebuilds its jar when sources changed; do that here, outside the start-up wait.
  # If that build fails (someone is mid-edit) an existing jar is used, and the run says so.
  if ! timeout 1200 "$ROOT/bin/snipblock" --help >"$RUN/snipblock-build.log" 2>&1; then
    [ -f "$jar" ] || { SNIPBLOCK_MISSING="bin/snipblock failed to build (see $RUN/snipblock-build.log)"; return 1; }
    SNIPBLOCK_JAR_NOTE="the launcher's rebuild failed; measured the jar built $(date -r "$jar" -u +%Y-%m-%dT%H:%M:%SZ)"
    log "warning: $SNIPBLOCK_JAR_NOTE"
  fi
  # Our own copy, so a rebuild or clean by anyone else during the run cannot pull it away.
  cp "$jar" "$RUN/snipblock.jar"
  # shellcheck disable=SC2086  # a list of JVM options
  start_server snipblock "$RUN/snipblock.log" java ${SNIPBLOCK_JAVA_OPTS:--Xmx1g} -jar "$RUN/snipblock.jar" \
    serve --data "$data" --listen 127.0.0.1 --iscsi-port 0 --nbd-port 0 --admin-port 0 \
    --volume "bench:${SIZE_MIB}M"
  local deadline=$((SECONDS + 90))
  until [ -s "$data/node.json" ] && python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$data/node.json" 2>/dev/null; do
    if ((SECONDS >= deadline)) || ! kill -0 "${PGIDS[-1]}" 2>/dev/null; then
      SNIPBLOCK_MISSING="bin/snipblock serve did not write node.json (see $RUN/snipblock.log)"
      return 1
    fi
    sleep 0.3
  done
  SNIP_ISCSI_PORT="$(node_port "$data/node.json" iscsi)"
  SNIP_NBD_PORT="$(node_port "$data/node.json" nbd)"
  log "snipblock ports: iscsi $SNIP_ISCSI_PORT, nbd $SNIP_NBD_PORT"
}

# Finds a port in node.json by protocol name, whatever the exact nesting the node chose.
node_port() {
  python3 - "$1" "$2" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1])); want = sys.argv[2]
def walk(o, path):
    if isinstance(o, dict):
        for k, v in o.items():
            yield from walk(v, path + [str(k).lower()])
    elif isinstance(o, int) and not isinstance(o, bool):
        yield path, o
for path, v in walk(doc, []):
    if any(want in p for p in path) and "port" in path[-1] + (path[-2] if len(path) > 1 else ""):
        print(v); break
else:
    sys.exit(f"no {want} port in {sys.argv[1]}")
PY
}

# fio's libiscsi engine wants colons in the URL escaped.
iscsi_filename() { # port iqn lun
  local url="iscsi://127.0.0.1:$1/$2/$3"
  printf '%s' "${url//:/\\:}"
}

first_iscsi_target() { # port -> "iqn lun"
  local out iqn lun
  out="$(timeout 20 iscsi-ls -s "iscsi://127.0.0.1:$1/" 2>&1)" || { log "iscsi-ls failed: $out"; return 1; }
  iqn="$(sed -n 's/^Target:\([^ ]*\) .*/\1/p' <<<"$out" | head -1)"
  lun="$(sed -n 's/^Lun:\([0-9]*\) .*DIRECT_ACCESS.*/\1/p' <<<"$out" | head -1)"
  [ -n "$iqn" ] && [ -n "$lun" ] || { log "no disk LUN in: $out"; return 1; }
  echo "$iqn $lun"
}

setup_snipblock-iscsi() {
  start_snipblock || { SKIPPED[snipblock-iscsi]="$SNIPBLOCK_MISSING"; return 1; }
  local t
  t="$(first_iscsi_target "$SNIP_ISCSI_PORT")" || { SKIPPED[snipblock-iscsi]="no iSCSI target found"; return 1; }
  set -- $t
  TARGET[snipblock-iscsi]="--ioengine=libiscsi --filename=$(iscsi_filename "$SNIP_ISCSI_PORT" "$1" "$2")"
}

setup_snipblock-nbd() {
  start_snipblock || { SKIPPED[snipblock-nbd]="$SNIPBLOCK_MISSING"; return 1; }
  TARGET[snipblock-nbd]="--ioengine=nbd --uri=nbd://127.0.0.1:$SNIP_NBD_PORT/bench"
}

setup_tgt() {
  local port img="$RUN/data/tgt.img" iqn="iqn.2025-01.org.snipblock.bench:tgt"
  truncate -s "$SIZE_BYTES" "$img"
  port="$(free_port)"
  # A private control port keeps this tgtd apart from any system tgtd (socket.N, not socket.0).
  TGT_CONTROL=$((20000 + RANDOM % 10000))
  start_server tgtd "$RUN/tgtd.log" tgtd -f -C "$TGT_CONTROL" --iscsi "portal=127.0.0.1:$port"
  wait_port "$port" 20 || { SKIPPED[tgt]="tgtd did not listen (see $RUN/tgtd.log)"; return 1; }
  tgtadm -C "$TGT_CONTROL" --lld iscsi --op new --mode target --tid 1 -T "$iqn"
  tgtadm -C "$TGT_CONTROL" --lld iscsi --op new --mode logicalunit --tid 1 --lun 1 -b "$img"
  tgtadm -C "$TGT_CONTROL" --lld iscsi --op bind --mode target --tid 1 -I ALL
  TARGET[tgt]="--ioengine=libiscsi --filename=$(iscsi_filename "$port" "$iqn" 1)"
}

setup_nbdkit() {
  local port img="$RUN/data/nbdkit.img"
  truncate -s "$SIZE_BYTES" "$img"
  port="$(free_port)"
  start_server nbdkit "$RUN/nbdkit.log" nbdkit --foreground --exit-with-parent \
    --ipaddr 127.0.0.1 --port "$port" file "file=$img"
  wait_port "$port" 20 || { SKIPPED[nbdkit]="nbdkit did not listen (see $RUN/nbdkit.log)"; return 1; }
  TARGET[nbdkit]="--ioengine=nbd --uri=nbd://127.0.0.1:$port/"
}

setup_ceiling() {
  local img="$RUN/data/ceiling.img"
  truncate -s "$SIZE_BYTES" "$img"
  # io_uring when the kernel allows it, else libaio; buffered like the servers' backing files.
  local engine=io_uring
  timeout 20 "$FIO" --name=probe --ioengine=io_uring --filename="$img" --rw=read --bs=4k \
    --size=1m --output-format=json >/dev/null 2>&1 || engine=libaio
  TARGET[ceiling]="--ioengine=$engine --filename=$img"
}

# ---- running fio
run_fio() { # system cell-spec out-file [extra args]
  local system="$1" spec="$2" out="$3"; shift 3
  set -- $spec "$@"
  local id="$1" rw="$2" bs="$3" depth="$4"; shift 4
  local budget=$((RUNTIME + RAMP + 60))
  # shellcheck disable=SC2086
  timeout --kill-after=10 "$budget" "$FIO" --name="$id" ${TARGET[$system]} --rw="$rw" --bs="$bs" \
    --iodepth="$depth" --numjobs=1 --size="$SIZE_BYTES" --time_based --runtime="$RUNTIME" \
    --ramp_time="$RAMP" --norandommap --randrepeat=0 --output-format=json --output="$out" "$@" \
    >"$out.log" 2>&1
}

# Writes every byte once so reads measure data, not holes (snipblock is thin; files are sparse).
prefill() { # system
  local out="$RUN/fio/prefill-$1.json"
  local budget=$((SIZE_MIB / 10 + 120))
  # shellcheck disable=SC2086
  timeout --kill-after=10 "$budget" "$FIO" --name=prefill ${TARGET[$1]} --rw=write --bs=1m \
    --iodepth=8 --size="$SIZE_BYTES" --output-format=json --output="$out" >"$out.log" 2>&1
}

warm_up() { # system
  ((WARMUP > 0)) || return 0
  local out="$RUN/fio/warmup-$1.json"
  # shellcheck disable=SC2086
  timeout --kill-after=10 $((WARMUP + 60)) "$FIO" --name=warmup ${TARGET[$1]} --rw=randrw --bs=4k \
    --iodepth=32 --size="$SIZE_BYTES" --time_based --runtime="$WARMUP" --norandommap \
    --output-format=json --output="$out" >"$out.log" 2>&1
}

ACTIVE=()
for s in "${SYSTEM_LIST[@]}"; do
  if ! declare -F "setup_$s" >/dev/null; then die "unknown system $s"; fi
  if "setup_$s"; then
    if prefill "$s" && warm_up "$s"; then
      ACTIVE+=("$s")
      log "$s ready and prefilled"
    else
      SKIPPED[$s]="prefill or warm-up failed (see $RUN/fio/*-$s.json.log)"
    fi
  fi
  [ -n "${SKIPPED[$s]:-}" ] && log "skipping $s: ${SKIPPED[$s]}"
done

write_meta() {
  python3 - "$RUN/meta.json" <<PY
import json, sys
cells = []
for spec in """$(printf '%s\n' "${MATRIX[@]}")""".strip().splitlines():
    p = spec.split()
    cells.append({"id": p[0], "rw": p[1], "bs": p[2], "iodepth": int(p[3]), "extra": p[4:]})
meta = {
  "mode": "$MODE", "started": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "commit": "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)",
  "machine": {"nproc": $(nproc), "cpu": "$(lscpu | sed -n 's/^Model name: *//p' | head -1)",
              "kernel": "$(uname -r)", "mem_gib": $(awk '/MemTotal/ {printf "%d", $2/1048576}' /proc/meminfo),
              "fs": "$(df -T "$RUN" | awk 'NR==2 {print $2}')"},
  "versions": {"fio": "$("$FIO" --version)", "tgt": "$(tgtd --version 2>&1 | head -1)",
               "nbdkit": "$(nbdkit --version 2>&1 | head -1)",
               "java": "$(java -version 2>&1 | head -1 | sed 's/"//g')"},
  "loadavg_start": "$(cut -d' ' -f1-3 /proc/loadavg)",
  "snipblock_jar_note": "${SNIPBLOCK_JAR_NOTE:-}",
  "params": {"runtime_s": $RUNTIME, "ramp_s": $RAMP, "reps": $REPS, "size_mib": $SIZE_MIB, "warmup_s": $WARMUP,
             "snipblock_java_opts": "$SNIPBLOCK_JAVA_OPTS"},
  "systems": """${ACTIVE[*]:-}""".split(),
  "cells": cells,
}
json.dump(meta, open(sys.argv[1], "w"), indent=1)
PY
}

((${#ACTIVE[@]})) || log "no system could be started"
write_meta

# Repetitions outermost and systems innermost, so a slow minute hits every system alike.
total=$((REPS * ${#MATRIX[@]} * ${#ACTIVE[@]}))
n=0
for rep in $(seq "$REPS"); do
  for spec in "${MATRIX[@]}"; do
    id="${spec%% *}"
    for s in "${ACTIVE[@]}"; do
      n=$((n + 1))
      dir="$RUN/fio/$s/$id"
      mkdir -p "$dir"
      log "[$n/$total] $s $id rep $rep"
      run_fio "$s" "$spec" "$dir/rep$rep.json" \
        || log "fio failed for $s $id rep $rep (see $dir/rep$rep.json.log)"
    done
  done
done

# ---- 3-node loopback cluster: 3-copy sync and async volumes as a ratio to a single copy.
# The daemon has no way to start or join a cluster yet (the node does not wire the replication
# module's ClusterNode), so this section reports why it did not run instead of inventing numbers.
CLUSTER_REASON="not available yet (bin/snipblock serve cannot form a multi-node cluster; see ReplicationPathBenchmark in bench/README.md for the in-process measurement)"
SKIPPED[cluster]="$CLUSTER_REASON"

python3 - "$RUN/skipped.json" <<PY
import json, sys
reasons = {}
for line in """$(for k in "${!SKIPPED[@]}"; do printf '%s\t%s\n' "$k" "${SKIPPED[$k]}"; done)""".splitlines():
    if "\t" in line:
        k, v = line.split("\t", 1)
        reasons[k] = v
sections = {
  "iSCSI (fio libiscsi engine)": ["snipblock-iscsi", "tgt"],
  "NBD (fio nbd engine)": ["snipblock-nbd", "nbdkit"],
  "Ceiling: fio on the backing filesystem": ["ceiling"],
  "3-node loopback cluster (snipblock NBD)": ["cluster"],
}
out = dict(reasons)
for title, systems in sections.items():
    why = "; ".join(f"{s}: {reasons[s]}" for s in systems if s in reasons)
    if why:
        out[title] = why
json.dump(out, open(sys.argv[1], "w"), indent=1)
PY

python3 - "$RUN/meta.json" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import json, sys
meta = json.load(open(sys.argv[1]))
meta["loadavg_end"] = sys.argv[2]
json.dump(meta, open(sys.argv[1], "w"), indent=1)
PY

echo
python3 "$BENCH_DIR/lib/report.py" "$RUN" --out "$RESULTS"
log "results: $RESULTS/latest.md and latest.json; raw fio output in $RUN"
