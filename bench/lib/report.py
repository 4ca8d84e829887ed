#!/usr/bin/env python3
"""Turns a side-by-side run's raw fio JSON into the results table (Markdown and JSON).

Raw layout, written by side-by-side.sh:
  RUN/meta.json                      machine, versions, parameters, cells, systems
  RUN/fio/<system>/<cell>/rep<N>.json one fio --output-format=json file per repetition
  RUN/fio/<system>/<cell>/rep<N>.cpu  optional: the server processes' CPU around it (cpu_per_op.py)
  RUN/skipped.json                   optional: why a system (or "cluster") did not run
Medians are taken per metric over the repetitions. Ratios are snipblock / reference; in the cluster
sections a replicated volume / the 1-copy volume of the same cluster, protocol and cell.
"""
import argparse
import json
import os
import statistics
import sys

# Run as a script or loaded by file path from the tests: its sibling module is found either way.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cpu_per_op  # noqa: E402

# snipblock system -> the reference it is compared with in one run.
PROTOCOLS = ("nbd", "iscsi")
REFERENCE = {
    "snipblock-iscsi": "tgt",
    "snipblock-nbd": "nbdkit",
}
for _p in PROTOCOLS:
    REFERENCE[f"cluster-3sync-{_p}"] = f"cluster-1copy-{_p}"
    REFERENCE[f"cluster-3async-{_p}"] = f"cluster-1copy-{_p}"
# (title, systems, keys in skipped.json that explain the whole section, cluster section?)
SECTIONS = [
    ("iSCSI (fio libiscsi engine)", ["snipblock-iscsi", "tgt"], [], False),
    ("NBD (fio nbd engine)", ["snipblock-nbd", "nbdkit"], [], False),
    ("Ceiling: fio on the backing filesystem", ["ceiling"], [], False),
    ("3-node loopback cluster: NBD (fio nbd engine)",
     ["cluster-1copy-nbd", "cluster-3sync-nbd", "cluster-3async-nbd"], ["cluster"], True),
    ("3-node loopback cluster: iSCSI (fio libiscsi engine)",
     ["cluster-1copy-iscsi", "cluster-3sync-iscsi", "cluster-3async-iscsi"], ["cluster"], True),
]
WRITE_RW = ("randwrite", "write", "randrw")
# Systems that have no server process: fio's CPU is all there is (the file system's work is in its sys time).
NO_SERVER = ("ceiling",)
CPU_KEYS = ("server_cpu_us_per_op", "primary_cpu_us_per_op", "fio_cpu_us_per_op")
LATENCY_TEXT = {
    "total": "Latency is fio's total latency (submission + completion)",
    "completion": "Latency is fio's completion latency (submission time not included)",
}


