#!/usr/bin/env python3
"""report.py's reading of fio JSON and of the server CPU samples: which latency it takes, what
CPU per operation it reports, and what it does with bad input.

run: python3 -m unittest bench/lib/test_report.py   (or python3 bench/lib/test_report.py)
"""
import contextlib
import importlib.util
import io
import json
import os
import tempfile
import unittest

_spec = importlib.util.spec_from_file_location("report", os.path.join(os.path.dirname(__file__), "report.py"))
report = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(report)


def direction(clat_p50=None, lat_p50=None, ios=100):
    d = {"total_ios": ios, "iops": 1000.0, "bw_bytes": 4096000}
    if clat_p50 is not None:
        d["clat_ns"] = {"mean": clat_p50, "percentile": {"50.000000": clat_p50, "99.000000": 2 * clat_p50}}
    if lat_p50 is not None:
        d["lat_ns"] = {"mean": lat_p50, "percentile": {"50.000000": lat_p50, "99.000000": 2 * lat_p50}}
    return d


def doc(write):
    return {"jobs": [{"read": {"total_ios": 0}, "write": write}]}


class LatencyTest(unittest.TestCase):
    def test_total_latency_is_taken_when_fio_reports_it(self):
        # The nbd engine's case: completion 80 µs, but 95 µs from submission.
        rep = report.summarise_rep(doc(direction(clat_p50=80_000, lat_p50=95_000)))
        self.assertAlmostEqual(rep["p50_us"], 95.0)
        self.assertAlmostEqual(rep["p99_us"], 190.0)

    def test_older_runs_fall_back_to_completion_latency(self):
        rep = report.summarise_rep(doc(direction(clat_p50=80_000)))
        self.assertAlmostEqual(rep["p50_us"], 80.0)

    def test_no_percentiles_at_all_gives_no_latency(self):
        rep = report.summarise_rep(doc(direction()))
        self.assertIsNone(rep["p50_us"])
        self.assertIsNone(rep["p99_us"])

    def test_latency_percentiles_without_a_percentile_map_fall_back(self):
        d = direction(clat_p50=80_000)
        d["lat_ns"] = {"mean": 1.0}  # fio without --lat_percentiles still writes lat_ns
        self.assertAlmostEqual(report.summarise_rep(doc(d))["p50_us"], 80.0)


class RunTest(unittest.TestCase):
    def write_run(self, root, write):
        path = os.path.join(root, "fio", "s", "c")
        os.makedirs(path)
        with open(os.path.join(path, "rep1.json"), "w") as f:
            f.write("engine banner line\n" + json.dumps(doc(write)))
        return {"systems": ["s"], "cells": [{"id": "c"}]}

    def test_kind_is_total_for_a_run_with_total_latency(self):
        with tempfile.TemporaryDirectory() as root:
            meta = self.write_run(root, direction(clat_p50=1, lat_p50=2))
            self.assertEqual(report.latency_kind(root, meta), "total")

    def test_kind_is_completion_for_an_older_run(self):
        with tempfile.TemporaryDirectory() as root:
            meta = self.write_run(root, direction(clat_p50=1))
            self.assertEqual(report.latency_kind(root, meta), "completion")

    def test_kind_of_a_run_without_readable_files_is_completion(self):
        with tempfile.TemporaryDirectory() as root:
            path = os.path.join(root, "fio", "s", "c")
            os.makedirs(path)
            with open(os.path.join(path, "rep1.json"), "w") as f:
                f.write("fio: engine libiscsi not loadable\n")
            self.assertEqual(report.latency_kind(root, {"systems": ["s"], "cells": [{"id": "c"}]}), "completion")

    def test_output_without_json_is_refused(self):
        with tempfile.TemporaryDirectory() as root:
            path = os.path.join(root, "x.json")
            with open(path, "w") as f:
                f.write("fio: failed to load engine\n")
            with self.assertRaises(ValueError):
                report.load_fio(path)


# fio's measured time in these cases: 2 s ending at wall second 10, so it began at 8.0.
def cpu_doc(ios=1000, usr=10.0, sys_=15.0, runtime_ms=2000, stamp_ms=10_000):
    d = doc(direction(lat_p50=50_000, ios=ios))
    d["timestamp_ms"] = stamp_ms
    d["jobs"][0].update({"job_runtime": runtime_ms, "usr_cpu": usr, "sys_cpu": sys_})
    return d


def samples(*records, primary=None):
    """records: (phase, wall, label, pid, start, ticks) with ticks None for a gone process."""
    lines = ["clk_tck 100"] + ([f"primary {primary}"] if primary else [])
    for phase, wall, label, pid, start, ticks in records:
        if ticks is None:
            lines.append(f"{phase} {wall} {label} {pid} - - -")
        else:  # utime and stime: the report adds them up
            lines.append(f"{phase} {wall} {label} {pid} {start} {ticks - ticks // 4} {ticks // 4}")
    return "\n".join(lines) + "\n"


