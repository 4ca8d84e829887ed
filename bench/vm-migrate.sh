#!/usr/bin/env bash
# What a live cross-site VM migration (`vm migrate NAME --to-site SITE`) costs, as the guest sees it:
# two storage daemons on 127.0.0.1, n1 in site a and n2 in site b, `cluster.sites.simulated-wan`
# between them, a host agent in each site (h1, h2; QEMU, TCG unless --accel kvm). Per repetition a
# guest (the adapter's test guest, snipguest=bench) on a one-copy async volume of --disk-mib MiB
# held in site a writes --fill-mib MiB, then keeps rewriting them (64 KiB O_DIRECT writes, one at a
# time; --guest-rate caps it) while the VM moves to h2 with its storage. Measured per repetition:
# the migration's wall time, QEMU's own migration time and downtime, the guest-visible downtime
# (the longest gap in the guest's 0.2 s console lines, on the host's clock), the longest time no
# guest write completed, the guest's write latency and rate before and during the migration (the
# guest kernel's write counters), the handover pause of the volume's primary, and whether
# ballooning throttled the guest (the primary's log). Scenarios (each its own cluster):
#   balloon  ballooning as configured by --balloon-floor (default 4M, the built-in floor)
#   off      balloon-floor 64G: the catch-up runs but its throttle never holds the guest back
# A guest writing faster than the link keeps the lag from shrinking: with ballooning the throttle
# brings it down; without, the catch-up gives up after its bound (600 s) and the task rolls back
# (the result says so). Not run by CI. Measure only on an idle machine (the load average is in the result).
# usage: bench/vm-migrate.sh [--disk-mib 1024] [--fill-mib 256] [--delay 20ms] [--rate 8M]
#          [--guest-rate KIB_PER_S] [--reps 3] [--scenarios balloon,off] [--balloon-floor 4M]
#          [--accel tcg|kvm] [--before S]
set -euo pipefail

log() { echo "[vm-migrate $(date +%H:%M:%S)] $*" >&2; }
die() { log "error: $*"; exit 1; }
USAGE="usage: bench/vm-migrate.sh [--disk-mib N] [--fill-mib N] [--delay 20ms] [--rate 8M] [--guest-rate KIB_PER_S] [--reps N] [--scenarios balloon,off] [--balloon-floor 4M] [--accel tcg|kvm] [--before S]"

DISK_MIB=1024 FILL_MIB=256 DELAY=20ms RATE=8M GUEST_RATE=0 REPS=3 SCENARIOS=balloon,off FLOOR=4M ACCEL=tcg BEFORE=10
while (($#)); do
  case "$1" in
    --disk-mib) DISK_MIB="$2"; shift ;;
    --fill-mib) FILL_MIB="$2"; shift ;;
    --delay) DELAY="$2"; shift ;;
    --rate) RATE="$2"; shift ;;
    --guest-rate) GUEST_RATE="$2"; shift ;;
    --reps) REPS="$2"; shift ;;
    --scenarios) SCENARIOS="$2"; shift ;;
    --balloon-floor) FLOOR="$2"; shift ;;
    --accel) ACCEL="$2"; shift ;;
    --before) BEFORE="$2"; shift ;;
    *) die "unknown argument $1 ($USAGE)" ;;
  esac
  shift
