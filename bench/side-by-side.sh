#!/usr/bin/env bash
# Side-by-side load harness: the same fio matrix against snipblock and the programs a user would
# otherwise pick (tgt for iSCSI, nbdkit's file plugin for NBD), plus fio on the backing filesystem
# as the ceiling; then, on a 3-node loopback cluster of snipblock daemons, a 3-copy sync and a
# 3-copy async volume as a ratio to a 1-copy volume. Everything listens on 127.0.0.1 and keeps its
# data under one run folder on the same filesystem. Besides IOPS and latency, the CPU the servers'
# processes and fio spent per operation. Writes RESULTS/latest.md and latest.json (the
# previous run is kept as previous.*) and prints the table. Every server it starts is stopped on exit.
#
# usage: bench/side-by-side.sh [--quick] [--only main|cluster] [--runtime S] [--ramp S] [--reps N]
#          [--size MIB] [--warmup S] [--systems a,b,...] [--cells a,b,...] [--results DIR]
#          [--cluster-protocols nbd,iscsi] [--cluster-volumes 1copy,3sync,3async]
#          [--sync-min-copies N] [--cluster-jfr FILE]
#          [--snipblock-java-opts '...'] [--keep] [--no-install]
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(dirname "$BENCH_DIR")"

log() { echo "[bench $(date +%H:%M:%S)] $*" >&2; }
die() { log "error: $*"; exit 1; }

# Full run: 5 systems x 7 cells x 3 repetitions x (10 s + 2 s ramp) is about 22 minutes of fio,
# and the cluster section's 6 volume/protocol pairs as much again.
# WARMUP: unrecorded mixed load per system before the matrix, so a JIT's first seconds are not
# measured (the same for every system).
MODE=full RUNTIME=10 RAMP=2 REPS=3 SIZE_MIB=1024 WARMUP=15
ONLY=all
SYSTEMS="snipblock-iscsi,tgt,snipblock-nbd,nbdkit,ceiling"
CLUSTER_PROTOCOLS="nbd,iscsi"
CLUSTER_VOLUME_NAMES="1copy,3sync,3async"
# 3-copy sync: every copy acknowledges (as ReplicationPathBenchmark measures it); 2 = a majority.
SYNC_MIN_COPIES=3
CLUSTER_JFR=""
CELLS=""
RESULTS=""
KEEP=0
INSTALL=1
SNIPBLOCK_JAVA_OPTS="${SNIPBLOCK_JAVA_OPTS:-}"

while (($#)); do
  case "$1" in
    --quick) MODE=quick RUNTIME=1 RAMP=0 REPS=3 SIZE_MIB=256 WARMUP=3 ;;
    --only) ONLY="$2"; shift ;;
    --runtime) RUNTIME="$2"; shift ;;
    --ramp) RAMP="$2"; shift ;;
    --reps) REPS="$2"; shift ;;
    --warmup) WARMUP="$2"; shift ;;
    --size) SIZE_MIB="$2"; shift ;;
    --systems) SYSTEMS="$2"; shift ;;
    --cells) CELLS="$2"; shift ;;
    --results) RESULTS="$2"; shift ;;
    --cluster-protocols) CLUSTER_PROTOCOLS="$2"; shift ;;
    --cluster-volumes) CLUSTER_VOLUME_NAMES="$2"; shift ;;
    --sync-min-copies) SYNC_MIN_COPIES="$2"; shift ;;
    --cluster-jfr) CLUSTER_JFR="$2"; shift ;;
    --snipblock-java-opts) SNIPBLOCK_JAVA_OPTS="$2"; shift ;;
    --keep) KEEP=1 ;;
    --no-install) INSTALL=0 ;;
    -h|--help) sed -n '2,14p' "$0" | cut -c3-; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
  shift
done
[[ "$RUNTIME" =~ ^[0-9]+$ && "$RUNTIME" -ge 1 ]] || die "--runtime must be a whole number of seconds >= 1"
[[ "$RAMP" =~ ^[0-9]+$ ]] || die "--ramp must be a whole number of seconds"
[[ "$WARMUP" =~ ^[0-9]+$ ]] || die "--warmup must be a whole number of seconds"
[[ "$REPS" =~ ^[0-9]+$ && "$REPS" -ge 1 ]] || die "--reps must be >= 1"
[[ "$SIZE_MIB" =~ ^[0-9]+$ && "$SIZE_MIB" -ge 64 ]] || die "--size must be >= 64 (MiB)"
[[ "$ONLY" =~ ^(all|main|cluster)$ ]] || die "--only must be main or cluster"
[[ "$SYNC_MIN_COPIES" =~ ^[1-3]$ ]] || die "--sync-min-copies must be 1, 2 or 3"
[[ "$CLUSTER_PROTOCOLS" =~ ^(nbd|iscsi)(,(nbd|iscsi))*$ ]] || die "--cluster-protocols takes nbd and/or iscsi"
[[ "$CLUSTER_VOLUME_NAMES" =~ ^(1copy|3sync|3async)(,(1copy|3sync|3async))*$ ]] \
  || die "--cluster-volumes takes 1copy, 3sync and/or 3async"