def steady(label, pid=7, end_ticks=310, end_pid=None, end_start=5):
    """Sampled at 7.9 s (100 ticks) and 8.1 s (120): 110 ticks at the window's start."""
    return [("tick", 7.9, label, pid, 5, 100), ("tick", 8.1, label, pid, 5, 120),
            ("end", 10.2, label, end_pid or pid, end_start, end_ticks)]


class CpuPerOpTest(unittest.TestCase):
    def test_server_cpu_is_interpolated_at_the_start_of_fios_measured_time(self):
        rep = report.cpu_per_op.measure(samples(*steady("nbdkit")), cpu_doc())
        # (310 - 110) ticks = 2.0 s over 1000 I/Os
        self.assertAlmostEqual(rep["server_cpu_us_per_op"], 2000.0)
        self.assertAlmostEqual(rep["processes_cpu_us_per_op"]["nbdkit"], 2000.0)
        self.assertAlmostEqual(rep["sampled_s"], 2.2)

    def test_fio_cpu_is_its_usr_and_sys_percent_of_its_runtime(self):
        rep = report.cpu_per_op.measure(None, cpu_doc())
        # 25 % of 2 s = 0.5 s over 1000 I/Os; no server sampled
        self.assertAlmostEqual(rep["fio_cpu_us_per_op"], 500.0)
        self.assertIsNone(rep["server_cpu_us_per_op"])

    def test_fio_without_a_runtime_or_ios_gives_no_fio_cpu(self):
        d = cpu_doc()
        del d["jobs"][0]["job_runtime"]
        self.assertIsNone(report.cpu_per_op.measure(None, d)["fio_cpu_us_per_op"])
        self.assertIsNone(report.cpu_per_op.measure(None, cpu_doc(ios=0))["fio_cpu_us_per_op"])

    def test_the_cluster_sums_its_nodes_and_names_the_primary(self):
        recs = steady("n1") + steady("n2", pid=8, end_ticks=160) + steady("n3", pid=9, end_ticks=210)
        rep = report.cpu_per_op.measure(samples(*recs, primary="n1"), cpu_doc())
        self.assertAlmostEqual(rep["primary_cpu_us_per_op"], 2000.0)
        self.assertAlmostEqual(rep["processes_cpu_us_per_op"]["n2"], 500.0)
        self.assertAlmostEqual(rep["server_cpu_us_per_op"], 2000.0 + 500.0 + 1000.0)

    def test_a_process_that_exited_has_no_cpu_and_the_sum_neither(self):
        recs = steady("n1") + steady("n2", pid=8, end_ticks=None)
        rep = report.cpu_per_op.measure(samples(*recs, primary="n1"), cpu_doc())
        self.assertIsNone(rep["processes_cpu_us_per_op"]["n2"])
        self.assertIsNone(rep["server_cpu_us_per_op"])
        self.assertAlmostEqual(rep["primary_cpu_us_per_op"], 2000.0)

    def test_a_restarted_process_is_not_subtracted_from_its_predecessor(self):
        for moved in ({"end_pid": 99}, {"end_start": 6}):
            rep = report.cpu_per_op.measure(samples(*steady("tgtd", **moved)), cpu_doc())
            self.assertIsNone(rep["server_cpu_us_per_op"], moved)

    def test_no_sample_before_the_measured_time_gives_no_cpu(self):
        recs = [("tick", 8.1, "tgtd", 7, 5, 120), ("end", 10.2, "tgtd", 7, 5, 310)]
        self.assertIsNone(report.cpu_per_op.measure(samples(*recs), cpu_doc())["server_cpu_us_per_op"])

    def test_malformed_sample_files_are_refused_with_the_line(self):
        good = samples(*steady("nbdkit"))
        for bad, says in ((good + "tick 8.2 nbdkit 7 5 x 3\n", "line 5"),
                          (good + "tick 8.2 nbdkit 7\n", "unknown record"),
                          (good + "end 10.3 nbdkit 7 5 1 2\n", "two end samples"),
                          (good.replace("clk_tck 100", "clk_tck 0"), "positive"),
                          (good.replace("clk_tck 100\n", ""), "no clk_tck"),
                          (good + "tick 8.2 nbdkit 7 5 -1 2\n", "negative")):
            with self.assertRaises(ValueError) as e:
                report.cpu_per_op.measure(bad, cpu_doc())
            self.assertIn(says, str(e.exception))

    def test_bound_is_cores_over_the_cpu_of_one_op(self):
        self.assertAlmostEqual(report.cpu_per_op.bound_iops(2, 30.0, 10.0), 50_000.0)
        self.assertAlmostEqual(report.cpu_per_op.bound_iops(2, 0.0, 20.0), 100_000.0)
        self.assertIsNone(report.cpu_per_op.bound_iops(2, None, 20.0))


