#!/usr/bin/env bash
# The fault schedule (node's FaultScheduleProcessIT) run for a long while by hand: five daemons in
# three compartments by default, a new seed each run unless --seed is given, faults struck until
# --minutes have passed. The test's own 8-minute timeout is lifted; its checks are the same (every
# acknowledged write read back through every door, the async tail, no overlapping epochs, every copy
# equal). Prints the summary line (seed, faults, writes acknowledged) and where the nodes' logs are.
# Not run by CI; it takes the whole machine's attention for its length (two cores: nothing else).
# usage: bench/faults-long.sh [--minutes 60] [--nodes 5] [--seed N]
set -euo pipefail

log() { echo "[faults-long $(date +%H:%M:%S)] $*" >&2; }
die() { log "error: $*"; exit 1; }

MINUTES=60 NODES=5 SEED=""
while (($#)); do
  case "$1" in
    --minutes) MINUTES="$2"; shift ;;
    --nodes) NODES="$2"; shift ;;
    --seed) SEED="$2"; shift ;;
    *) die "unknown argument $1 (usage: bench/faults-long.sh [--minutes 60] [--nodes 5] [--seed N])" ;;
  esac
  shift
done
[[ "$MINUTES" =~ ^[1-9][0-9]*$ ]] || die "--minutes takes a positive number"
[[ "$NODES" =~ ^[3-9]$ ]] || die "--nodes takes 3..9"
[[ -z "$SEED" || "$SEED" =~ ^-?[0-9]+$ ]] || die "--seed takes a number (a seed the test logged)"
for tool in mvn java python3 qemu-io nbdinfo; do command -v "$tool" >/dev/null || die "$tool is needed (bin/test installs it)"; done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN="$ROOT/bench/results/local/faults-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$RUN"
ARGS=(-B -o -pl node -am test -Dtest=FaultScheduleProcessIT -Dsurefire.failIfNoSpecifiedTests=false
  -Djunit.jupiter.execution.timeout.mode=disabled -Dfaults.minutes="$MINUTES" -Dfaults.nodes="$NODES")
[[ -n "$SEED" ]] && ARGS+=(-Dfaults.seed="$SEED")
log "running the fault schedule for $MINUTES minutes on $NODES nodes; output in $RUN/mvn.log"
status=0
(cd "$ROOT" && env -u CI mvn "${ARGS[@]}") >"$RUN/mvn.log" 2>&1 || status=$?
cp -r "$ROOT/node/target/cluster-logs/noAcknowledgedWriteIsLostUnderRandomFaults" "$RUN/cluster-logs" 2>/dev/null || true
cp "$ROOT"/node/target/surefire-reports/*FaultScheduleProcessIT-output.txt "$RUN/test-output.txt" 2>/dev/null || true
grep -h 'fault schedule\|nemesis:\|answered after' "$RUN/test-output.txt" 2>/dev/null || true
if ((status != 0)); then
  log "FAILED (exit $status): see $RUN/mvn.log, $RUN/test-output.txt and the nodes' logs in $RUN/cluster-logs"
  exit "$status"
fi
log "passed: violations 0; nodes' logs in $RUN/cluster-logs"