if [ -n "$CLUSTER_JFR" ]; then
  [[ "$CLUSTER_JFR" == /* ]] || CLUSTER_JFR="$PWD/$CLUSTER_JFR"
  command -v jcmd >/dev/null 2>&1 || die "--cluster-jfr needs the JDK's jcmd on PATH"
fi
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
SYSTEM_LIST=()
if [ "$ONLY" != cluster ]; then IFS=, read -r -a SYSTEM_LIST <<<"$SYSTEMS"; fi
IFS=, read -r -a PROTOCOL_LIST <<<"$CLUSTER_PROTOCOLS"

# shellcheck source=bench/lib/ensure-tools.sh
. "$BENCH_DIR/lib/ensure-tools.sh"
# shellcheck source=bench/lib/cpu-sample.sh
. "$BENCH_DIR/lib/cpu-sample.sh"
if ((INSTALL)); then ensure_tools; else fio_has_engines || die "no fio with libiscsi at $FIO (drop --no-install)"; fi

RUN="$BENCH_DIR/results/local/run-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$RUN/fio"
log "run folder $RUN ($MODE, sections: $ONLY; ${RUNTIME}s + ${RAMP}s ramp, $REPS reps, ${SIZE_MIB} MiB)"
STARTED="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
LOADAVG_START="$(cut -d' ' -f1-3 /proc/loadavg)"

# ---- process bookkeeping: every server runs in its own session so its whole group is stopped.
PGIDS=()
TGT_CONTROL=""
JFR_PIDS=() # pid:file of the recordings running (stopped and written by cleanup if the run ends early)
stop_servers() {
  if [ -n "$TGT_CONTROL" ]; then
    tgtadm -C "$TGT_CONTROL" --lld iscsi --op delete --mode target --tid 1 --force >/dev/null 2>&1
    TGT_CONTROL=""
  fi
  local g
  for g in "${PGIDS[@]}"; do kill -TERM -- "-$g" 2>/dev/null || true; done
  for g in "${PGIDS[@]}"; do
    # tgtd ignores SIGTERM while it has targets; give everyone 5 s, then SIGKILL.
    for _ in $(seq 50); do kill -0 -- "-$g" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$g" 2>/dev/null || true  # most have already gone on SIGTERM
  done
  PGIDS=()
}
cleanup() {
  local rc=$?
  set +e
  local j
  for j in "${JFR_PIDS[@]}"; do jcmd "${j%%:*}" JFR.stop name=bench "filename=${j#*:}" >/dev/null 2>&1; done
  stop_servers
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
  # Stopped by stop_servers(); without disown bash reports the SIGKILL of tgtd as a job that died.
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

# Runs "$@" every second until it succeeds, for at most SECONDS; stops at once when it returns 2
# (what it waits on is gone). Says what it waited for when it gives up.
poll_until() { # what seconds command...
  local what="$1" limit="$2"; shift 2
  local deadline=$((SECONDS + limit)) rc
  while :; do
    rc=0
    "$@" || rc=$?
    if ((rc == 0)); then return 0; fi
    if ((rc == 2 || SECONDS >= deadline)); then
      log "gave up waiting for $what after $((SECONDS + limit - deadline))s"
      return 1
    fi
    sleep 1
  done
}

mkdir -p "$RUN/data"
SIZE_BYTES=$((SIZE_MIB * 1024 * 1024))

# ---- the systems. Each setup_* sets the fio target arguments for it in TARGET[system].
declare -A TARGET
declare -A SKIPPED

# Builds the node jar if the launcher finds it stale and copies it into the run folder, so a
# rebuild or clean by anyone else during the run cannot pull it away. Sets SNIPBLOCK_MISSING on failure.
prepare_snipblock_jar() {
  if [ -n "${SNIPBLOCK_JAR_DONE:-}" ]; then
    [ -z "${SNIPBLOCK_MISSING:-}" ]
    return
  fi
  SNIPBLOCK_JAR_DONE=1
  [ -x "$ROOT/bin/snipblock" ] || { SNIPBLOCK_MISSING="bin/snipblock does not exist yet"; return 1; }
  local jar="$ROOT/node/target/snipblock.jar"
  # The launcher rebuilds its jar when sources changed; do that here, outside any start-up wait.
  # If that build fails (someone is mid-edit) an existing jar is used, and the run says so.
  if ! timeout 1200 "$ROOT/bin/snipblock" --help >"$RUN/snipblock-build.log" 2>&1; then
    [ -f "$jar" ] || { SNIPBLOCK_MISSING="bin/snipblock failed to build (see $RUN/snipblock-build.log)"; return 1; }
    SNIPBLOCK_JAR_NOTE="the launcher's rebuild failed; measured the jar built $(date -r "$jar" -u +%Y-%m-%dT%H:%M:%SZ)"
    log "warning: $SNIPBLOCK_JAR_NOTE"
  fi
  cp "$jar" "$RUN/snipblock.jar"
  # As bin/snipblock starts it: from a class-data archive (the mode switch's time includes the CLI's start).
  mapfile -t SNIPCTL_CDS < <("$ROOT/bin/cds-archive" "$RUN/snipblock.jar")
}

# The operator CLI of the measured jar (a small, quickly started JVM: it is polled).
SNIPCTL_CDS=()
snipctl() {
  timeout 60 java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 "${SNIPCTL_CDS[@]}" -jar "$RUN/snipblock.jar" "$@"
}

# Starts `snipblock serve` on 127.0.0.1 with ephemeral frontend and admin ports; extra flags follow.
start_node() { # name data-dir log java-opts serve-flags...
  local name="$1" data="$2" logf="$3" opts="$4"; shift 4
  mkdir -p "$data"
  # shellcheck disable=SC2086  # a list of JVM options
  start_server "$name" "$logf" java $opts -jar "$RUN/snipblock.jar" \
    serve --data "$data" --listen 127.0.0.1 --iscsi-port 0 --nbd-port 0 --admin-port 0 "$@"
}

node_json_ready() { # data-dir pgid
  kill -0 "$2" 2>/dev/null || return 2
  [ -s "$1/node.json" ] && python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$1/node.json" 2>/dev/null
}

# Waits until the node wrote node.json (every port bound), failing at once if it exited.
wait_node() { # data-dir pgid seconds
  local deadline=$((SECONDS + $3)) rc
  while :; do
    rc=0
    node_json_ready "$1" "$2" || rc=$?
    if ((rc == 0)); then return 0; fi
    if ((rc == 2 || SECONDS >= deadline)); then return 1; fi
    sleep 0.3
  done
}

start_snipblock() {
  if [ -n "${SNIPBLOCK_STARTED:-}" ]; then
    [ -z "${SNIPBLOCK_MISSING:-}" ]
    return
  fi
  SNIPBLOCK_STARTED=1
  prepare_snipblock_jar || return 1
  local data="$RUN/data/snipblock"
  start_node snipblock "$data" "$RUN/snipblock.log" "${SNIPBLOCK_JAVA_OPTS:--Xmx1g}" --volume "bench:${SIZE_MIB}M"
  if ! wait_node "$data" "${PGIDS[-1]}" 90; then
    SNIPBLOCK_MISSING="bin/snipblock serve did not write node.json (see $RUN/snipblock.log)"
    return 1
  fi
  SNIP_ISCSI_PORT="$(node_port "$data/node.json" iscsi)"
  SNIP_NBD_PORT="$(node_port "$data/node.json" nbd)"
  SNIP_PID="$(json_field pid <"$data/node.json")"
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

# One field of a JSON document on stdin, by dotted path ("" for null or missing).
json_field() { # path
  python3 -c '
import json, sys
v = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    v = v.get(k) if isinstance(v, dict) else None
print("" if v is None else v)' "$1"
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
  local t iqn lun
  t="$(first_iscsi_target "$SNIP_ISCSI_PORT")" || { SKIPPED[snipblock-iscsi]="no iSCSI target found"; return 1; }
  read -r iqn lun <<<"$t"
  CPU_PROCS[snipblock-iscsi]="snipblock:$SNIP_PID"
  TARGET[snipblock-iscsi]="--ioengine=libiscsi --filename=$(iscsi_filename "$SNIP_ISCSI_PORT" "$iqn" "$lun")"
}

setup_snipblock-nbd() {
  start_snipblock || { SKIPPED[snipblock-nbd]="$SNIPBLOCK_MISSING"; return 1; }
  CPU_PROCS[snipblock-nbd]="snipblock:$SNIP_PID"
  TARGET[snipblock-nbd]="--ioengine=nbd --uri=nbd://127.0.0.1:$SNIP_NBD_PORT/bench"
}

setup_tgt() {
  local port img="$RUN/data/tgt.img" iqn="iqn.2025-01.org.snipblock.bench:tgt"
  truncate -s "$SIZE_BYTES" "$img"
  port="$(free_port)"
  # A private control port keeps this tgtd apart from any system tgtd (socket.N, not socket.0).
  TGT_CONTROL=$((20000 + RANDOM % 10000))
  start_server tgtd "$RUN/tgtd.log" tgtd -f -C "$TGT_CONTROL" --iscsi "portal=127.0.0.1:$port"
  CPU_PROCS[tgt]="tgtd:${PGIDS[-1]}" # setsid execs the server itself: same pid
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
  CPU_PROCS[nbdkit]="nbdkit:${PGIDS[-1]}"
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
  local cell=()
  read -r -a cell <<<"$spec"
  local id="${cell[0]}" rw="${cell[1]}" bs="${cell[2]}" depth="${cell[3]}"
  local budget=$((RUNTIME + RAMP + 60))
  # shellcheck disable=SC2086  # TARGET holds a list of fio options
  timeout --kill-after=10 "$budget" "$FIO" --name="$id" ${TARGET[$system]} --rw="$rw" --bs="$bs" \
    --iodepth="$depth" --numjobs=1 --size="$SIZE_BYTES" --time_based --runtime="$RUNTIME" \
    --ramp_time="$RAMP" --norandommap --randrepeat=0 --lat_percentiles=1 --output-format=json \
    --output="$out" "${cell[@]:4}" "$@" >"$out.log" 2>&1
}

# Writes every byte once so reads measure data, not holes (snipblock is thin; files are sparse).
prefill() { # system [seconds per MiB allowed, default 0.1]
  local out="$RUN/fio/prefill-$1.json"
  local budget
  budget="$(python3 -c 'import sys; print(int(int(sys.argv[1]) * float(sys.argv[2])) + 120)' "$SIZE_MIB" "${2:-0.1}")"
  # shellcheck disable=SC2086  # TARGET holds a list of fio options
  timeout --kill-after=10 "$budget" "$FIO" --name=prefill ${TARGET[$1]} --rw=write --bs=1m \
    --iodepth=8 --size="$SIZE_BYTES" --output-format=json --output="$out" >"$out.log" 2>&1
}

warm_up() { # system
  ((WARMUP > 0)) || return 0
  local out="$RUN/fio/warmup-$1.json"
  # shellcheck disable=SC2086  # TARGET holds a list of fio options
  timeout --kill-after=10 $((WARMUP + 60)) "$FIO" --name=warmup ${TARGET[$1]} --rw=randrw --bs=4k \
    --iodepth=32 --size="$SIZE_BYTES" --time_based --runtime="$WARMUP" --norandommap \
    --output-format=json --output="$out" >"$out.log" 2>&1
}

# What a system needs before each of its cells, and after one before its CPU is sampled (the
# cluster section waits for async replicas).
before_cell() { :; }
after_cell() { :; }

# fio on one cell, with the CPU of the system's server processes sampled while it runs and once
# more when it has finished and after_cell has run (bench/lib/cpu-sample.sh); systems without a
# server (ceiling) get no samples.
measure_cell() { # system cell-spec out-file
  local s="$1" procs=() cpu="${3%.json}.cpu" rc=0
  read -r -a procs <<<"${CPU_PROCS[$s]:-}"
  if ((${#procs[@]} == 0)); then
    run_fio "$@"
    return
  fi
  cpu_header "$s" "$cpu"
  run_fio "$@" &
  cpu_ticks_while "$!" $((RUNTIME + RAMP + 70)) "$cpu" "${procs[@]}" || rc=$?
  after_cell "$s"
  cpu_sample end "$cpu" "${procs[@]}"
  return "$rc"
}

# Every cell on every given system, repetitions outermost and systems innermost, so a slow minute
# hits every system alike.
run_matrix() { # systems...
  (($#)) || return 0
  local total=$((REPS * ${#MATRIX[@]} * $#)) n=0 rep spec id s dir
  for rep in $(seq "$REPS"); do
    for spec in "${MATRIX[@]}"; do
      id="${spec%% *}"
      for s in "$@"; do
        n=$((n + 1))
        dir="$RUN/fio/$s/$id"
        mkdir -p "$dir"
        log "[$n/$total] $s $id rep $rep"
        before_cell "$s"
        measure_cell "$s" "$spec" "$dir/rep$rep.json" \
          || log "fio failed for $s $id rep $rep (see $dir/rep$rep.json.log)"
      done
    done
  done
}

# ---- main section: snipblock standalone vs tgt and nbdkit, and the ceiling.
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
  if [ -n "${SKIPPED[$s]:-}" ]; then log "skipping $s: ${SKIPPED[$s]}"; fi
done
((${#ACTIVE[@]})) || [ "$ONLY" = cluster ] || log "no system could be started"
run_matrix "${ACTIVE[@]}"
# The cluster runs alone: the main section's servers would only take CPU from it.
stop_servers

# ---- 3-node loopback cluster: 3-copy sync and async volumes as a ratio to a 1-copy volume.
# Three daemons (one JVM each, compartments c1-c3) join by their cluster ports; all three volumes
# live on the same cluster and are driven through their primary's doors, like a hypervisor would.
CLUSTER_IDS=(n1 n2 n3)
# volume name -> "copies min-copies mode"; the system names are cluster-<volume>-<protocol>.
IFS=, read -r -a CLUSTER_VOLUMES <<<"$CLUSTER_VOLUME_NAMES"
declare -A VOLUME_SPEC=([1copy]="1 1 sync" [3sync]="3 $SYNC_MIN_COPIES sync" [3async]="3 2 async")
declare -A NODE_DATA NODE_PGID NODE_ADMIN NODE_NBD NODE_ISCSI NODE_PID NODE_HTTP VOLUME_PRIMARY
CLUSTER_ACTIVE=()

nodes_alive() {
  local id
  for id in "${CLUSTER_IDS[@]}"; do
    kill -0 "${NODE_PGID[$id]}" 2>/dev/null || { log "node $id exited (see $RUN/cluster-$id.log)"; return 2; }
  done
}

# Formed: the asked node sees all three UP, knows the metadata leader and is in its majority.
cluster_formed() {
  nodes_alive || return 2
  local status
  status="$(snipctl cluster status --json --admin "${NODE_ADMIN[n1]}" 2>/dev/null)" || return 1
  printf '%s\n' "$status" >"$RUN/cluster-status.json"
  python3 -c '
import json, sys
s = json.load(sys.stdin)
up = sum(1 for n in s.get("nodes", []) if n.get("state") == "UP")
sys.exit(0 if up == 3 and s.get("leader") and s.get("inMajority") else 1)' <<<"$status"
}

# Every copy caught up with the (empty) volume, so it counts for the writes from the first one.
volume_in_sync() { # name
  nodes_alive || return 2
  local show
  show="$(snipctl volume show "$1" --json --admin "${NODE_ADMIN[n1]}" 2>/dev/null)" || return 1
  python3 -c '
import json, sys
v = json.load(sys.stdin)
sys.exit(0 if not v.get("stale") and not v.get("unreachable") and v.get("primary") else 1)' <<<"$show"
}

# The metadata may name the primary before its door serves the volume: ask the door itself.
door_serves() { # protocol port volume
  if [ "$1" = nbd ]; then
    timeout 20 nbdinfo --size "nbd://127.0.0.1:$2/$3" >/dev/null 2>&1
  else
    timeout 20 iscsi-readcapacity16 -s "iscsi://127.0.0.1:$2/iqn.2026-11.org.snipblock:$3/0" >/dev/null 2>&1
  fi
}

start_cluster() {
  prepare_snipblock_jar || { CLUSTER_MISSING="$SNIPBLOCK_MISSING"; return 1; }
  local ports=() p i id join
  while ((${#ports[@]} < 3)); do
    p="$(free_port)"
    [[ " ${ports[*]} " == *" $p "* ]] || ports+=("$p")
  done
  join="127.0.0.1:${ports[0]},127.0.0.1:${ports[1]},127.0.0.1:${ports[2]}"
  for i in 0 1 2; do
    id="${CLUSTER_IDS[$i]}"
    NODE_DATA[$id]="$RUN/data/cluster/$id"
    start_node "snipblock $id" "${NODE_DATA[$id]}" "$RUN/cluster-$id.log" "${SNIPBLOCK_JAVA_OPTS:--Xmx1g}" \
      --node-id "$id" --location "bench/c$((i + 1))/r1/h$((i + 1))" \
      --cluster-port "${ports[$i]}" --join "$join" --http-port 0
    NODE_PGID[$id]="${PGIDS[-1]}"
  done
  for id in "${CLUSTER_IDS[@]}"; do
    wait_node "${NODE_DATA[$id]}" "${NODE_PGID[$id]}" 120 \
      || { CLUSTER_MISSING="node $id did not start (see $RUN/cluster-$id.log)"; return 1; }
    NODE_ADMIN[$id]="127.0.0.1:$(node_port "${NODE_DATA[$id]}/node.json" admin)"
    NODE_NBD[$id]="$(node_port "${NODE_DATA[$id]}/node.json" nbd)"
    NODE_ISCSI[$id]="$(node_port "${NODE_DATA[$id]}/node.json" iscsi)"
    NODE_PID[$id]="$(json_field pid <"${NODE_DATA[$id]}/node.json")"
    NODE_HTTP[$id]="$(node_port "${NODE_DATA[$id]}/node.json" http)"
  done
  log "cluster nodes up (admin ${NODE_ADMIN[n1]} ${NODE_ADMIN[n2]} ${NODE_ADMIN[n3]}); waiting for the cluster to form"
  poll_until "three nodes UP with a metadata leader" 120 cluster_formed \
    || { CLUSTER_MISSING="the cluster did not form in 120 s (see $RUN/cluster-status.json, $RUN/cluster-n*.log)"; return 1; }
  log "cluster formed"
}

create_volumes() {
  local v copies min mode out
  for v in "${CLUSTER_VOLUMES[@]}"; do
    read -r copies min mode <<<"${VOLUME_SPEC[$v]}"
    out="$RUN/cluster-volume-$v.json"
    snipctl volume create "$v" --size "${SIZE_MIB}M" --copies "$copies" --min-copies "$min" \
      --spread compartment --mode "$mode" --json --admin "${NODE_ADMIN[n1]}" >"$out" 2>"$out.err" \
      || { CLUSTER_MISSING="volume create $v failed: $(tr '\n' ' ' <"$out.err")"; return 1; }
    poll_until "every copy of $v in sync" 120 volume_in_sync "$v" \
      || { CLUSTER_MISSING="volume $v did not get every copy in sync in 120 s"; return 1; }
    VOLUME_PRIMARY[$v]="$(snipctl volume show "$v" --json --admin "${NODE_ADMIN[n1]}" | json_field primary)"
    [ -n "${VOLUME_PRIMARY[$v]}" ] && [ -n "${NODE_NBD[${VOLUME_PRIMARY[$v]}]:-}" ] \
      || { CLUSTER_MISSING="volume $v names an unknown primary '${VOLUME_PRIMARY[$v]}'"; return 1; }
    log "volume $v: $copies copies, min $min, $mode; primary ${VOLUME_PRIMARY[$v]}"
  done
}

# lagBytes as the primary measures it (other nodes say -1): 0 once every copy holds every write.
replicas_caught_up() { # volume
  nodes_alive || return 2
  local lag
  lag="$(snipctl volume show "$1" --json --admin "${NODE_ADMIN[${VOLUME_PRIMARY[$1]}]}" 2>/dev/null \
    | json_field lagBytes)" || return 1
  [ "$lag" = 0 ]
}

# An async volume's replicas may still be applying the previous cell's writes (up to max-lag,
# 64 MiB by default) when the next cell starts; on loopback they share the cores with that cell,
# which then pays for the one before (issue 10: 3async-iscsi always ran right after 3async-nbd).
# Every cell on an async volume starts with its copies caught up; and its CPU is sampled only
# once they are, since applying the cell's writes on the replicas is part of what the cell cost.
# A volume that caught up after its last cell is not asked again before its next one (nothing
# else writes to it in between).
declare -A CAUGHT_UP # async volume -> 1 when its replicas caught up after its last cell
async_volume_of() { # system; prints the async volume it writes to, or fails
  local v="${1#cluster-}"
  v="${v%-*}"
  [[ "$1" == cluster-* && "${VOLUME_SPEC[$v]:-}" == *async ]] && echo "$v"
}
await_replicas() { # volume; fails when its replicas did not catch up in 120 s
  local t0=$SECONDS
  poll_until "$1's replicas to catch up" 120 replicas_caught_up "$1" || return 1
  if ((SECONDS - t0 > 2)); then log "$1's replicas caught up after $((SECONDS - t0)) s"; fi
}
before_cell() { # system
  local v
  v="$(async_volume_of "$1")" || return 0
  if [ -z "${CAUGHT_UP[$v]:-}" ]; then
    await_replicas "$v" || log "warning: $1 starts with $v's replicas still behind"
  fi
  CAUGHT_UP[$v]=""
}
after_cell() { # system
  local v
  v="$(async_volume_of "$1")" || return 0
  if await_replicas "$v"; then
    CAUGHT_UP[$v]=1
  else
    log "warning: $1's CPU sample misses what $v's replicas still had to apply"
  fi
}

setup_cluster_system() { # volume protocol
  local v="$1" proto="$2" s="cluster-$1-$2" primary="${VOLUME_PRIMARY[$1]}" port
  if [ "$proto" = nbd ]; then port="${NODE_NBD[$primary]}"; else port="${NODE_ISCSI[$primary]}"; fi
  poll_until "$primary's $proto door to serve $v" 60 door_serves "$proto" "$port" "$v" \
    || { SKIPPED[$s]="the primary's $proto door did not serve $v in 60 s"; return 1; }
  local id procs=()
  for id in "${CLUSTER_IDS[@]}"; do procs+=("$id:${NODE_PID[$id]}"); done
  CPU_PROCS[$s]="${procs[*]}"
  CPU_PRIMARY[$s]="$primary"
  if [ "$proto" = nbd ]; then
    TARGET[$s]="--ioengine=nbd --uri=nbd://127.0.0.1:$port/$v"
  else
    TARGET[$s]="--ioengine=libiscsi --filename=$(iscsi_filename "$port" "iqn.2026-11.org.snipblock:$v" 0)"
  fi
}

run_cluster_section() {
  if [ "$ONLY" = main ]; then
    SKIPPED[cluster]="not selected (--only main)"
    return
  fi
  if ! start_cluster || ! create_volumes; then
    SKIPPED[cluster]="$CLUSTER_MISSING"
    log "skipping the cluster section: $CLUSTER_MISSING"
    return
  fi
  local v proto s prefilled
  for v in "${CLUSTER_VOLUMES[@]}"; do
    prefilled=0
    for proto in "${PROTOCOL_LIST[@]}"; do
      s="cluster-$v-$proto"
      setup_cluster_system "$v" "$proto" || { log "skipping $s: ${SKIPPED[$s]}"; continue; }
      # One prefill per volume (through the first door that serves it); replication makes it slower.
      if ((prefilled == 0)); then
        prefill "$s" 0.5 || { SKIPPED[$s]="prefill failed (see $RUN/fio/prefill-$s.json.log)"; log "skipping $s: ${SKIPPED[$s]}"; continue; }
        prefilled=1
      fi
      warm_up "$s" || { SKIPPED[$s]="warm-up failed (see $RUN/fio/warmup-$s.json.log)"; log "skipping $s: ${SKIPPED[$s]}"; continue; }
      CLUSTER_ACTIVE+=("$s")
      log "$s ready and prefilled"
    done
  done
  if [ -n "$CLUSTER_JFR" ]; then jfr_cluster start; fi
  run_matrix "${CLUSTER_ACTIVE[@]}"
  if [ -n "$CLUSTER_JFR" ]; then jfr_cluster stop; fi
  measure_mode_switch
  # The round trips the nodes measured while loaded, for the report's reader.
  snipctl cluster status --json --admin "${NODE_ADMIN[n1]}" >"$RUN/cluster-status-end.json" 2>/dev/null || true
}

# A JFR recording (profile settings) of every node during the cluster matrix: FILE-n1.jfr, -n2, -n3.
jfr_file() { printf '%s-%s.jfr' "${CLUSTER_JFR%.jfr}" "$1"; }
jfr_cluster() { # start|stop
  local id
  for id in "${CLUSTER_IDS[@]}"; do
    if [ "$1" = start ]; then
      if jcmd "${NODE_PID[$id]}" JFR.start name=bench settings=profile >>"$RUN/jfr.log" 2>&1; then
        JFR_PIDS+=("${NODE_PID[$id]}:$(jfr_file "$id")")
      else
        log "jcmd JFR.start on $id failed (see $RUN/jfr.log)"
      fi
    elif jcmd "${NODE_PID[$id]}" JFR.stop name=bench "filename=$(jfr_file "$id")" >>"$RUN/jfr.log" 2>&1; then
      log "JFR recording of $id: $(jfr_file "$id") (bench/lib/jfr-hot.py $(jfr_file "$id"))"
    fi
  done
  if [ "$1" = stop ]; then JFR_PIDS=(); fi
}

# The issue's live switch: "no pause longer than a few hundred milliseconds". A 4 KiB random write
# load at depth 8 runs on the async volume; part-way through, the volume is switched to sync and,
# later, back. fio's longest write of that run is compared with the same run without switches.
# The switch times include the CLI's JVM start; the node's own time for each call is read from its
# admin-call timer on /metrics.
# The seconds node $1 spent answering mode switches so far (its snipblock_admin_call_seconds_sum for
# SetVolumeMode; 0 before the first), or nothing when its /metrics cannot be read.
admin_call_seconds() {
  local metrics
  metrics="$(curl -sf --max-time 5 "http://127.0.0.1:${NODE_HTTP[$1]}/metrics" 2>/dev/null)" || return 0
  awk '/^snipblock_admin_call_seconds_sum\{method="SetVolumeMode",status="OK"\}/ {s = $2} END {print s + 0}' \
    <<<"$metrics"
}

measure_mode_switch() {
  local s=cluster-3async-nbd
  [[ " ${CLUSTER_ACTIVE[*]} " == *" $s "* ]] || { log "mode switch not measured: $s did not run"; return 0; }
  local secs=$((RUNTIME < 4 ? 6 : RUNTIME)) out="$RUN/fio/mode-switch" spec t0 t1 t2 t3 pid rc=0
  spec="switch randwrite 4k 8"
  RUNTIME_SAVED=$RUNTIME RAMP_SAVED=$RAMP
  RUNTIME=$secs RAMP=0
  run_fio "$s" "$spec" "$out-baseline.json" || rc=1
  run_fio "$s" "$spec" "$out-switched.json" & pid=$!
  sleep $((secs / 3))
  admin_call_seconds n1 >"$out-node-0.txt"
  t0=$(date +%s%N); snipctl volume set 3async --mode sync --admin "${NODE_ADMIN[n1]}" >/dev/null || rc=1; t1=$(date +%s%N)
  admin_call_seconds n1 >"$out-node-1.txt"
  sleep $((secs / 3))
  t2=$(date +%s%N); snipctl volume set 3async --mode async --admin "${NODE_ADMIN[n1]}" >/dev/null || rc=1; t3=$(date +%s%N)
  admin_call_seconds n1 >"$out-node-2.txt"
  wait "$pid" || rc=1
  RUNTIME=$RUNTIME_SAVED RAMP=$RAMP_SAVED
  python3 - "$out-baseline.json" "$out-switched.json" "$RUN/mode-switch.json" "$(((t1 - t0) / 1000000))" \
      "$(((t3 - t2) / 1000000))" "$rc" "$secs" "$out-node" <<'PY'
import json, sys
def node_ms(i):
    # The node's own time for the switch: the growth of its admin-call timer's sum across one call.
    try:
        a, b = (float(open(f"{sys.argv[8]}-{j}.txt").read().split()[0]) for j in (i, i + 1))
        return round((b - a) * 1000, 1) if b > a else None
    except Exception:
        return None
def longest(path):
    try:
        job = json.load(open(path))["jobs"][0]["write"]
        return job["clat_ns"]["max"] / 1e6, job["clat_ns"]["mean"] / 1e6, job["total_ios"], job.get("error", 0)
    except Exception:
        return None, None, None, None
base, switched = longest(sys.argv[1]), longest(sys.argv[2])
json.dump({"seconds": int(sys.argv[7]), "baseline_max_ms": base[0], "baseline_mean_ms": base[1],
           "switched_max_ms": switched[0], "switched_mean_ms": switched[1], "switched_ios": switched[2],
           "to_sync_cli_ms": int(sys.argv[4]), "to_async_cli_ms": int(sys.argv[5]),
           "to_sync_node_ms": node_ms(0), "to_async_node_ms": node_ms(1), "failed": sys.argv[6] != "0"},
          open(sys.argv[3], "w"), indent=1)
PY
  log "mode switch under load measured: $(cat "$RUN/mode-switch.json" | tr -d '\n ')"
}

run_cluster_section

# ---- the report
write_meta() {
  python3 - "$RUN/meta.json" <<PY
import json, sys
cells = []
for spec in """$(printf '%s\n' "${MATRIX[@]}")""".strip().splitlines():
    p = spec.split()
    cells.append({"id": p[0], "rw": p[1], "bs": p[2], "iodepth": int(p[3]), "extra": p[4:]})
meta = {
  "mode": "$MODE", "only": "$ONLY", "started": "$STARTED",
  "commit": "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)",
  "machine": {"nproc": $(nproc), "cpu": "$(lscpu | sed -n 's/^Model name: *//p' | head -1)",
              "kernel": "$(uname -r)", "mem_gib": $(awk '/MemTotal/ {printf "%d", $2/1048576}' /proc/meminfo),
              "fs": "$(df -T "$RUN" | awk 'NR==2 {print $2}')"},
  "versions": {"fio": "$("$FIO" --version)", "tgt": "$(tgtd --version 2>&1 | head -1)",
               "nbdkit": "$(nbdkit --version 2>&1 | head -1)",
               "java": "$(java -version 2>&1 | head -1 | sed 's/"//g')"},
  "loadavg_start": "$LOADAVG_START",
  "loadavg_end": "$(cut -d' ' -f1-3 /proc/loadavg)",
  "snipblock_jar_note": "${SNIPBLOCK_JAR_NOTE:-}",
  "params": {"runtime_s": $RUNTIME, "ramp_s": $RAMP, "reps": $REPS, "size_mib": $SIZE_MIB, "warmup_s": $WARMUP,
             "snipblock_java_opts": "$SNIPBLOCK_JAVA_OPTS"},
  "cluster": {"nodes": 3, "locations": ["bench/c1/r1/h1", "bench/c2/r1/h2", "bench/c3/r1/h3"],
              "sync_min_copies": $SYNC_MIN_COPIES, "async_min_copies": 2,
              "primaries": {k: v for k, v in (l.split("=", 1) for l in """$(for v in "${!VOLUME_PRIMARY[@]}"; do printf '%s=%s\n' "$v" "${VOLUME_PRIMARY[$v]}"; done)""".split())}},
  "systems": """${ACTIVE[*]:-} ${CLUSTER_ACTIVE[*]:-}""".split(),
  "cells": cells,
}
json.dump(meta, open(sys.argv[1], "w"), indent=1)
PY
}

write_skipped() {
  python3 - "$RUN/skipped.json" <<PY
import json, sys
reasons = {}
for line in """$(for k in "${!SKIPPED[@]}"; do printf '%s\t%s\n' "$k" "${SKIPPED[$k]}"; done)""".splitlines():
    if "\t" in line:
        k, v = line.split("\t", 1)
        reasons[k] = v
json.dump(reasons, open(sys.argv[1], "w"), indent=1)
PY
}

write_meta
write_skipped
echo
python3 "$BENCH_DIR/lib/report.py" "$RUN" --out "$RESULTS"
log "results: $RESULTS/latest.md and latest.json; raw fio output in $RUN"
