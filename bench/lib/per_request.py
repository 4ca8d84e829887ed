#!/usr/bin/env python3
"""What one request costs a server, counted over a fio run at depth 1 (issue 10).

  python3 bench/lib/per_request.py PID URI RW SECONDS [--syscalls] [--fio PATH]
  python3 bench/lib/per_request.py 4242 nbd://127.0.0.1:10809/bench randwrite 5 --syscalls

Runs fio's nbd engine (4 KiB, depth 1, RW randread or randwrite) against URI for SECONDS and
divides what the server process PID spent by the requests fio completed: CPU (its threads'
schedstat run time: exact, and not distorted by the load as wall-clock rates are), run slices
(wake-ups) by thread name, and with --syscalls the system calls by name (perf tracepoints; they
slow the server, so take CPU from a run without it). A server that starts a thread per
connection (nbdkit) shows CPU from /proc/PID/stat only (ticks): its threads end with the run.
"""
import json
import os
import re
import subprocess
import sys
import time
from collections import defaultdict

DEFAULT_FIO = os.path.join(os.path.dirname(__file__), "..", ".tools", "fio", "bin", "fio")


def read_threads(pid):
    """{tid: (name, run_ns, slices)} of the process's live threads."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                run, _wait, slices = (int(x) for x in f.read().split())
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                name = f.read().strip()
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue  # ended meanwhile, or a line this kernel writes otherwise
        out[tid] = (name, run, slices)
    return out


def process_ticks(pid):
    """utime + stime of the process, ended threads included (clock ticks)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def group(name):
    """Threads of one pool under one name: 'snippet-io-2' and 'GC Thread#1' lose their number."""
    return re.sub(r"[-#]?\d+$", "", name)


def by_group(before, after):
    """{group: [run_ns, slices]} spent between two read_threads; threads born meanwhile count whole."""
    out = defaultdict(lambda: [0, 0])
    for tid, (name, run, slices) in after.items():
        run0, slices0 = before[tid][1:] if tid in before else (0, 0)
        g = out[group(name)]
        g[0] += run - run0
        g[1] += slices - slices0
    return dict(out)


def parse_perf_stat(text):
    """{syscall: count} from `perf stat -x,` output of syscalls:sys_enter_* events; other lines are skipped."""
    counts = {}
    for line in text.splitlines():
        fields = line.strip().split(",")
        if len(fields) < 3 or not fields[0].strip().isdigit():
            continue  # comments, blank lines, "<not counted>", "<not supported>"
        event = fields[2].strip()
        if not event.startswith("syscalls:sys_enter_"):
            continue
        n = int(fields[0])
        if n > 0:
            counts[event[len("syscalls:sys_enter_"):]] = n
    return counts


def completed(fio_stdout):
    """Requests fio completed, from its JSON output (text before the JSON, as fio prints, is skipped)."""
    start = fio_stdout.find("{")
    if start < 0:
        raise ValueError("fio printed no JSON")
    job = json.loads(fio_stdout[start:])["jobs"][0]
    return job["read"]["total_ios"] + job["write"]["total_ios"]


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    fio = DEFAULT_FIO
    if "--fio" in argv:
        fio = argv[argv.index("--fio") + 1]
        args.remove(fio)
    if len(args) != 4 or args[2] not in ("randread", "randwrite") or not args[3].isdigit():
        print("usage: per_request.py PID URI randread|randwrite SECONDS [--syscalls] [--fio PATH]", file=sys.stderr)
        return 2
    pid, uri, rw, secs = args[0], args[1], args[2], int(args[3])
    if not os.path.isdir(f"/proc/{pid}"):
        print(f"per_request.py: no process {pid}", file=sys.stderr)
        return 1
    cmd = [fio, "--name=per-request", "--ioengine=nbd", f"--uri={uri}", f"--rw={rw}", "--bs=4k",
           "--iodepth=1", "--size=1g", "--time_based", f"--runtime={secs}", "--norandommap",
           "--randrepeat=0", "--output-format=json"]
    perf, perf_out = None, f"/tmp/per-request-perf-{pid}.txt"
    if "--syscalls" in argv:
        perf = subprocess.Popen(["perf", "stat", "-x,", "-o", perf_out, "-e", "syscalls:sys_enter_*", "-p", pid],
                                stderr=subprocess.DEVNULL)
        time.sleep(1)  # perf attaches to every thread before fio starts
    threads0, ticks0 = read_threads(pid), process_ticks(pid)
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=secs + 60)
    threads1, ticks1 = read_threads(pid), process_ticks(pid)
    if perf:
        perf.send_signal(2)
        perf.wait(timeout=30)
    try:
        ops = completed(run.stdout)
    except (ValueError, KeyError, IndexError) as e:
        print(f"per_request.py: fio failed ({e}): {run.stderr.strip()[:300]}", file=sys.stderr)
        return 1
    if ops == 0:
        print("per_request.py: fio completed no request", file=sys.stderr)
        return 1
    groups = by_group(threads0, threads1)
    run_ns = sum(g[0] for g in groups.values())
    hz = os.sysconf("SC_CLK_TCK")
    print(f"{rw}: {ops} requests, CPU {run_ns / ops / 1000:.1f} µs each "
          f"(ticks: {(ticks1 - ticks0) / hz / ops * 1e6:.1f} µs)")
    for name, (ns, slices) in sorted(groups.items(), key=lambda kv: -kv[1][0]):
        if slices / ops >= 0.005:
            print(f"  {name:18} CPU {ns / ops / 1000:6.2f} µs, run slices {slices / ops:5.2f} per request")
    if perf:
        with open(perf_out) as f:
            counts = parse_perf_stat(f.read())
        os.remove(perf_out)
        # perf counts from a second before fio starts to its end: what the server does idle is in it too.
        print(f"  system calls {sum(counts.values()) / ops:.2f} per request:")
        for name, n in sorted(counts.items(), key=lambda kv: -kv[1]):
            if n / ops >= 0.01:
                print(f"    {name:20} {n / ops:6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
