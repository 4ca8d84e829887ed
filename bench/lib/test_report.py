#!/usr/bin/env python3
"""report.py's reading of fio JSON: which latency it takes, and what it does with bad input.

run: python3 -m unittest bench/lib/test_report.py   (or python3 bench/lib/test_report.py)
"""
import importlib.util
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


if __name__ == "__main__":
    unittest.main()
