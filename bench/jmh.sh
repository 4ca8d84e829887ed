#!/usr/bin/env bash
# Builds the JMH uber-jar (bench/target/benchmarks.jar) with the modules it measures, then runs
# JMH with the given arguments. Results go to bench/results/local/jmh-<time>.json unless -rff is
# given. Examples:
#   bench/jmh.sh                          every benchmark (long: see bench/README.md)
#   bench/jmh.sh Nbd -prof gc             the NBD codec, with allocations per request
#   bench/jmh.sh 'Nbd.*' -p length=4096 -wi 1 -i 2 -f 1   a short look
#   bench/jmh.sh -l                       list the benchmarks
#   JMH_NO_BUILD=1 bench/jmh.sh ...       reuse the last build
#   JMH_INSTALLED=1 bench/jmh.sh ...      build only bench, against the modules installed in ~/.m2
#   JMH_JAVA_OPTS=-Djmh.ignoreLock=true   run although another JMH holds /tmp/jmh.lock (numbers skew)
set -euo pipefail
BENCH_DIR="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(dirname "$BENCH_DIR")"
JAR="$BENCH_DIR/target/benchmarks.jar"

if [ -z "${JMH_NO_BUILD:-}" ] || [ ! -f "$JAR" ]; then
  echo "[jmh] building $JAR" >&2
  also=(-am)
  [ -n "${JMH_INSTALLED:-}" ] && also=()
  (cd "$ROOT" && mvn -B -q ${MVN_OFFLINE--o} -pl bench "${also[@]}" package -Pjmh -Dmaven.test.skip=true)
fi

args=("$@")
if [[ " $* " != *" -rff "* ]] && [[ " $* " != *" -l "* ]] && [[ " $* " != *" -h "* ]]; then
  mkdir -p "$BENCH_DIR/results/local"
  out="$BENCH_DIR/results/local/jmh-$(date +%Y%m%d-%H%M%S).json"
  args+=(-rf json -rff "$out")
  echo "[jmh] results will be written to $out" >&2
fi
exec java -Xmx512m ${JMH_JAVA_OPTS:-} -jar "$JAR" "${args[@]}"
