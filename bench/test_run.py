#!/usr/bin/python3
"""Unit tests of the benchmark runner's arithmetic and process handling."""
import sys
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # noqa: E402


def kernel(name, ratio):
    return {"name": name, "ratio": ratio}


class GeomeanTest(unittest.TestCase):
    def test_readme_geomean_column_includes_coremark(self):
        # The shared README's geomean column is over its four kernels plus
        # CoreMark (native 23465 it/s): reproduce it from the table's numbers.
        coremark = {"WAMR fast interp": 1082, "wasm3": 1115}
        for anchor, expected in run.README_GEOMEAN.items():
            values = [run.ANCHORS[anchor][n] for n in run.HEADLINE] + [23465 / coremark[anchor]]
            self.assertAlmostEqual(run.geomean(values), expected, delta=0.06)

    def test_anchor_geomeans_over_the_four_kernels(self):
        # (36 * 9.7 * 29 * 13) ** 0.25 and (32 * 12.7 * 30 * 11.4) ** 0.25
        self.assertEqual(run.anchor_geomeans(), {"WAMR fast interp": 19.05, "wasm3": 19.31})

    def test_target_verdict(self):
        fast = run.geomean_summary([kernel(n, 10.0) for n in run.HEADLINE])
        self.assertAlmostEqual(fast["value"], 10.0)
        self.assertTrue(fast["meets_target"])
        slow = run.geomean_summary([kernel(n, 19.5) for n in run.HEADLINE])
        self.assertFalse(slow["meets_target"])

    def test_compiled_tier_verdict_against_target_and_goal(self):
        def kernels(ratio):
            return [{"name": n, "compiled": {"ratio": ratio}} for n in run.HEADLINE]
        g = run.compiled_geomean(kernels(1.2))
        self.assertAlmostEqual(g["value"], 1.2)
        self.assertTrue(g["meets_target"])
        self.assertFalse(g["meets_goal"])
        self.assertFalse(run.compiled_geomean(kernels(1.4))["meets_target"])
        self.assertIn("nbody", run.compiled_geomean(kernels(1.0)[:3])["error"])

    def test_missing_kernel_gives_no_value(self):
        g = run.geomean_summary([kernel("fib", 10), kernel("matmul", 10), kernel("nbody", 10)])
        self.assertNotIn("value", g)
        self.assertIn("sha256", g["error"])


class LimitTest(unittest.TestCase):
    def test_limit_is_1_3x_the_better_anchor(self):
        limits = run.kernel_limits([kernel("fib", 41.0), kernel("matmul", 12.7), kernel("mixed", 99)])
        self.assertEqual(limits["fib"]["limit"], 41.6)      # 1.3 x wasm3's 32
        self.assertTrue(limits["fib"]["ok"])
        self.assertEqual(limits["matmul"]["limit"], 12.61)  # 1.3 x WAMR's 9.7
        self.assertFalse(limits["matmul"]["ok"])
        self.assertNotIn("mixed", limits)


class ProcessTest(unittest.TestCase):
    def test_output_and_exit_code(self):
        r = run.run_process(["sh", "-c", "echo out; echo why >&2; exit 3"], 10)
        self.assertFalse(r.ok)
        self.assertEqual(r.stdout, "out\n")
        self.assertEqual(r.error, "exit code 3: why")

    def test_signal(self):
        r = run.run_process(["sh", "-c", "kill -SEGV $$"], 10)
        self.assertEqual(r.error, "killed by signal 11")

    def test_timeout_kills_the_whole_group(self):
        start = time.perf_counter()
        r = run.run_process(["sh", "-c", "sleep 20 & wait"], 0.3)
        self.assertLess(time.perf_counter() - start, 5)
        self.assertEqual(r.error, "timed out after 0.3 s")

    def test_missing_program(self):
        r = run.run_process(["/nonexistent/program"], 10)
        self.assertFalse(r.ok)
        self.assertIn("cannot start", r.error)

    def test_success_measures_time(self):
        r = run.run_process(["sh", "-c", "sleep 0.2"], 10)
        self.assertTrue(r.ok)
        self.assertGreaterEqual(r.wall, 0.2)


if __name__ == "__main__":
    unittest.main()
