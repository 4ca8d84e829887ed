#!/usr/bin/env python3
"""Where a JFR recording spent its CPU: the hottest frames, and the hottest snipblock frames
counting every sample that passed through them (inclusive).

usage: bench/lib/jfr-hot.py RECORDING.jfr [--filter SUBSTRING] [--thread SUBSTRING] [--top N]
--filter keeps only samples whose stack contains SUBSTRING (e.g. org.snipblock.nbd);
--thread only samples of threads whose name contains SUBSTRING (e.g. jmh-worker).
Needs the JDK's `jfr` tool on PATH.
"""
import argparse
import collections
import re
import subprocess
import sys


def samples(path):
    text = subprocess.run(["jfr", "print", "--events", "jdk.ExecutionSample", path],
                          check=True, capture_output=True, text=True).stdout
    for event in text.split("jdk.ExecutionSample {")[1:]:
        thread = re.search(r'sampledThread = "([^"]*)"', event)
        frames = [re.sub(r"\s+line:.*", "", line.strip())
                  for line in event.split("stackTrace = [", 1)[-1].splitlines()[1:]
                  if "line:" in line]
        yield (thread.group(1) if thread else "?"), frames


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("recording")
    ap.add_argument("--filter", default="")
    ap.add_argument("--thread", default="")
    ap.add_argument("--top", type=int, default=25)
    args = ap.parse_args()
    self_time = collections.Counter()
    inclusive = collections.Counter()
    threads = collections.Counter()
    total = 0
    for thread, frames in samples(args.recording):
        if args.filter and not any(args.filter in f for f in frames):
            continue
        if args.thread not in thread:
            continue
        total += 1
        threads[re.sub(r"\d+", "N", thread)] += 1
        if frames:
            self_time[frames[0]] += 1
        for f in set(frames):
            if f.startswith("org.snipblock."):
                inclusive[f] += 1
    if not total:
        sys.exit("no execution samples matched")
    print(f"{total} samples")
    for title, counter in (("threads", threads), ("self (top frame)", self_time),
                           ("inclusive, snipblock frames", inclusive)):
        print(f"\n== {title}")
        for name, n in counter.most_common(args.top):
            print(f"{100 * n / total:5.1f}%  {name}")


if __name__ == "__main__":
    main()
