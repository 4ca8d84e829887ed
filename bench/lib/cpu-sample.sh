# Sourced by side-by-side.sh. The CPU a system's server processes spend on one measured cell, so
# the report can divide it by fio's completed I/Os (bench/lib/cpu_per_op.py reads the file).
#
# fio starts measuring only after its own start-up (connecting can take half a second on a loaded
# machine) and the ramp, a moment no one outside fio sees. So the processes are sampled every
# 0.2 s while fio runs, and the report interpolates their CPU at the start of fio's measured time
# (its JSON's end timestamp minus its runtime). One file per repetition, next to fio's JSON
# (repN.cpu), one record per line:
#   clk_tck TICKS_PER_SECOND
#   primary LABEL                              (cluster systems: the volume's primary node)
#   tick|end EPOCH_SECONDS LABEL PID STARTTIME UTIME STIME
# "end" is the sample once fio has finished and after_cell has run. UTIME/STIME are
# /proc/PID/stat's fields 14-15 (every thread of the process, in clock ticks); STARTTIME (field 22)
# tells a restarted process from the one sampled before; "-" for all three when the process has
# gone (exited or a zombie), which the report shows as "–".

CPU_CLK_TCK="$(getconf CLK_TCK)"
CPU_TICK_S=0.2
declare -A CPU_PROCS   # system -> "label:pid ..." of the processes that serve it
declare -A CPU_PRIMARY # system -> label of its primary (cluster systems only)
# A pipe nobody writes to: `read -t` on it waits without forking a sleep every tick.
exec {CPU_WAIT_FD}<> <(:)

cpu_sample() { # phase file label:pid...
  local phase="$1" file="$2" now="$EPOCHREALTIME" lp label pid stat f
  shift 2
  for lp in "$@"; do
    label="${lp%%:*}" pid="${lp#*:}"
    f=()
    if read -r stat 2>/dev/null <"/proc/$pid/stat"; then
      # The command name (field 2) may hold spaces and parentheses: split after its last ")".
      read -r -a f <<<"${stat##*) }"
    fi
    if ((${#f[@]} > 19)) && [ "${f[0]}" != Z ]; then
      echo "$phase $now $label $pid ${f[19]} ${f[11]} ${f[12]}"
    else
      echo "$phase $now $label $pid - - -"
    fi
  done >>"$file"
}

# Samples every CPU_TICK_S while the job PID runs (at most LIMIT seconds' worth), then waits for it.
cpu_ticks_while() { # pid limit-seconds file label:pid...
  local pid="$1" n=0 max
  max="$(awk -v s="$2" -v t="$CPU_TICK_S" 'BEGIN { print int(s / t) + 1 }')"
  shift 2
  while kill -0 "$pid" 2>/dev/null && ((n++ < max)); do
    cpu_sample tick "$@"
    read -r -t "$CPU_TICK_S" -u "$CPU_WAIT_FD" _ || true
  done
  wait "$pid"
}

cpu_header() { # system file
  echo "clk_tck $CPU_CLK_TCK" >"$2"
  if [ -n "${CPU_PRIMARY[$1]:-}" ]; then echo "primary ${CPU_PRIMARY[$1]}" >>"$2"; fi
}
