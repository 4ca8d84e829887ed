"""CPU per operation of one measured cell: the server's processes (from side-by-side.sh's repN.cpu
samples, format in bench/lib/cpu-sample.sh) and fio's own job, each divided by fio's completed I/Os.

On a machine where client and server share the cores, these bound what any cell can reach:
IOPS <= cores / (server + fio CPU seconds per op), whatever the latency.
"""

import os
import sys

PHASES = ("tick", "end")


def parse_samples(text):
    """{"clk_tck", "primary", "tick": {label: [(wall, sample), ...]}, "end": {label: (wall, sample)}};
    a sample is a dict, or None for a process that had gone. Raises ValueError naming the first bad line."""
    out = {"clk_tck": None, "primary": None, "tick": {}, "end": {}}
    for n, line in enumerate(text.splitlines(), 1):
        f = line.split()
        if not f:
            continue
        try:
            if f[0] == "clk_tck" and len(f) == 2:
                out["clk_tck"] = int(f[1])
                if out["clk_tck"] <= 0:
                    raise ValueError("clk_tck must be positive")
            elif f[0] == "primary" and len(f) == 2:
                out["primary"] = f[1]
            elif f[0] in PHASES and len(f) == 7:
                wall, label, pid = float(f[1]), f[2], int(f[3])
                if f[4:] == ["-", "-", "-"]:
                    sample = None
                else:
                    start, utime, stime = (int(v) for v in f[4:])
                    if min(start, utime, stime) < 0:
                        raise ValueError("negative counter")
                    sample = {"pid": pid, "start": start, "ticks": utime + stime}
                if f[0] == "tick":
                    out["tick"].setdefault(label, []).append((wall, sample))
                elif label in out["end"]:
                    raise ValueError(f"{label} has two end samples")
                else:
                    out["end"][label] = (wall, sample)
            else:
                raise ValueError(f"unknown record {f[0]!r} with {len(f) - 1} fields")
        except ValueError as e:
            raise ValueError(f"line {n}: {e}: {line.strip()[:80]!r}") from None
    if out["clk_tck"] is None:
        raise ValueError("no clk_tck line")
    for ticks in out["tick"].values():
        ticks.sort(key=lambda t: t[0])
    return out


def same_process(a, b):
    return a is not None and b is not None and a["pid"] == b["pid"] and a["start"] == b["start"]


def ticks_at(points, t0, end):
    """A process's CPU ticks at time t0, interpolated between the samples either side of it; None
    when it was not sampled on both sides, or not as the same process as at the end."""
    before = [(w, s) for w, s in points if w <= t0]
    after = [(w, s) for w, s in points if w > t0] + [(end[0], end[1])]
    if not before or after[0][0] <= t0:
        return None
    (wa, a), (wb, b) = before[-1], after[0]
    if not (same_process(a, end[1]) and same_process(b, end[1])) or b["ticks"] < a["ticks"]:
        return None
    return a["ticks"] + (b["ticks"] - a["ticks"]) * (t0 - wa) / (wb - wa) if wb > wa else a["ticks"]


def process_seconds(samples, t0):
    """CPU seconds each sampled process spent from t0 (the start of fio's measured time) to its end
    sample; None where it had gone, was restarted (another pid or start time) or lacks a sample."""
    out = {}
    for label in list(samples["tick"]) + [k for k in samples["end"] if k not in samples["tick"]]:
        end = samples["end"].get(label)
        start = ticks_at(samples["tick"].get(label, []), t0, end) if end and end[1] else None
        out[label] = (end[1]["ticks"] - start) / samples["clk_tck"] if start is not None else None
    return out


def fio_window_start(doc):
    """Wall-clock second at which fio's measured time (after start-up and ramp) began: its JSON is
    stamped when the job has finished, job_runtime (ms) after that start."""
    stamp, runtime_ms = doc.get("timestamp_ms"), doc["jobs"][0].get("job_runtime")
    if not isinstance(stamp, (int, float)) or not isinstance(runtime_ms, (int, float)):
        return None
    return (stamp - runtime_ms) / 1000.0


def fio_ios(doc):
    job = doc["jobs"][0]
    return sum((job.get(d) or {}).get("total_ios", 0) for d in ("read", "write", "trim"))


def fio_cpu_seconds(doc):
    """fio's job CPU after the ramp: usr_cpu/sys_cpu are percent of job_runtime (ms)."""
    job = doc["jobs"][0]
    runtime_ms = job.get("job_runtime")
    usr, sys_ = job.get("usr_cpu"), job.get("sys_cpu")
    if not isinstance(runtime_ms, (int, float)) or runtime_ms <= 0 or usr is None or sys_ is None:
        return None
    return (float(usr) + float(sys_)) / 100.0 * runtime_ms / 1000.0


def per_op_us(seconds, ios):
    return seconds * 1e6 / ios if seconds is not None and ios else None


def measure(samples_text, doc):
    """The CPU fields of one repetition. samples_text None: no server was sampled (the ceiling,
    or a run from before the harness sampled). Raises ValueError for a malformed sample file."""
    ios = fio_ios(doc)
    rep = {"ios": ios, "fio_cpu_us_per_op": per_op_us(fio_cpu_seconds(doc), ios),
           "server_cpu_us_per_op": None, "processes_cpu_us_per_op": {},
           "primary": None, "primary_cpu_us_per_op": None, "sampled_s": None}
    if samples_text is None:
        return rep
    samples = parse_samples(samples_text)
    t0 = fio_window_start(doc)
    if t0 is None:
        return rep
    secs = process_seconds(samples, t0)
    rep["processes_cpu_us_per_op"] = {k: per_op_us(v, ios) for k, v in secs.items()}
    if secs and all(v is not None for v in secs.values()):
        rep["server_cpu_us_per_op"] = per_op_us(sum(secs.values()), ios)
    rep["primary"] = samples["primary"]
    if samples["primary"]:
        rep["primary_cpu_us_per_op"] = rep["processes_cpu_us_per_op"].get(samples["primary"])
    ends = [w for w, _ in samples["end"].values()]
    if ends:
        rep["sampled_s"] = max(ends) - t0
    return rep


def read_rep(cpu_path, doc, cpu_errors):
    """measure() of a repetition's sample file, if it has one; a malformed file costs only its
    server columns (noted in cpu_errors and in one line on stderr)."""
    text = None
    try:
        with open(cpu_path, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except FileNotFoundError:
        pass
    try:
        return measure(text, doc)
    except ValueError as e:
        cpu_errors.append(f"{os.path.basename(cpu_path)}: {e}")
        print(f"report.py: {cpu_path}: {e}; its server CPU is left out", file=sys.stderr)
        return measure(None, doc)


def bound_iops(cores, server_us, fio_us):
    """The most IOPS `cores` CPUs can give when each op costs server_us + fio_us of CPU (pass
    server_us 0 for a system without a server; None means unknown)."""
    if not cores or fio_us is None or server_us is None:
        return None
    total = fio_us + server_us
    return cores * 1e6 / total if total > 0 else None
