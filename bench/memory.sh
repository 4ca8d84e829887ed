#!/usr/bin/env bash
# How much memory one node takes while it serves 4 volumes under the whole fio matrix at once:
# `serve` with a 512 MiB heap (-Xmx512m) and native memory tracking, 4 volumes of SIZE each, every
# cell of the side-by-side matrix run on all 4 volumes together (one fio job per volume, NBD),
# sampled every second: the process's RSS, the heap in use and its committed size, and the JVM's
# own account of native memory (NMT: thread stacks, code, GC, and "Other", where Netty's and the
# store's direct buffers are counted). Prints the peaks and writes the samples to OUT/samples.tsv.
#
#   bench/memory.sh OUT [RUNTIME_S] [SIZE]      e.g. bench/memory.sh /tmp/mem 5 1024M
#
# Measure on an idle machine; the load average is printed with the result. Needs the fio that
# bench/side-by-side.sh builds (bench/.tools) and a built node jar (bin/snipblock builds it).
set -u
OUT=$1; RT=${2:-5}; SIZE=${3:-1024M}
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
FIO="$ROOT/bench/.tools/fio/bin/fio"
JAR="$ROOT/node/target/snipblock.jar"
[ -x "$FIO" ] || { echo "no fio at $FIO: run bench/side-by-side.sh once" >&2; exit 1; }
[ -f "$JAR" ] || { echo "no $JAR: run bin/snipblock --help once" >&2; exit 1; }
mkdir -p "$OUT"; rm -rf "${OUT:?}"/*
PID=
cleanup() {
  [ -n "$PID" ] && kill -- -"$PID" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$OUT/data"
}
trap cleanup EXIT
vols=(); for i in 1 2 3 4; do vols+=(--volume "m$i:$SIZE"); done
setsid java -Xmx512m -XX:NativeMemoryTracking=summary -jar "$JAR" serve --data "$OUT/data" \
  --listen 127.0.0.1 --iscsi-port 0 --nbd-port 0 --admin-port 0 "${vols[@]}" > "$OUT/node.log" 2>&1 &
PID=$!
for _ in $(seq 1 120); do grep -q "NBD port" "$OUT/node.log" && break; sleep 0.5; done
NP=$(grep -o "NBD port [0-9]*" "$OUT/node.log" | head -1 | cut -d" " -f3)
[ -n "$NP" ] || { echo "the node did not start (see $OUT/node.log)" >&2; exit 1; }
JPID=$(pgrep -f -- "--data $OUT/data" | head -1)

sample() {
  local rss heap committed other
  rss=$(awk '/VmRSS/ {print $2}' /proc/"$JPID"/status 2>/dev/null)
  read -r heap committed < <(jcmd "$JPID" GC.heap_info 2>/dev/null \
    | awk '/ total /{for(i=1;i<=NF;i++){if($i=="total"){t=$(i+1)} if($i=="used"){u=$(i+1)}}; gsub("K,?","",t); gsub("K","",u); print u, t; exit}')
  other=$(jcmd "$JPID" VM.native_memory summary 2>/dev/null | grep -E '^-[[:space:]]+Other' \
    | grep -o "committed=[0-9]*KB" | tr -dc '0-9')
  printf '%s\t%s\t%s\t%s\t%s\n' "$(date +%s)" "${rss:-0}" "${heap:-0}" "${committed:-0}" "${other:-0}" >> "$OUT/samples.tsv"
}
printf 'time\trss_kib\theap_used_kib\theap_committed_kib\tnmt_other_kib\n' > "$OUT/samples.tsv"
( while kill -0 "$JPID" 2>/dev/null; do sample; sleep 1; done ) &
SAMPLER=$!

jobs_for() {  # one fio job per volume
  local a=() i
  for i in 1 2 3 4; do a+=(--name="m$i" --uri="nbd://127.0.0.1:$NP/m$i"); done
  printf '%s\n' "${a[@]}"
}
mapfile -t JOBS < <(jobs_for)
echo "load at start: $(cat /proc/loadavg)"
timeout 300 "$FIO" --ioengine=nbd --rw=write --bs=1m --iodepth=4 --size="$SIZE" "${JOBS[@]}" >/dev/null 2>&1
for a in "--rw=randread --bs=4k --iodepth=1" "--rw=randread --bs=4k --iodepth=32" \
         "--rw=randwrite --bs=4k --iodepth=1" "--rw=randwrite --bs=4k --iodepth=32" \
         "--rw=read --bs=128k --iodepth=8" "--rw=write --bs=128k --iodepth=8" \
         "--rw=randrw --rwmixread=60 --bs=4k --iodepth=32"; do
  # shellcheck disable=SC2086  # fio's options
  timeout $((RT + 60)) "$FIO" --ioengine=nbd $a --time_based --runtime="$RT" --size="$SIZE" \
    --norandommap "${JOBS[@]}" >/dev/null 2>&1
done
echo "load at end: $(cat /proc/loadavg)"
jcmd "$JPID" VM.native_memory summary > "$OUT/nmt-end.txt" 2>&1
kill "$SAMPLER" 2>/dev/null
awk -F'\t' 'NR > 1 {
    if ($2 > rss) rss = $2; if ($3 > heap) heap = $3; if ($4 > com) com = $4; if ($5 > oth) oth = $5; n++ }
  END { printf "samples %d; peak RSS %.0f MiB; peak heap used %.0f MiB (committed %.0f MiB, limit 512); peak NMT Other (direct buffers) %.0f MiB\n",
        n, rss / 1024, heap / 1024, com / 1024, oth / 1024 }' "$OUT/samples.tsv"
