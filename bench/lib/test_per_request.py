#!/usr/bin/env python3
"""per_request.py's reading of perf, fio and /proc, with malformed input.

run: python3 -m unittest bench/lib/test_per_request.py
"""
import importlib.util
import os
import unittest

_spec = importlib.util.spec_from_file_location("per_request", os.path.join(os.path.dirname(__file__), "per_request.py"))
per_request = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(per_request)


class PerfStatTest(unittest.TestCase):
    def test_counts_each_syscall_and_skips_what_is_not_a_count(self):
        text = "\n".join([
            "# started on Tue Dec  8 01:20:00 2026",
            "",
            "20113,,syscalls:sys_enter_pwrite64,5001234,100.00,,",
            "10050,,syscalls:sys_enter_recvfrom,5001234,100.00,,",
            "0,,syscalls:sys_enter_openat,5001234,100.00,,",
            "<not counted>,,syscalls:sys_enter_read,0,0.00,,",
            "<not supported>,,syscalls:sys_enter_bogus,0,0.00,,",
            "12,,raw_syscalls:sys_enter,5001234,100.00,,",
            "garbage",
            "7,,",
            ",,,",
        ])
        self.assertEqual(per_request.parse_perf_stat(text), {"pwrite64": 20113, "recvfrom": 10050})

    def test_nothing_counted_is_empty(self):
        self.assertEqual(per_request.parse_perf_stat(""), {})


class FioTest(unittest.TestCase):
    def test_counts_both_directions_after_fio_notes(self):
        out = 'note: both iodepth >= 1 and synchronous I/O engine\n{"jobs": [{"read": {"total_ios": 3}, "write": {"total_ios": 40}}]}'
        self.assertEqual(per_request.completed(out), 43)

    def test_no_json_is_refused(self):
        with self.assertRaises(ValueError):
            per_request.completed("fio: failed to connect")

    def test_cut_json_is_refused(self):
        with self.assertRaises(ValueError):
            per_request.completed('{"jobs": [{"read": ')

    def test_json_without_jobs_is_refused(self):
        with self.assertRaises(KeyError):
            per_request.completed('{"fio version": "fio-3.33"}')


class ThreadsTest(unittest.TestCase):
    def test_pools_are_grouped_and_new_threads_count_whole(self):
        before = {"1": ("multiThreadIoEv", 1000, 10), "2": ("snippet-io-1", 500, 5)}
        after = {"1": ("multiThreadIoEv", 4000, 13), "2": ("snippet-io-1", 700, 6), "3": ("snippet-io-2", 300, 2)}
        self.assertEqual(per_request.by_group(before, after),
                         {"multiThreadIoEv": [3000, 3], "snippet-io": [500, 3]})

    def test_group_names(self):
        self.assertEqual(per_request.group("GC Thread#1"), "GC Thread")
        self.assertEqual(per_request.group("snippet-io-12"), "snippet-io")
        self.assertEqual(per_request.group("nbdkit"), "nbdkit")

    def test_this_process_reads(self):
        threads = per_request.read_threads(os.getpid())
        self.assertIn(str(os.getpid()), threads)
        self.assertGreaterEqual(per_request.process_ticks(os.getpid()), 0)


class UsageTest(unittest.TestCase):
    def test_bad_command_lines_get_one_line_and_code_2(self):
        for argv in ([], ["1", "nbd://x/", "randrw", "5"], ["1", "nbd://x/", "randread", "five"]):
            self.assertEqual(per_request.main(argv), 2, argv)

    def test_a_missing_process_is_code_1(self):
        self.assertEqual(per_request.main(["999999999", "nbd://127.0.0.1:1/x", "randread", "1"]), 1)


if __name__ == "__main__":
    unittest.main()