def load_fio(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    # Engines may print a line before the JSON document; it starts at the first brace.
    start = text.find("{")
    if start < 0:
        raise ValueError(f"{path}: no JSON in fio output")
    return json.loads(text[start:])


def percentile_us(direction, pct):
    for key, value in latency_percentiles(direction).items():
        if abs(float(key) - pct) < 1e-6:
            return value / 1000.0
    return None


def latency_percentiles(direction):
    # Total latency (submission + completion): fio's nbd engine books 15-30 µs of each 4 KiB write
    # as submission, libiscsi's under 1 µs, so completion latency alone flattered NBD against iSCSI
    # (issue 10). Runs made before side-by-side.sh passed --lat_percentiles have only completion.
    return ((direction.get("lat_ns") or {}).get("percentile")
            or (direction.get("clat_ns") or {}).get("percentile") or {})


def latency_kind(run_dir, meta):
    """'total' if the run's fio files carry total-latency percentiles, else 'completion'."""
    for system in meta.get("systems", []):
        for cell in meta.get("cells", []):
            path = os.path.join(run_dir, "fio", system, cell["id"], "rep1.json")
            try:
                job = load_fio(path)["jobs"][0]
            except (OSError, ValueError, KeyError, IndexError):
                continue
            for name in ("read", "write"):
                if ((job.get(name) or {}).get("lat_ns") or {}).get("percentile"):
                    return "total"
            return "completion"
    return "completion"


def summarise_rep(doc):
    """IOPS and MB/s summed over directions; latency of the slower direction that did I/O."""
    job = doc["jobs"][0]
    if job.get("error"):
        raise ValueError(f"fio job failed with error {job['error']}")
    iops = mbps = 0.0
    p50 = p99 = None
    for name in ("read", "write"):
        d = job.get(name) or {}
        if not d.get("total_ios"):
            continue
        iops += d.get("iops", 0.0)
        mbps += d.get("bw_bytes", 0) / 1e6
        for pct, cur in ((50.0, p50), (99.0, p99)):
            v = percentile_us(d, pct)
            if v is not None and (cur is None or v > cur):
                if pct == 50.0:
                    p50 = v
                else:
                    p99 = v
    return {"iops": iops, "mbps": mbps, "p50_us": p50, "p99_us": p99}


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def cpu_medians(reps):
    med = {k: median([r.get(k) for r in reps]) for k in CPU_KEYS}
    labels = sorted({p for r in reps for p in r.get("processes_cpu_us_per_op", {})})
    med["processes_cpu_us_per_op"] = {
        p: median([r.get("processes_cpu_us_per_op", {}).get(p) for r in reps]) for p in labels}
    return med


def collect(run_dir, meta):
    results = []
    cores = (meta.get("machine") or {}).get("nproc")
    for system in meta["systems"]:
        for cell in meta["cells"]:
            cell_dir = os.path.join(run_dir, "fio", system, cell["id"])
            if not os.path.isdir(cell_dir):
                continue
            reps, errors, cpu_errors = [], [], []
            for name in sorted(os.listdir(cell_dir)):
                if not name.endswith(".json"):
                    continue
                try:
                    doc = load_fio(os.path.join(cell_dir, name))
                    rep = summarise_rep(doc)
                except (ValueError, KeyError, IndexError) as e:
                    errors.append(f"{name}: {e}")
                    continue
                rep.update(cpu_per_op.read_rep(os.path.join(cell_dir, name[:-len(".json")] + ".cpu"), doc, cpu_errors))
                reps.append(rep)
            med = {k: median([r[k] for r in reps]) for k in ("iops", "mbps", "p50_us", "p99_us")}
            med.update(cpu_medians(reps))
            server = 0.0 if system in NO_SERVER else med["server_cpu_us_per_op"]
            results.append({"system": system, "cell": cell["id"], "reps": reps,
                            "errors": errors, "cpu_errors": cpu_errors, "median": med,
                            "cpu_bound_iops": cpu_per_op.bound_iops(cores, server, med["fio_cpu_us_per_op"])})
    by_key = {(r["system"], r["cell"]): r for r in results}
    for r in results:
        ref = REFERENCE.get(r["system"])
        other = by_key.get((ref, r["cell"])) if ref else None
        if other:
            r["reference"] = ref
            r["ratio_iops"] = ratio(r["median"]["iops"], other["median"]["iops"])
            r["ratio_p50"] = ratio(r["median"]["p50_us"], other["median"]["p50_us"])
            r["ratio_p99"] = ratio(r["median"]["p99_us"], other["median"]["p99_us"])
    return results


def ratio(a, b):
    return a / b if a is not None and b else None


def targets(results, only="all"):
    """Issue 6's targets, evaluated on this run (those of a section --only left out are not listed)."""
    by_key = {(r["system"], r["cell"]): r for r in results}
    goals = []

    def add(name, system, cell, key, goal, at_least):
        r = by_key.get((system, cell))
        value = r.get(key) if r else None
        met = None if value is None else (value >= goal if at_least else value <= goal)
        goals.append({"target": name, "system": system, "cell": cell, "metric": key,
                      "goal": goal, "at_least": at_least, "value": value, "met": met})

    if only != "cluster":
        for cell in ("randread-4k-qd32", "randwrite-4k-qd32"):
            add("iSCSI >= 1.5x tgt IOPS at 4 KiB iodepth 32", "snipblock-iscsi", cell, "ratio_iops", 1.5, True)
        for cell in ("randread-4k-qd1", "randwrite-4k-qd1"):
            add("iSCSI >= 1.0x tgt IOPS at 4 KiB iodepth 1", "snipblock-iscsi", cell, "ratio_iops", 1.0, True)
    for r in results:
        if r["system"] == "snipblock-nbd":
            add("NBD >= 1.0x nbdkit file plugin IOPS", "snipblock-nbd", r["cell"], "ratio_iops", 1.0, True)
    measured = {r["system"] for r in results}
    for p in PROTOCOLS if only != "main" else ():
        # The NBD pair always appears (as "not measured" when it did not run); iSCSI only when it ran.
        if p == "nbd" or f"cluster-1copy-{p}" in measured:
            add(f"3-copy sync write p50 <= 1.3x single copy ({p})", f"cluster-3sync-{p}",
                "randwrite-4k-qd1", "ratio_p50", 1.3, False)
            add(f"3-copy async write p50 <= 1.1x single copy ({p})", f"cluster-3async-{p}",
                "randwrite-4k-qd1", "ratio_p50", 1.1, False)
    return goals


def fmt(v, digits=0):
    if v is None:
        return "–"
    if digits == 0:
        return f"{v:,.0f}"
    return f"{v:,.{digits}f}"


def times(v, bold=False):
    if v is None:
        return ""
    text = f"{v:,.2f}x"
    return f"**{text}**" if bold else text


def cluster_note(meta):
    c = meta.get("cluster") or {}
    primaries = c.get("primaries") or {}
    served = ", ".join(f"{v} by {n}" for v, n in sorted(primaries.items()))
    return (f"Three `snipblock serve` daemons on 127.0.0.1, one JVM each, in compartments "
            f"{', '.join(c.get('locations', []))}; all volumes on this one cluster, spread by compartment: "
            f"`1copy` (1 copy), `3sync` (3 copies, sync, min-copies {c.get('sync_min_copies', '?')}), "
            f"`3async` (3 copies, async, min-copies {c.get('async_min_copies', '?')}). fio goes through "
            f"the door of each volume's primary ({served or 'unknown'}). Ratios: volume / `1copy` "
            f"for the same protocol and cell; latency ratios of write cells in bold.")


def previous_iops(previous, system, cell):
    for r in (previous or {}).get("results", []):
        if r["system"] == system and r["cell"] == cell:
            return r["median"].get("iops")
    return None


def cpu_section(doc):
    """What the CPU columns mean, and the bound they put on the deep cells."""
    m = doc["meta"]
    cores = (m.get("machine") or {}).get("nproc", "?")
    deep = {c["id"] for c in m["cells"] if c.get("iodepth", 0) >= 32}
    rows = [r for r in doc["results"] if r["cell"] in deep and r.get("cpu_bound_iops")]
    out = ["## CPU per operation", "",
           "**server CPU µs/op**: utime + stime (`/proc/PID/stat`, every thread) of the processes that "
           "serve the system (snipblock's JVM, tgtd, nbdkit; in the cluster sections all three daemons "
           "together, and the volume's primary alone), from the end of the ramp until fio finished "
           "(for a 3-copy async volume, until its replicas had applied the cell's writes), divided by "
           "the I/Os fio completed. **fio CPU µs/op**: fio's own job (usr + sys) over its measured "
           "time, per I/O; the ceiling has no server, its file system's work is in fio's sys time. "
           "Medians over the repetitions; \"–\": not sampled, or a process exited or was restarted "
           "during the cell.",
           "",
           f"Client and servers share this machine's {cores} cores, so no system can exceed "
           f"{cores} s / (server + fio CPU µs/op) IOPS at saturation, however short its latency: "
           "a system that needs more CPU per operation than another cannot catch up by waiting less. "
           "Where a cell reaches most of its bound, the CPU per operation, not the latency, is what "
           "limits it. Above 100 %, the cell ran ahead of its CPU: a 3-copy async volume's replicas "
           "apply after fio stops what they fell behind by (counted here), so its bound is the "
           "sustained rate."]
    if rows:
        out += ["", f"| cell | system | server + fio CPU µs/op | bound: {cores} cores / that | IOPS | of the bound |",
                "|---|---|---:|---:|---:|---:|"]
        for r in rows:
            med = r["median"]
            total = (0.0 if r["system"] in NO_SERVER else med["server_cpu_us_per_op"]) + med["fio_cpu_us_per_op"]
            share = f"{med['iops'] / r['cpu_bound_iops']:.0%}" if med["iops"] is not None else "–"
            out.append(f"| {r['cell']} | {r['system']} | {fmt(total, 1)} | {fmt(r['cpu_bound_iops'])} | "
                       f"{fmt(med['iops'])} | {share} |")
    out.append("")
    return out


def markdown(doc, previous):
    m = doc["meta"]
    mach = m["machine"]
    p = m["params"]
    out = [f"# snipblock side-by-side: {m['mode']} run, {m['started']}", ""]
    out.append(f"Machine: {mach['nproc']} cores, {mach['cpu']}, kernel {mach['kernel']}, "
               f"{mach['mem_gib']} GiB RAM, backing filesystem {mach['fs']}. "
               f"Commit {m['commit']}. Load average (1/5/15 min) {m.get('loadavg_start', '?')} at "
               f"start, {m.get('loadavg_end', '?')} at the end: anything else running skews every "
               f"system, though interleaving spreads it evenly.")
    out.append(f"fio {m['versions'].get('fio', '?')}; {m['versions'].get('tgt', '?')}; "
               f"{m['versions'].get('nbdkit', '?')}; java {m['versions'].get('java', '?')}.")
    out.append(f"Each cell: {p['runtime_s']} s after {p['ramp_s']} s ramp, {p['reps']} repetitions "
               f"interleaved across systems, medians shown; device size {p['size_mib']} MiB, "
               f"prefilled, then {p.get('warmup_s', 0)} s of unrecorded mixed load per system. " + LATENCY_TEXT[m.get("latency", "completion")] + "; for the mixed cell, the slower "
               f"direction. Ratio = snipblock / reference (IOPS).")
    out.append("")
    by_key = {(r["system"], r["cell"]): r for r in doc["results"]}
    cells = [c["id"] for c in m["cells"]]
    writes = {c["id"] for c in m["cells"] if c["rw"] in WRITE_RW}
    skipped = doc.get("skipped", {})
    for title, systems, keys, cluster in SECTIONS:
        present = [s for s in systems if any((s, c) in by_key for c in cells)]
        out.append(f"## {title}")
        out.append("")
        if not present:
            why = "; ".join(f"{k}: {skipped[k]}" for k in keys + systems if k in skipped)
            out.append(f"Not run: {why or 'not selected in this run'}")
            out.append("")
            continue
        if cluster:
            out.append(cluster_note(m))
            out.append("")
            out.append("| cell | volume | IOPS | MB/s | p50 µs | p99 µs | all nodes CPU µs/op "
                       "| primary CPU µs/op | fio CPU µs/op | IOPS vs 1 copy | p50 vs 1 copy "
                       "| p99 vs 1 copy | vs previous |")
            out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        else:
            out.append("| cell | system | IOPS | MB/s | p50 µs | p99 µs | server CPU µs/op | fio CPU µs/op "
                       "| ratio | vs previous |")
            out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for c in cells:
            for s in present:
                r = by_key.get((s, c))
                if not r:
                    continue
                med = r["median"]
                prev = previous_iops(previous, s, c)
                change = (f"{(med['iops'] / prev - 1) * 100:+.0f}%"
                          if prev and med["iops"] is not None else "–")
                err = f" ({len(r['errors'])} failed)" if r["errors"] else ""
                row = (f"| {c} | {s}{err} | {fmt(med['iops'])} | {fmt(med['mbps'], 1)} | "
                       f"{fmt(med['p50_us'], 1)} | {fmt(med['p99_us'], 1)} | ")
                server = "none" if s in NO_SERVER else fmt(med.get("server_cpu_us_per_op"), 1)
                row += f"{server} | "
                if cluster:
                    row += f"{fmt(med.get('primary_cpu_us_per_op'), 1)} | "
                row += f"{fmt(med.get('fio_cpu_us_per_op'), 1)} | "
                if cluster:
                    # Write latency is what replication costs: those ratios stand out.
                    lat = [times(r.get(k), bold=c in writes) for k in ("ratio_p50", "ratio_p99")]
                    row += f"{times(r.get('ratio_iops'))} | {lat[0]} | {lat[1]} | {change} |"
                else:
                    row += f"{times(r.get('ratio_iops'))} | {change} |"
                out.append(row)
        out.append("")
    out.extend(cpu_section(doc))
    sw = doc.get("mode_switch")
    if sw:
        out.append("## Live mode switch under load (3-copy async volume, NBD)")
        out.append("")
        out.append(f"4 KiB random writes at depth 8 for {sw['seconds']} s; a third of the way in "
                   "`volume set --mode sync`, two thirds in back to async. The longest write of that run "
                   "against the same run without switches (the CLI times include its JVM start; the "
                   "node's are its own, from arrival to answer, read from its admin-call timer)."
                   + (" **A write or a switch failed.**" if sw.get("failed") else ""))
        out.append("")
        out.append("| run | longest write ms | mean write ms | switch to sync ms: CLI / node "
                   "| back to async ms: CLI / node |")
        out.append("|---|---:|---:|---:|---:|")
        out.append(f"| no switch | {fmt(sw.get('baseline_max_ms'), 1)} | {fmt(sw.get('baseline_mean_ms'), 2)} | | |")
        out.append(f"| two switches | {fmt(sw.get('switched_max_ms'), 1)} | {fmt(sw.get('switched_mean_ms'), 2)} | "
                   f"{fmt(sw.get('to_sync_cli_ms'))} / {fmt(sw.get('to_sync_node_ms'), 1)} | "
                   f"{fmt(sw.get('to_async_cli_ms'))} / {fmt(sw.get('to_async_node_ms'), 1)} |")
        out.append("")
    out.append("## Targets (issue 6)")
    out.append("")
    out.append("| target | cell | value | goal | met |")
    out.append("|---|---|---:|---:|---|")
    for g in doc["targets"]:
        met = {True: "yes", False: "**no**", None: "not measured"}[g["met"]]
        sign = ">=" if g["at_least"] else "<="
        out.append(f"| {g['target']} | {g['cell']} | {fmt(g['value'], 2)} | {sign} {g['goal']} | {met} |")
    out.append("")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("run_dir")
    ap.add_argument("--out", required=True, help="results folder: writes latest.md/.json there")
    args = ap.parse_args()
    with open(os.path.join(args.run_dir, "meta.json")) as f:
        meta = json.load(f)
    meta["latency"] = latency_kind(args.run_dir, meta)
    skipped = {}
    skipped_path = os.path.join(args.run_dir, "skipped.json")
    if os.path.exists(skipped_path):
        with open(skipped_path) as f:
            skipped = json.load(f)
    results = collect(args.run_dir, meta)
    doc = {"schema": 1, "meta": meta, "results": results, "targets": targets(results, meta.get("only", "all")),
           "skipped": skipped}
    switch_path = os.path.join(args.run_dir, "mode-switch.json")
    if os.path.exists(switch_path):
        with open(switch_path) as f:
            doc["mode_switch"] = json.load(f)
    os.makedirs(args.out, exist_ok=True)
    latest_json = os.path.join(args.out, "latest.json")
    latest_md = os.path.join(args.out, "latest.md")
    previous = None
    if os.path.exists(latest_json):
        with open(latest_json) as f:
            previous = json.load(f)
        os.replace(latest_json, os.path.join(args.out, "previous.json"))
        if os.path.exists(latest_md):
            os.replace(latest_md, os.path.join(args.out, "previous.md"))
    with open(latest_json, "w") as f:
        json.dump(doc, f, indent=1)
    text = markdown(doc, previous)
    with open(latest_md, "w") as f:
        f.write(text)
    sys.stdout.write(text)
    failed = sum(len(r["errors"]) for r in results)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
