#!/usr/bin/env python3
"""What a guest of bench/vm-migrate.sh sees while a command (the migration) runs.

The guest (snipguest=bench) prints its disk's write counters every 0.2 s on its serial console:
    GUEST: io t=<centiseconds since boot> w=<writes completed> ws=<sectors written> wt=<ms the writes took>
Its console is a file on each host (the source's, then the destination's); this follows both, stamps
each line with the host's clock when it appears (polling every 20 ms), runs the command after
--before seconds of baseline, keeps following --after seconds once it ended, and writes:
  samples.tsv  host time, console, guest time, w, ws, wt (one line per sample)
  probe.json   the command's exit status and wall time, and per window (before / during the command):
               writes per second, MiB/s, the mean write latency (the kernel's write time / writes),
               the p50 / p99 / max of the per-sample mean latencies, the longest time no write
               completed, and the longest gap between two console lines (the guest stopped);
               write errors the guest reported.
The guest's clock stops while QEMU pauses it, so gaps are measured on the host's clock only.
usage: guest-probe.py --console FILE [--console FILE...] --out DIR [--before S] [--after S] -- COMMAND...
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time

LINE = re.compile(r"GUEST: io t=(\d+) w=(\d+) ws=(\d+) wt=(\d+)")
POLL_S = 0.02


class Follower(threading.Thread):
    """Reads what is appended to the console files, stamping each complete line with the host's clock."""

    def __init__(self, paths):
        super().__init__(daemon=True)
        self.paths = paths
        self.offsets = {p: (os.path.getsize(p) if os.path.exists(p) else 0) for p in paths}
        self.partial = {p: "" for p in paths}
        self.samples = []   # (host time, path index, t, w, ws, wt)
        self.errors = 0
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            self.poll()
            time.sleep(POLL_S)
        self.poll()

    def poll(self):
        now = time.time()
        for i, p in enumerate(self.paths):
            if not os.path.exists(p):
                continue
            with open(p, "rb") as f:
                f.seek(self.offsets[p])
                data = f.read()
            if not data:
                continue
            self.offsets[p] += len(data)
            text = self.partial[p] + data.decode(errors="replace").replace("\r", "")
            lines = text.split("\n")
            self.partial[p] = lines.pop()
            for line in lines:
                m = LINE.search(line)
                if m:
                    self.samples.append((now, i) + tuple(int(g) for g in m.groups()))
                elif "GUEST: write error" in line:
                    self.errors += 1


def window(samples, start, end):
    """Statistics of the samples whose host time is within [start, end]; deltas to the sample before."""
    inside = [k for k, s in enumerate(samples) if start <= s[0] <= end and k > 0]
    if not inside:
        return None
    writes = sectors = ticks = 0
    latencies = []
    completed = [samples[inside[0] - 1][0]]
    gaps = []
    for k in inside:
        prev, cur = samples[k - 1], samples[k]
        dw, ds, dt = cur[3] - prev[3], cur[4] - prev[4], cur[5] - prev[5]
        writes += dw
        sectors += ds
        ticks += dt
        gaps.append(cur[0] - prev[0])
        if dw > 0:
            latencies.append(dt / dw)
            completed.append(cur[0])
    span = samples[inside[-1]][0] - samples[inside[0] - 1][0]
    # A stall runs from the last sample that showed a write done to the next one that does (or the window's end).
    stalls = [b - a for a, b in zip(completed, completed[1:])] + [samples[inside[-1]][0] - completed[-1]]
    q = statistics.quantiles(latencies, n=100, method="inclusive") if len(latencies) >= 2 else latencies * 99
    return {
        "seconds": round(span, 2),
        "samples": len(inside),
        "writes_per_s": round(writes / span, 1) if span > 0 else None,
        "mib_per_s": round(sectors * 512 / 2**20 / span, 2) if span > 0 else None,
        "latency_mean_ms": round(ticks / writes, 2) if writes else None,
        "latency_p50_ms": round(q[49], 2) if q else None,
        "latency_p99_ms": round(q[98], 2) if q else None,
        "latency_max_ms": round(max(latencies), 2) if latencies else None,
        "longest_stall_ms": round(1000 * max(stalls)),
        "longest_console_gap_ms": round(1000 * max(gaps)),
        "median_console_gap_ms": round(1000 * statistics.median(gaps)),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--console", action="append", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--before", type=float, default=10)
    ap.add_argument("--after", type=float, default=5)
    ap.add_argument("--timeout", type=float, default=3600)
    ap.add_argument("command", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    command = a.command[1:] if a.command[:1] == ["--"] else a.command
    if not command:
        ap.error("no command given after --")
    follower = Follower(a.console)
    follower.start()
    t0 = time.time()
    time.sleep(a.before)
    start = time.time()
    with open(os.path.join(a.out, "command.log"), "w") as log:
        try:
            status = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, timeout=a.timeout).returncode
        except subprocess.TimeoutExpired:
            status = "timeout"
    end = time.time()
    time.sleep(a.after)
    follower.stop.set()
    follower.join(5)
    samples = sorted(follower.samples)
    with open(os.path.join(a.out, "samples.tsv"), "w") as f:
        f.write("host_time\tconsole\tguest_cs\tw\tws\twt\n")
        for s in samples:
            f.write("\t".join(str(x) for x in (round(s[0], 3), a.console[s[1]]) + s[2:]) + "\n")
    result = {
        "status": status,
        "wall_s": round(end - start, 1),
        "write_errors": follower.errors,
        "before": window(samples, t0, start),
        "during": window(samples, start, end),
    }
    with open(os.path.join(a.out, "probe.json"), "w") as f:
        json.dump(result, f, indent=2)
    json.dump(result, sys.stdout)
    print()


if __name__ == "__main__":
    main()