class CpuColumnsTest(unittest.TestCase):
    CELL = {"id": "randwrite-4k-qd32", "rw": "randwrite", "bs": "4k", "iodepth": 32, "extra": []}

    def run_report(self, root, per_system):
        """per_system: system -> (fio doc, sample text or None) of rep1; returns (results, markdown)."""
        for system, (fio, cpu) in per_system.items():
            cell_dir = os.path.join(root, "fio", system, self.CELL["id"])
            os.makedirs(cell_dir)
            with open(os.path.join(cell_dir, "rep1.json"), "w") as f:
                json.dump(fio, f)
            if cpu is not None:
                with open(os.path.join(cell_dir, "rep1.cpu"), "w") as f:
                    f.write(cpu)
        meta = {"mode": "quick", "started": "now", "commit": "c", "only": "all",
                "machine": {"nproc": 2, "cpu": "x", "kernel": "k", "mem_gib": 1, "fs": "ext4"},
                "versions": {}, "params": {"runtime_s": 2, "ramp_s": 1, "reps": 1, "size_mib": 64},
                "systems": list(per_system), "cells": [self.CELL]}
        results = report.collect(root, meta)
        text = report.markdown({"meta": meta, "results": results, "targets": [], "skipped": {}}, None)
        return results, text

    def row(self, text, system):
        return next(line for line in text.splitlines() if line.startswith(f"| {self.CELL['id']} | {system}"))

    def test_main_tables_show_server_and_fio_cpu_and_the_cpu_bound(self):
        with tempfile.TemporaryDirectory() as root:
            results, text = self.run_report(root, {
                "snipblock-nbd": (cpu_doc(), samples(*steady("snipblock"))),
                "ceiling": (cpu_doc(), None)})
        self.assertIn("| server CPU µs/op | fio CPU µs/op |", text)
        self.assertIn("| 2,000.0 | 500.0 |", self.row(text, "snipblock-nbd"))
        self.assertIn("| none | 500.0 |", self.row(text, "ceiling"))
        self.assertIn("## CPU per operation", text)
        # 2 cores / (2000 + 500 µs) = 800 IOPS; the ceiling's bound is fio's alone: 4000
        self.assertIn("| randwrite-4k-qd32 | snipblock-nbd | 2,500.0 | 800 | 1,000 | 125% |", text)
        self.assertIn("| randwrite-4k-qd32 | ceiling | 500.0 | 4,000 | 1,000 | 25% |", text)
        by_system = {r["system"]: r for r in results}
        self.assertAlmostEqual(by_system["snipblock-nbd"]["median"]["server_cpu_us_per_op"], 2000.0)

    def test_cluster_tables_show_all_nodes_and_the_primary(self):
        recs = steady("n1") + steady("n2", pid=8, end_ticks=160) + steady("n3", pid=9, end_ticks=210)
        with tempfile.TemporaryDirectory() as root:
            results, text = self.run_report(root, {"cluster-1copy-nbd": (cpu_doc(), samples(*recs, primary="n1"))})
        self.assertIn("| all nodes CPU µs/op | primary CPU µs/op | fio CPU µs/op |", text)
        self.assertIn("| 3,500.0 | 2,000.0 | 500.0 |", self.row(text, "cluster-1copy-nbd"))
        self.assertEqual(results[0]["median"]["processes_cpu_us_per_op"], {"n1": 2000.0, "n2": 500.0, "n3": 1000.0})

    def test_an_exited_or_malformed_sample_shows_a_dash_and_keeps_the_rest(self):
        gone = samples(*(steady("n1") + steady("n2", pid=8, end_ticks=None)), primary="n1")
        err = io.StringIO()
        with tempfile.TemporaryDirectory() as root, contextlib.redirect_stderr(err):
            results, text = self.run_report(root, {
                "tgt": (cpu_doc(), "clk_tck 100\ntick what\n"),
                "cluster-3sync-nbd": (cpu_doc(), gone)})
        self.assertEqual(len(err.getvalue().splitlines()), 1, "one line for the bad file")
        self.assertIn("| – | 500.0 |", self.row(text, "tgt"))
        self.assertIn("| 1,000 |", self.row(text, "tgt"))  # IOPS still shown
        self.assertIn("| – | 2,000.0 | 500.0 |", self.row(text, "cluster-3sync-nbd"))
        by_system = {r["system"]: r for r in results}
        self.assertEqual(len(by_system["tgt"]["cpu_errors"]), 1)
        self.assertEqual(by_system["tgt"]["errors"], [])
        self.assertIsNone(by_system["tgt"]["cpu_bound_iops"])


if __name__ == "__main__":
    unittest.main()
