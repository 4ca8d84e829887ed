#!/usr/bin/env bash
# How long `volume migrate NAME --to-site SITE` takes across a simulated WAN: two daemons on
# 127.0.0.1, n1 in site a and n2 in site b, `cluster.sites.simulated-wan` between them; a one-copy
# volume of N MiB, written in full through its primary's NBD door, moves into the other site (its copy
# built there, the primary handed over, the old copy dropped). Prints the wall time and the handover
# pause the primary reports, per repetition, with the load average before and after.
# Not run by CI. Measure only on an idle machine: the load average is part of the result.
# usage: bench/migrate.sh [--size-mib N] [--delay 20ms] [--rate 16M] [--reps N]
set -euo pipefail

log() { echo "[migrate $(date +%H:%M:%S)] $*" >&2; }
die() { log "error: $*"; exit 1; }

SIZE_MIB=256 DELAY=20ms RATE=16M REPS=3
while (($#)); do
  case "$1" in
    --size-mib) SIZE_MIB="$2"; shift ;;
    --delay) DELAY="$2"; shift ;;
    --rate) RATE="$2"; shift ;;
    --reps) REPS="$2"; shift ;;
    *) die "unknown argument $1 (usage: bench/migrate.sh [--size-mib N] [--delay 20ms] [--rate 16M] [--reps N])" ;;
  esac
  shift
done
[[ "$SIZE_MIB" =~ ^[1-9][0-9]*$ ]] || die "--size-mib takes a positive number of MiB"
[[ "$REPS" =~ ^[1-9][0-9]*$ ]] || die "--reps takes a positive number"
for tool in java python3 qemu-img; do command -v "$tool" >/dev/null || die "$tool is needed"; done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN="$ROOT/bench/results/local/migrate-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$RUN"
"$ROOT/bin/snipblock" --help >"$RUN/build.log" 2>&1 || die "bin/snipblock failed to build (see $RUN/build.log)"
cp "$ROOT/hypervisor-adapter/target/snipblock.jar" "$RUN/snipblock.jar"

PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$RUN/data" "$RUN/snipblock.jar" "$RUN/image.raw"
}
trap cleanup EXIT

cli() { timeout 3600 java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -jar "$RUN/snipblock.jar" "$@"; }
json_field() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval("d" + sys.argv[1]))' "$1"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# Waits (bounded) until a node wrote node.json; prints the port named ("adminPort", "nbdPort").
node_port() { # data-dir field pid
  local i
  for i in $(seq 120); do
    if [ -s "$1/node.json" ]; then json_field "['$2']" <"$1/node.json" && return 0; fi
    kill -0 "$3" 2>/dev/null || die "the node in $1 exited (see its log in $RUN)"
    sleep 1
  done
  die "no $1/node.json after 120 s"
}

cat >"$RUN/node.yaml" <<EOF
cluster:
  defaults:
    copies: 1
    min-copies: 1
  sites:
    simulated-wan: {delay: $DELAY, rate: $RATE}
EOF
P1="$(free_port)" P2="$(free_port)"
declare -A ADMIN NBD PID
start() { # id location cluster-port
  mkdir -p "$RUN/data/$1"
  java -Xmx1g -jar "$RUN/snipblock.jar" serve --data "$RUN/data/$1" --node-id "$1" --location "$2" \
    --listen 127.0.0.1 --cluster-port "$3" --join "127.0.0.1:$P1,127.0.0.1:$P2" --iscsi-port 0 --nbd-port 0 --admin-port 0 \
    --config "$RUN/node.yaml" >"$RUN/$1.log" 2>&1 &
  PIDS+=($!)
  PID[$1]=$!
}
start n1 a/c1/r1/n1 "$P1"
start n2 b/c1/r1/n2 "$P2"
for id in n1 n2; do
  ADMIN[$id]="127.0.0.1:$(node_port "$RUN/data/$id" adminPort "${PID[$id]}")"
  NBD[$id]="$(node_port "$RUN/data/$id" nbdPort "${PID[$id]}")"
done
for i in $(seq 120); do
  # up, and each has reported its capacity (placement gives nothing to a node that has not)
  up="$(cli cluster status --json --admin "${ADMIN[n1]}" 2>/dev/null | json_field \
    "['nodes'] and sum(1 for n in d['nodes'] if n['state'] == 'UP' and n['capacityBytes'] > 0)" 2>/dev/null || echo 0)"
  [ "$up" = 2 ] && break
  sleep 1
done
[ "$up" = 2 ] || die "the cluster did not form (both nodes up, capacity reported) in 120 s (see $RUN/n*.log)"
head -c $((SIZE_MIB << 20)) /dev/urandom >"$RUN/image.raw"

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
{
  echo "volume migrate of a ${SIZE_MIB} MiB one-copy volume (written in full) across a simulated WAN (delay $DELAY, rate $RATE)"
  echo "load average before: $LOAD_BEFORE ($(nproc) CPUs)"
  printf '%-4s %-10s %12s %12s\n' REP TO WALL_S PAUSE_MS
} | tee "$RUN/result.txt"
for rep in $(seq "$REPS"); do
  name="mig$rep"
  primary="$(cli volume create "$name" --size "${SIZE_MIB}M" --copies 1 --json --admin "${ADMIN[n1]}" | json_field "['primary']")"
  qemu-img convert -n -f raw -O raw "$RUN/image.raw" "nbd://127.0.0.1:${NBD[$primary]}/$name"
  to=b; [ "$primary" = n2 ] && to=a
  start_ns="$(date +%s%N)"
  out="$(cli volume migrate "$name" --to-site "$to" --json --admin "${ADMIN[$primary]}")"
  wall="$(python3 -c "print(f'{($(date +%s%N) - $start_ns) / 1e9:.1f}')")"
  pause="$(json_field "['pauseMillis']" <<<"$out")"
  printf '%-4s %-10s %12s %12.1f\n' "$rep" "$primary->$to" "$wall" "$pause" | tee -a "$RUN/result.txt"
  cli volume delete "$name" --admin "${ADMIN[n1]}" >/dev/null 2>&1 || log "could not delete $name"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$RUN/result.txt"
log "result in $RUN/result.txt"