done
for n in "$DISK_MIB" "$FILL_MIB" "$REPS" "$BEFORE"; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "--disk-mib, --fill-mib, --reps and --before take positive whole numbers, not '$n'"
done
[[ "$GUEST_RATE" =~ ^[0-9]+$ ]] || die "--guest-rate takes KiB per second (0: as fast as the guest can)"
((FILL_MIB <= DISK_MIB)) || die "--fill-mib must not exceed --disk-mib"
[[ "$ACCEL" =~ ^(tcg|kvm)$ ]] || die "--accel takes tcg or kvm"
for s in ${SCENARIOS//,/ }; do [[ "$s" =~ ^(balloon|off)$ ]] || die "unknown scenario $s (balloon, off)"; done
for tool in java python3 qemu-system-x86_64 busybox cpio gzip; do command -v "$tool" >/dev/null || die "$tool is needed (bin/test installs it)"; done
ls /usr/lib/x86_64-linux-gnu/qemu/block-iscsi.so >/dev/null 2>&1 || die "QEMU's iSCSI driver is needed (qemu-block-extra)"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN="$ROOT/bench/results/local/vm-migrate-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$RUN"
"$ROOT/bin/snipblock" --help >"$RUN/build.log" 2>&1 || die "bin/snipblock failed to build (see $RUN/build.log)"
cp "$ROOT/hypervisor-adapter/target/snipblock.jar" "$RUN/snipblock.jar"
guest="$(bash "$ROOT/hypervisor-adapter/src/test/resources/guest/build-guest.sh" "$RUN/guest")" || die "building the guest failed"
KERNEL="$(sed -n 's/^kernel=//p' <<<"$guest")" INITRD="$(sed -n 's/^initrd=//p' <<<"$guest")"

GROUPS_STARTED=()
stop_all() {
  local g
  # each daemon was started in its own process group (setsid): the agents' QEMUs go with them
  for g in "${GROUPS_STARTED[@]}"; do kill -TERM -- "-$g" 2>/dev/null || true; done
  for g in "${GROUPS_STARTED[@]}"; do
    for _ in $(seq 50); do kill -0 -- "-$g" 2>/dev/null || break; sleep 0.2; done
    kill -KILL -- "-$g" 2>/dev/null || true
  done
  GROUPS_STARTED=()
}
cleanup() {
  stop_all
  rm -rf "$RUN"/*/data "$RUN/snipblock.jar"
}
trap cleanup EXIT

cli() { timeout 3600 java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -jar "$RUN/snipblock.jar" "$@"; }
json_field() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval("d" + sys.argv[1]))' "$1"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# Waits (bounded) until FILE holds a line matching PATTERN while process PID lives.
await_line() { # file pattern pid seconds what
  local i
  for i in $(seq "$(($4 * 5))"); do
    grep -q -- "$2" "$1" 2>/dev/null && return 0
    [ "$3" = - ] || kill -0 "$3" 2>/dev/null || die "$5: the process exited (see $1)"
    sleep 0.2
  done
  die "$5: nothing in $1 after $4 s"
}

# Starts the storage nodes and host agents of one scenario in $DIR.
start_fleet() { # dir balloon-floor
  local d="$1" p1 p2 id
  mkdir -p "$d"
  cat >"$d/node.yaml" <<EOF
cluster:
  defaults:
    copies: 1
    min-copies: 1
    mode: async
  sites:
    balloon-floor: $2
    simulated-wan: {delay: $DELAY, rate: $RATE}
EOF
  p1="$(free_port)" p2="$(free_port)"
  declare -gA ADMIN PID
  for id in n1 n2; do
    local loc=a/c1/r1/n1 port=$p1
    [ $id = n2 ] && loc=b/c1/r1/n2 port=$p2
    mkdir -p "$d/data/$id"
    setsid java -Xmx1g -jar "$RUN/snipblock.jar" serve --data "$d/data/$id" --node-id $id --location $loc \
      --listen 127.0.0.1 --cluster-port "$port" --join "127.0.0.1:$p1,127.0.0.1:$p2" --iscsi-port 0 --nbd-port 0 \
      --admin-port 0 --config "$d/node.yaml" >"$d/$id.log" 2>&1 &
    PID[$id]=$!
    GROUPS_STARTED+=($!)
  done
  for id in n1 n2; do
    await_line "$d/data/$id/node.json" adminPort "${PID[$id]}" 120 "node $id"
    ADMIN[$id]="127.0.0.1:$(json_field "['adminPort']" <"$d/data/$id/node.json")"
  done
  ADMINS="${ADMIN[n1]},${ADMIN[n2]}"
  local up=0
  for _ in $(seq 120); do
    up="$(cli cluster status --json --admin "${ADMIN[n1]}" 2>/dev/null | json_field \
      "['nodes'] and sum(1 for n in d['nodes'] if n['state'] == 'UP' and n['capacityBytes'] > 0)" 2>/dev/null || echo 0)"
    [ "$up" = 2 ] && break
    sleep 1
  done
  [ "$up" = 2 ] || die "the cluster did not form in 120 s (see $d/n*.log)"
  for id in h1 h2; do
    local loc=a/c1/r1/h1 admin="${ADMIN[n1]},${ADMIN[n2]}"
    [ $id = h2 ] && loc=b/c1/r1/h2 admin="${ADMIN[n2]},${ADMIN[n1]}"
    setsid java -Xmx256m -jar "$RUN/snipblock.jar" host serve --host-id $id --location $loc --cpus 2 --memory 1G \
      --admin "$admin" --data "$d/$id" --accel "$ACCEL" >"$d/$id.log" 2>&1 &
    PID[$id]=$!
    GROUPS_STARTED+=($!)
    await_line "$d/$id.log" "host $id ready" "${PID[$id]}" 120 "host agent $id"
  done
  for _ in $(seq 60); do cli host list --admin "$ADMINS" 2>/dev/null | grep -q '^controller: h' && return 0; sleep 1; done
  die "no host agent took the controller lease in 60 s (see $d/h*.log)"
}

# One repetition: a fresh VM on h1, filled, migrated to site b under the probe; prints one result row.
measure() { # dir scenario rep
  local d="$1" rd="$1/rep$3" append out qemu pause
  mkdir -p "$rd"
  append="console=ttyS0 quiet snipguest=bench snipbench.fill=$FILL_MIB snipbench.bs=64 snipbench.rate=$GUEST_RATE"
  cli vm create db --host h1 --kernel "$KERNEL" --initrd "$INITRD" --append "$append" --memory 256M \
    --disk "${DISK_MIB}M" --admin "$ADMINS" >"$rd/create.log" 2>&1 || die "vm create failed (see $rd/create.log)"
  await_line "$d/h1/vms/db/console.log" "GUEST: fill" - 3600 "the guest's fill of $FILL_MIB MiB"
  grep -q "GUEST: filled" "$d/h1/vms/db/console.log" || die "the guest could not fill its disk (see $d/h1/vms/db/console.log)"
  local n1_lines
  n1_lines="$(wc -l <"$d/n1.log")"
  python3 "$ROOT/bench/lib/guest-probe.py" --console "$d/h1/vms/db/console.log" --console "$d/h2/vms/db/console.log" \
    --out "$rd" --before "$BEFORE" --after 5 -- \
    timeout 3600 java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -jar "$RUN/snipblock.jar" \
    vm migrate db --to-site b --admin "$ADMINS" >"$rd/probe.out"
  out="$rd/command.log"
  qemu="$(sed -n 's/.*migrated from h1 in \([0-9]*\) ms (downtime \([0-9]*\) ms).*/\1 \2/p' "$out" | tail -1)"
  pause="$(sed -n 's/.*writes paused \([0-9.]*\) ms.*/\1/p' "$out" | tail -1)"
  # the volume's primary (n1 until the handover) logs each change of the throttle
  tail -n +"$((n1_lines + 1))" "$d/n1.log" >"$rd/n1-during.log"
  python3 - "$rd/probe.json" "$2" "$3" "${qemu:--} " "${pause:--}" "$rd/n1-during.log" <<'EOF' | tee -a "$RUN/result.txt"
import json, re, sys
p = json.load(open(sys.argv[1]))
scenario, rep, qemu, pause = sys.argv[2:6]
qemu = (qemu.split() + ["-", "-"])[:2]
unit = {"B": 1, "KiB": 2**10, "MiB": 2**20, "GiB": 2**30}
rates = [float(n) * unit[u] for n, u in re.findall(r"writes throttled to ([0-9.]+) (B|KiB|MiB|GiB)/s", open(sys.argv[6]).read())]
throttled = len(rates)
lowest = f"{min(rates) / 2**20:.1f}MiB/s" if rates else "-"
b, d = p["before"] or {}, p["during"] or {}
g = lambda w, k: "-" if w.get(k) is None else w[k]
result = "ok" if p["status"] == 0 else f"FAILED({p['status']})"
print(f"{scenario:<8} {rep:>3} {result:<10} {p['wall_s']:>7} {qemu[0]:>7} {qemu[1]:>7} {g(d, 'longest_console_gap_ms'):>7} "
      f"{g(d, 'longest_stall_ms'):>7} {pause:>7} {g(b, 'latency_mean_ms'):>7} {g(d, 'latency_mean_ms'):>7} "
      f"{g(d, 'latency_p99_ms'):>7} {g(d, 'latency_max_ms'):>7} {g(b, 'mib_per_s'):>6} {g(d, 'mib_per_s'):>6} "
      f"{throttled:>4} {lowest:>10} {p['write_errors']:>4}")
EOF
  cli vm delete db --admin "$ADMINS" >"$rd/delete.log" 2>&1 || log "could not delete db (see $rd/delete.log)"
  # kept with the repetition; the next VM of the same name starts a fresh console
  for h in h1 h2; do
    if [ -f "$d/$h/vms/db/console.log" ]; then mv "$d/$h/vms/db/console.log" "$rd/$h-console.log"; fi
  done
}

{
  echo "vm migrate --to-site b of a guest on a ${DISK_MIB} MiB one-copy async volume with ${FILL_MIB} MiB written,"
  echo "rewriting it in 64 KiB O_DIRECT writes at depth 1 ($([ "$GUEST_RATE" = 0 ] && echo "as fast as it can" || echo "at most $GUEST_RATE KiB/s")),"
  echo "across a simulated WAN (delay $DELAY, rate $RATE); QEMU accel $ACCEL; balloon floor $FLOOR (scenario off: 64G)"
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) CPUs)"
  echo "times in s (WALL) and ms; LAT: the guest's mean write latency (BEFORE / DURING the migration, p99 and max of"
  echo "its 0.2 s samples during); GAP: longest gap in the guest's console lines (guest-visible downtime); STALL: longest"
  echo "time no guest write completed; MiB/s written before / during; THR: times ballooning lowered the throttle, LOWEST: its lowest"
  printf '%-8s %3s %-10s %7s %7s %7s %7s %7s %7s %7s %7s %7s %7s %6s %6s %4s %10s %4s\n' SCENARIO REP RESULT WALL_S \
    QEMU_MS DOWN_MS GAP_MS STALL_MS PAUSE_MS LAT_BEF LAT_DUR LAT_P99 LAT_MAX MIB_B MIB_D THR LOWEST ERRS
} | tee "$RUN/result.txt"
for scenario in ${SCENARIOS//,/ }; do
  floor="$FLOOR"
  [ "$scenario" = off ] && floor=64G
  log "scenario $scenario: starting two storage nodes and two host agents"
  start_fleet "$RUN/$scenario" "$floor"
  for rep in $(seq "$REPS"); do
    log "scenario $scenario, repetition $rep: vm create, fill $FILL_MIB MiB, vm migrate --to-site b"
    measure "$RUN/$scenario" "$scenario" "$rep"
  done
  stop_all
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$RUN/result.txt"
log "result in $RUN/result.txt (per repetition: probe.json, samples.tsv, command.log under $RUN/SCENARIO/repN)"
