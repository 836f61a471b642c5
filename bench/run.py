#!/usr/bin/python3
"""wasmnn benchmark runner (started by scripts/bench.sh; Debian's python3, no pip packages).

Runs every kernel natively (gcc -O2) and under `wasmnn run`, interleaved, checks
each output against the native build's (and the shared README's expected lines),
and reports ratios to native measured in this same run. Also measures hello's
start-up time and peak RSS, stripped binary sizes, wabt's wasm-interp on
fib_bare, and bench/nn's WASI-NN overhead and LLM benchmarks when they were built. Writes
bench/results/<date>.json, bench/results/latest.json and latest.png.
"""
import argparse
import datetime
import json
import math
import os
import platform
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# Anchor ratios to native gcc -O2 from ../shared/bench/README.md (same machine type).
ANCHORS = {
    "WAMR fast interp": {"fib": 36, "matmul": 9.7, "sha256": 29, "nbody": 13},
    "wasm3": {"fib": 32, "matmul": 12.7, "sha256": 30, "nbody": 11.4},
}
HEADLINE = ["fib", "matmul", "sha256", "nbody"]
# The README's geomean column (19.6x, 19.7x) also counts CoreMark (native
# 23465 it/s over WAMR's 1082 and wasm3's 1115), which we do not run: compare
# ours with the anchors' geomean over the same four kernels instead.
README_GEOMEAN = {"WAMR fast interp": 19.6, "wasm3": 19.7}
GEOMEAN_TARGET = 19.0      # issue 5: better than both anchors
KERNEL_LIMIT_FACTOR = 1.3  # no kernel worse than 1.3x its (better) anchor ratio
# The compiled tier (issue 15): geomean over the headline kernels <= 1.3x native, goal 1.1x.
COMPILED_GEOMEAN_TARGET = 1.3
COMPILED_GEOMEAN_GOAL = 1.1
STARTUP_LIMIT_MS = 3.0
RSS_LIMIT_KB = 4096
REFERENCE_SIZES_KB = {"wasm3": "208", "iwasm": "261-435"}
REFERENCE_STARTUP = {"wasm3": "1.8 ms / 2.0 MB", "WAMR iwasm": "~9 ms / 10.5 MB"}
WASM_TIMEOUT_FACTOR = 300      # default cap of a wasm run, in native run times
WASM_INTERP_VS_WAMR_FAST = 9.0  # README: wasm-interp is ~9x slower than WAMR's fast interpreter


@dataclass
class Kernel:
    name: str
    args: list
    quick_args: list
    expected: str = None  # exact stdout with default args, from the shared README
    note: str = ""


KERNELS = [
    Kernel("fib", ["40"], ["32"], "fib(40) = 102334155\n", "recursive calls"),
    Kernel("matmul", [], ["128", "2"], "matmul n=256 reps=8 checksum=1.483937e+03\n", "f32 loads/mul/add"),
    Kernel("sha256", [], ["4"],
           "sha256 64 MiB: bf9a1c840491f4d6f4ac068e3e3030171ca855cdfb76c2cccfa9d91d65958c51\n",
           "i32 rotates/adds"),
    Kernel("nbody", [], ["200000"], "-0.169075164\n-0.169026286\n", "f64 + sqrt"),
    Kernel("mixed", [], ["1200"], None, "lists, matrix, state machine, CRC"),
    Kernel("memops", [], ["1000"], None, "memory.copy/fill"),
    Kernel("dispatch", [], ["4"], None, "call_indirect"),
    Kernel("int64", [], ["30000"], None, "i64 mul/rem/bit ops"),
    Kernel("float64", [], ["400"], None, "f64 mandelbrot, spectral norm"),
    Kernel("switchy", [], ["30"], None, "br_table (switch) dispatch"),
]


@dataclass
class RunResult:
    ok: bool
    wall: float = 0.0  # seconds
    cpu: float = 0.0   # user + system seconds of the child
    stdout: str = ""
    error: str = ""


def run_process(argv, timeout, cwd=None):
    """Runs argv to completion; wall time from spawn to reap, output captured.
    The child leads its own process group, so a timeout also ends whatever it
    started (GNU time's child); the group cannot be recycled before the reap."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        try:
            proc = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=cwd,
                                    start_new_session=True)
        except OSError as e:
            return RunResult(False, error=f"cannot start {argv[0]}: {e.strerror}")
        pidfd = os.pidfd_open(proc.pid)
        try:
            poller = select.poll()
            poller.register(pidfd, select.POLLIN)
            timed_out = not poller.poll(timeout * 1000)
            if timed_out:
                os.killpg(proc.pid, signal.SIGKILL)
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            os.close(pidfd)
        wall = time.perf_counter() - start
        cpu = usage.ru_utime + usage.ru_stime
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        stderr = err.read().decode(errors="replace").strip()
    if timed_out:
        return RunResult(False, wall, cpu, stdout=stdout, error=f"timed out after {timeout:g} s")
    if proc.returncode != 0:
        what = (f"killed by signal {-proc.returncode}" if proc.returncode < 0
                else f"exit code {proc.returncode}")
        detail = stderr.splitlines()[-1] if stderr else ""
        return RunResult(False, wall, cpu, stdout=stdout, error=f"{what}{': ' + detail if detail else ''}")
    return RunResult(True, wall, cpu, stdout=stdout)


def run_with_rss(argv, timeout):
    """run_process under GNU time, which also reports the peak RSS (KiB, None
    if unknown). getrusage of our own child would count this (large) Python
    process's pages copied at fork."""
    time_bin = shutil.which("time", path="/usr/bin:/bin")
    if not time_bin:
        r = run_process(argv, timeout)
        return r, None
    with tempfile.NamedTemporaryFile(mode="r", suffix=".rss") as f:
        r = run_process([time_bin, "-f", "%M", "-o", f.name, *argv], timeout)
        text = f.read().strip().splitlines()
    if not r.ok:
        # GNU time says "Command exited with non-zero status N" in its file, not on stderr
        return r, None
    try:
        return r, int(text[-1])
    except (IndexError, ValueError):
        return r, None


def clip(text, limit=160):
    return repr(text if len(text) <= limit else text[:limit] + "...")


def summary(runs):
    """Wall-time statistics (what the anchors are), plus the median CPU time,
    which other processes on a busy machine disturb less."""
    times = [r.wall for r in runs]
    return {"median": statistics.median(times), "min": min(times), "max": max(times),
            "cpu_median": statistics.median(r.cpu for r in runs),
            "runs": [round(t, 6) for t in times]}


def geomean(values):
    return math.exp(sum(math.log(v) for v in values) / len(values))


def compare_summary(ours, theirs):
    """wasmnn against the --compare-wasmnn build, from runs made back to back:
    the ratio of medians, and the spread of the per-repeat (paired) ratios."""
    def ratio(attr):
        return statistics.median(getattr(r, attr) for r in ours) / statistics.median(getattr(r, attr) for r in theirs)
    paired = [o.wall / t.wall for o, t in zip(ours, theirs)]
    return {**summary(theirs), "ratio": ratio("wall"), "cpu_ratio": ratio("cpu"),
            "paired_min": min(paired), "paired_max": max(paired)}


# --compare-wasmnn: (this build's result key, the other build's, what it measures).
COMPARED_TIERS = [("wasmnn", "compare", "interpreter"), ("compiled", "compare_compiled", "compiled tier")]


def print_compare(res, path):
    for ours, theirs, tier in COMPARED_TIERS:
        rows = [k for k in res["kernels"] if theirs in k]
        failed = [k for k in res["kernels"] if theirs + "_error" in k]
        if not rows and not failed:
            continue
        print(f"\n{tier}: wasmnn vs --compare-wasmnn {path} (same run, interleaved; >1.00 = this build is slower):")
        for k in failed:
            print(f"  {k['name']:<9} FAILED: {k[theirs + '_error']}")
        for k in rows:
            c = k[theirs]
            print(f"  {k['name']:<9} {fmt_time(k[ours]['median']):>8} vs {fmt_time(c['median']):>8}  "
                  f"wall {c['ratio']:.3f} [paired {c['paired_min']:.3f}-{c['paired_max']:.3f}]  cpu {c['cpu_ratio']:.3f}")
        if rows:
            print(f"  geomean   wall {geomean([k[theirs]['ratio'] for k in rows]):.3f}  "
                  f"cpu {geomean([k[theirs]['cpu_ratio'] for k in rows]):.3f}  over {len(rows)} kernels")


class Runner:
    def __init__(self, opts):
        self.opts = opts
        self.build = Path(opts.build_dir).resolve()
        self.native_dir = self.build / "bench" / "native"
        self.wasm_dir = self.build / "bench" / "wasm"
        self.wasmnn = self.build / "bin" / "wasmnn"
        # native runs, start-up and extras: generous, they only guard against hangs
        self.timeout = opts.timeout or 120.0
        # AOT artifacts of the compiled tier, made in this run (`wasmnn compile`)
        self.artifacts = Path(tempfile.mkdtemp(prefix="wasmnn-bench-"))

    def log(self, msg):
        print(msg, file=sys.stderr, flush=True)

    def wasmnn_problem(self):
        if self.opts.wasmnn_unavailable:
            return self.opts.wasmnn_unavailable
        if not self.wasmnn.exists():
            return f"{self.wasmnn} not built (did the wasmnn_cli build fail?)"
        if not os.access(self.wasmnn, os.X_OK):
            return f"{self.wasmnn} is not executable"
        return None

    # --- kernels -------------------------------------------------------
    def kernel_commands(self, k, wasmnn=None):
        args = k.quick_args if self.opts.quick else k.args
        native = [str(self.native_dir / k.name), *args]
        wasm = [str(wasmnn or self.wasmnn), "run", str(self.wasm_dir / f"{k.name}.wasm"), *args]
        return args, native, wasm

    def compile_kernel(self, name, wasmnn=None, suffix=""):
        """`wasmnn compile` of build/bench/wasm/<name>.wasm (by `wasmnn`, default this build's):
        (artifact, {"seconds", "cpu_seconds"}) or (None, error)."""
        artifact = self.artifacts / f"{name}{suffix}.cwasm"
        r = run_process([str(wasmnn or self.wasmnn), "compile", str(self.wasm_dir / f"{name}.wasm"), "-o",
                         str(artifact)], self.timeout * 5)
        if not r.ok:
            return None, f"wasmnn compile failed: {r.error}"
        return artifact, {"seconds": r.wall, "cpu_seconds": r.cpu}

    def verify_wasm(self, cmd, expected, timeout, label):
        """One untimed run: (rss_kb, None) or (None, why it does not count)."""
        w, rss = run_with_rss(cmd, timeout)
        if not w.ok:
            return None, f"{label} failed: {w.error}"
        if w.stdout != expected:
            return None, f"{label} output {clip(w.stdout)} differs from native {clip(expected)}"
        return rss, None

    def check_native(self, k, args, r):
        if not r.ok:
            return f"native run failed: {r.error}"
        if k.expected is not None and args == k.args and r.stdout != k.expected:
            return f"native output {clip(r.stdout)} differs from the README's {clip(k.expected)}"
        return None

    def bench_kernel(self, k, wasm_problem):
        args, native_cmd, wasm_cmd = self.kernel_commands(k)
        res = {"name": k.name, "args": args, "stresses": k.note}
        self.log(f"[{k.name}] {' '.join(args) or '(default args)'}")
        if not Path(native_cmd[0]).exists():
            res["error"] = f"{native_cmd[0]} not built"
            return res
        # One verification run each (not timed): outputs, and peak RSS via GNU time.
        first, rss = run_with_rss(native_cmd, self.timeout)
        problem = self.check_native(k, args, first)
        if problem:
            res["error"] = problem
            return res
        res["expected_stdout"] = first.stdout
        res["native"] = {"rss_kb": rss}
        if wasm_problem is None and not Path(wasm_cmd[2]).exists():
            wasm_problem = f"{wasm_cmd[2]} not built"
        # A hung or crawling engine must not stall the suite: cap each wasm run
        # at a multiple of the native time unless --timeout says otherwise.
        wasm_timeout = self.opts.timeout or max(30.0, WASM_TIMEOUT_FACTOR * first.wall)
        # The interpreter ("wasmnn") and the compiled tier (an artifact made now).
        commands = {"wasmnn": wasm_cmd}
        problems = {"wasmnn": wasm_problem, "compiled": wasm_problem}
        res["wasmnn"], res["compiled"] = {}, {}
        if wasm_problem is None and not self.opts.no_compiled:
            artifact, compiled = self.compile_kernel(k.name)
            if artifact is None:
                problems["compiled"] = compiled
            else:
                res["compiled"]["compile"] = compiled
                commands["compiled"] = [str(self.wasmnn), "run", str(artifact), *args]
        elif self.opts.no_compiled:
            problems["compiled"] = "not measured (--no-compiled)"
        if self.opts.compare_wasmnn and wasm_problem is None:  # the interpreter of a second build
            commands["compare"] = self.kernel_commands(k, self.opts.compare_wasmnn)[2]
            problems["compare"], res["compare"] = None, {}
            if "compiled" in commands:  # and its compiled tier: an artifact of its own (codegen ids differ)
                artifact, why = self.compile_kernel(k.name, self.opts.compare_wasmnn, ".compare")
                problems["compare_compiled"], res["compare_compiled"] = (None, {}) if artifact else (why, {})
                if artifact:
                    commands["compare_compiled"] = [self.opts.compare_wasmnn, "run", str(artifact), *args]
        for label, cmd in commands.items():
            if problems[label] is None:
                res[label]["rss_kb"], problems[label] = self.verify_wasm(cmd, first.stdout, wasm_timeout,
                                                                         f"{label} run")
        # Timed runs, native and wasm (and --compare-wasmnn) interleaved so drift hits all alike.
        native_times, wasm_times = [], {label: [] for label in commands}
        for i in range(self.opts.repeats):
            r = run_process(native_cmd, self.timeout)
            if not r.ok or r.stdout != first.stdout:
                res["error"] = f"native run {i + 1} failed: {r.error or 'output changed'}"
                return res
            native_times.append(r)
            for label, cmd in commands.items():
                if problems[label] is not None:
                    continue
                w = run_process(cmd, wasm_timeout)
                if not w.ok or w.stdout != first.stdout:
                    problems[label] = f"{label} run {i + 1} failed: {w.error or 'output changed'}"
                else:
                    wasm_times[label].append(w)
        res["native"].update(summary(native_times))
        for ours, theirs, _ in COMPARED_TIERS:
            if theirs not in res:
                continue
            problem = problems[theirs] or problems[ours]
            if problem is None:
                res[theirs] = compare_summary(wasm_times[ours], wasm_times[theirs])
            else:
                del res[theirs]
                res[theirs + "_error"] = problem
        nat = res["native"]["median"]
        line = f"  native {nat:.3f} s"
        for label in ("wasmnn", "compiled"):
            if problems[label] is not None:
                res[label]["error"] = problems[label]
                line += f"; {label} FAILED: {problems[label]}"
                continue
            e = res[label]
            e.update(summary(wasm_times[label]))
            e["ratio"] = e["median"] / nat
            e["ratio_min"] = e["min"] / nat
            e["ratio_max"] = e["max"] / nat
            if res["native"]["cpu_median"] > 0:
                e["cpu_ratio"] = e["cpu_median"] / res["native"]["cpu_median"]
            line += f", {label} {e['median']:.3f} s = {e['ratio']:.2f}x"
        # The interpreter's figures also at the top level (earlier result files, --baseline).
        for key in ("ratio", "ratio_min", "ratio_max", "cpu_ratio"):
            if key in res["wasmnn"]:
                res[key] = res["wasmnn"][key]
        self.log(line)
        return res

    # --- extras --------------------------------------------------------
    def startup(self, wasm_problem):
        """hello: median wall time over many runs, and peak RSS."""
        n = self.opts.startup_runs
        out = {"runs": n}
        targets = {"native": [str(self.native_dir / "hello")]}
        if wasm_problem is None:
            targets["wasmnn"] = [str(self.wasmnn), "run", str(self.wasm_dir / "hello.wasm")]
            if not self.opts.no_compiled:
                artifact, compiled = self.compile_kernel("hello")
                if artifact is None:
                    out["compiled"] = {"error": compiled}
                else:
                    targets["compiled"] = [str(self.wasmnn), "run", str(artifact)]
        else:
            out["wasmnn"] = {"error": wasm_problem}
        for label, cmd in targets.items():
            first = run_process(cmd, self.timeout)
            if not first.ok or first.stdout != "hello, wasi\n":
                out[label] = {"error": first.error or f"output {clip(first.stdout)}"}
                continue
            times = []
            for _ in range(n):
                r = run_process(cmd, self.timeout)
                if not r.ok:
                    break
                times.append(r.wall)
            if len(times) < n:
                out[label] = {"error": f"run failed: {r.error}"}
                continue
            rss = run_with_rss(cmd, self.timeout)[1]
            out[label] = {"median_ms": statistics.median(times) * 1e3,
                          "min_ms": min(times) * 1e3, "max_ms": max(times) * 1e3, "rss_kb": rss}
        w = out.get("wasmnn", {})
        if "median_ms" in w:
            w["startup_ok"] = w["median_ms"] <= STARTUP_LIMIT_MS
            w["rss_ok"] = w["rss_kb"] is not None and w["rss_kb"] <= RSS_LIMIT_KB
        c = out.get("compiled", {})
        if "median_ms" in c and "median_ms" in w:
            c["within_interpreter"] = c["median_ms"] <= w["median_ms"]  # issue 15: cached AOT start-up <= interpreter
        return out

    def sizes(self):
        if self.opts.wasmnn_unavailable:
            return {"error": self.opts.wasmnn_unavailable}
        out = {}
        files = {"libwasmnn.so": self.build / "lib" / "libwasmnn.so", "wasmnn": self.wasmnn}
        strip = shutil.which("strip")
        for label, path in files.items():
            if not path.exists():
                out[label] = {"error": f"{path} not built"}
                continue
            real = path.resolve()
            with tempfile.TemporaryDirectory() as tmp:
                stripped = Path(tmp) / real.name
                if strip and subprocess.run([strip, "--strip-all", "-o", str(stripped), str(real)],
                                            capture_output=True).returncode == 0:
                    out[label] = {"bytes": real.stat().st_size, "stripped_bytes": stripped.stat().st_size}
                else:
                    out[label] = {"bytes": real.stat().st_size, "error": "strip failed"}
        return out

    def wasm_interp(self, wasm_problem):
        """Same module, same work: fib_bare's run30() under wabt's wasm-interp and
        under `wasmnn run --invoke run30`."""
        module = self.wasm_dir / "fib_bare.wasm"
        interp = shutil.which("wasm-interp")
        if not module.exists():
            return {"error": f"{module} not built"}
        out = {"module": "fib_bare.wasm", "call": "run30() = fib(30)"}
        cmds = {}
        if interp:
            cmds["wasm-interp"] = ([interp, str(module), "--run-all-exports"], "run30() => i32:832040\n")
        else:
            out["wasm-interp"] = {"error": "wasm-interp not installed (Debian package wabt)"}
        if wasm_problem is None:
            cmds["wasmnn"] = ([str(self.wasmnn), "run", "--invoke", "run30", str(module)], "832040\n")
        else:
            out["wasmnn"] = {"error": wasm_problem}
        runs = max(3, min(self.opts.repeats, 5))
        for label, (cmd, expected) in cmds.items():
            times = []
            for _ in range(runs):
                r = run_process(cmd, self.timeout)
                if not r.ok or r.stdout != expected:
                    out[label] = {"error": r.error or f"output {clip(r.stdout)}, expected {expected!r}"}
                    break
                times.append(r)
            else:
                out[label] = summary(times)
        if "median" in out.get("wasm-interp", {}) and "median" in out.get("wasmnn", {}):
            out["wasm_interp_over_wasmnn"] = out["wasm-interp"]["median"] / out["wasmnn"]["median"]
        return out

    def nn(self):
        """bench/nn's WASI-NN overhead benchmark (build/bin/nn_overhead, built
        when a WASI-NN backend is enabled): one row per framework and model with
        ns/inference natively, through a guest with the backend in-process and in
        a worker process, the isolation cost (process - in-process) and the
        ratios process/in-process and process/native, then the [min-max] spreads."""
        exe = self.build / "bin" / "nn_overhead"
        if self.opts.nn_unavailable:
            return {"error": self.opts.nn_unavailable}
        if not exe.exists():
            return {"skipped": f"{exe} not built (configure with a WASI-NN backend, e.g. scripts/bench.sh --nn)"}
        args = ["--runs", "200"] if self.opts.quick else []
        r = run_process([str(exe), *args], self.timeout * 5)
        if not r.ok:
            return {"error": f"nn_overhead failed: {r.error}"}
        rows = []
        for line in r.stdout.splitlines():
            fields = line.split()
            try:
                native, inprocess, process, isolation, isolation_ratio, ratio = (float(f) for f in fields[3:9])
            except ValueError:
                continue  # title and header lines
            rows.append({"framework": fields[0], "model": fields[1], "layers": fields[2], "native_ns": native,
                         "inprocess_ns": inprocess, "guest_ns": process, "isolation_ns": isolation,
                         "isolation_ratio": isolation_ratio, "ratio": ratio, "spreads": " ".join(fields[9:])})
        if not rows:
            return {"error": "nn_overhead printed no result rows", "stdout": r.stdout}
        return {"rows": rows, "runs": int(args[1]) if args else None}

    def llm(self):
        """bench/nn's LLM generation benchmark (build/bin/llm_bench, built with
        the llamacpp backend): llama.cpp natively vs llm.wasm through wasmnn,
        rows `name native [min-max] guest [min-max] ratio [min-max]`."""
        exe = self.build / "bin" / "llm_bench"
        if self.opts.llm_unavailable:
            return {"error": self.opts.llm_unavailable}
        if not exe.exists():
            return {"skipped": f"{exe} not built (configure with the llamacpp backend, e.g. scripts/bench.sh --llm)"}
        args = ["--runs", "2", "--tokens", "32"] if self.opts.quick else []
        r = run_process([str(exe), *args], self.timeout * 10)
        if not r.ok:
            return {"error": f"llm_bench failed: {r.error}"}
        rows = {}
        for line in r.stdout.splitlines():
            fields = line.split()
            if len(fields) == 7 and fields[0] in ("first_token_ms", "tokens_per_s", "compute_ms"):
                rows[fields[0]] = {"native": float(fields[1]), "native_range": fields[2].strip("[]"),
                                   "guest": float(fields[3]), "guest_range": fields[4].strip("[]"),
                                   "ratio": float(fields[5]), "ratio_range": fields[6].strip("[]")}
        if len(rows) != 3:
            return {"error": "llm_bench printed no result rows", "stdout": r.stdout}
        return {"title": r.stdout.splitlines()[0], "rows": rows}

    # --- whole run -----------------------------------------------------
    def run(self):
        wasm_problem = self.wasmnn_problem()
        if wasm_problem:
            self.log(f"warning: {wasm_problem}; wasm columns will be reported as failed")
        selected = [k for k in KERNELS if not self.opts.only or k.name in self.opts.only]
        results = {
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "mode": "quick" if self.opts.quick else "full",
            "repeats": self.opts.repeats,
            "host": host_info(),
            "git": git_commit(),
            "build_dir": str(self.build),
            "kernels": [self.bench_kernel(k, wasm_problem) for k in selected],
        }
        results["geomean"] = geomean_summary(results["kernels"])
        results["geomean_compiled"] = compiled_geomean(results["kernels"])
        results["limits"] = kernel_limits(results["kernels"])
        if not self.opts.no_extras:
            self.log("[hello start-up]")
            results["startup"] = self.startup(wasm_problem)
            results["sizes"] = self.sizes()
            self.log("[wasm-interp on fib_bare]")
            results["wasm_interp"] = self.wasm_interp(wasm_problem)
            results["nn"] = self.nn()
            self.log("[LLM generation]")
            results["llm"] = self.llm()
        shutil.rmtree(self.artifacts, ignore_errors=True)
        return results


def host_info():
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "kernel": platform.release(),
            "load_avg_1min": os.getloadavg()[0]}


def git_commit():
    # "-dirty": the measured tree had uncommitted changes
    r = subprocess.run(["git", "-C", str(REPO), "describe", "--always", "--dirty", "--abbrev=7"],
                       capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 else None


def anchor_geomeans():
    return {a: round(geomean([v[n] for n in HEADLINE]), 2) for a, v in ANCHORS.items()}


def geomean_summary(kernels):
    by_name = {k["name"]: k for k in kernels}
    have = [n for n in HEADLINE if "ratio" in by_name.get(n, {})]
    out = {"kernels": HEADLINE, "target": GEOMEAN_TARGET,
           "anchors": anchor_geomeans(), "readme_geomeans_with_coremark": README_GEOMEAN}
    if len(have) != len(HEADLINE):
        out["error"] = "missing: " + ", ".join(n for n in HEADLINE if n not in have)
        return out
    out["value"] = geomean([by_name[n]["ratio"] for n in HEADLINE])
    out["meets_target"] = out["value"] <= GEOMEAN_TARGET
    if all("cpu_ratio" in by_name[n] for n in HEADLINE):
        out["cpu_value"] = geomean([by_name[n]["cpu_ratio"] for n in HEADLINE])
    return out


def compiled_geomean(kernels):
    """The compiled tier over the headline kernels, against its target and goal."""
    by_name = {k["name"]: k.get("compiled", {}) for k in kernels}
    out = {"kernels": HEADLINE, "target": COMPILED_GEOMEAN_TARGET, "goal": COMPILED_GEOMEAN_GOAL}
    missing = [n for n in HEADLINE if "ratio" not in by_name.get(n, {})]
    if missing:
        out["error"] = "missing: " + ", ".join(missing)
        return out
    out["value"] = geomean([by_name[n]["ratio"] for n in HEADLINE])
    out["meets_target"] = out["value"] <= COMPILED_GEOMEAN_TARGET
    out["meets_goal"] = out["value"] <= COMPILED_GEOMEAN_GOAL
    if all("cpu_ratio" in by_name[n] for n in HEADLINE):
        out["cpu_value"] = geomean([by_name[n]["cpu_ratio"] for n in HEADLINE])
    return out


def kernel_limits(kernels):
    """Per headline kernel: limit = 1.3x the better (lower) of the two anchors."""
    out = {}
    for k in kernels:
        if k["name"] not in HEADLINE:
            continue
        best = min(v[k["name"]] for v in ANCHORS.values())
        entry = {"anchors": {a: v[k["name"]] for a, v in ANCHORS.items()},
                 "limit": round(best * KERNEL_LIMIT_FACTOR, 2)}
        if "ratio" in k:
            entry["ok"] = k["ratio"] <= entry["limit"]
        out[k["name"]] = entry
    return out


# --- reporting ------------------------------------------------------------
def fmt_time(s):
    return f"{s:.3f}" if s >= 0.1 else f"{s * 1e3:.1f}ms"


def print_report(res):
    p = print
    p(f"\nwasmnn benchmark ({res['mode']}, {res['repeats']} runs each, {res['date']}, "
      f"git {res['git']}, {res['host']['cpu']}, load {res['host']['load_avg_1min']:.2f})")
    p("wall times in seconds: median [min-max]; ratio = wasmnn median / native median, same run;\n"
      "cpu = the same ratio of user+sys CPU time (less disturbed by other load)\n")
    hdr = (f"{'kernel':<9} {'args':<10} {'native':<22} {'interpreter':<22} {'ratio':>7} {'cpu':>6}"
           f"  {'compiled':<22} {'ratio':>6} {'cpu':>6} {'compile':>8}  {'anchor (WAMR/wasm3)':<20} {'limit':>6}")
    p(hdr)
    p("-" * len(hdr))
    for k in res["kernels"]:
        args = " ".join(k["args"]) or "default"
        if "error" in k:
            p(f"{k['name']:<9} {args:<10} FAILED: {k['error']}")
            continue
        n = k["native"]
        nat = f"{fmt_time(n['median'])} [{fmt_time(n['min'])}-{fmt_time(n['max'])}]"
        cells = []
        for label in ("wasmnn", "compiled"):
            w = k.get(label, {})
            if "error" in w:
                cells.append(f"{'FAILED: ' + w['error']:<44}")
                continue
            times = f"{fmt_time(w['median'])} [{fmt_time(w['min'])}-{fmt_time(w['max'])}]"
            cpu = f"{w['cpu_ratio']:.2f}x" if "cpu_ratio" in w else "-"
            cells.append(f"{times:<22} {w['ratio']:>6.2f}x {cpu:>6}")
        compile_s = k.get("compiled", {}).get("compile", {}).get("seconds")
        compiled_time = f"{compile_s:.2f}s" if compile_s is not None else "-"
        lim = res["limits"].get(k["name"])
        anchor = (f"{lim['anchors']['WAMR fast interp']}x / {lim['anchors']['wasm3']}x" if lim else "")
        limit = ""
        if lim:
            limit = f"{lim['limit']}x" + ("" if lim.get("ok", True) else " OVER")
        p(f"{k['name']:<9} {args:<10} {nat:<22} {cells[0]}  {cells[1]} {compiled_time:>8}  {anchor:<20} {limit:>6}")
    g = res["geomean"]
    p("")
    if "value" in g:
        verdict = "meets" if g["meets_target"] else "MISSES"
        cpu = f", cpu {g['cpu_value']:.1f}x" if "cpu_value" in g else ""
        p(f"geomean fib/matmul/sha256/nbody: {g['value']:.1f}x{cpu}  ({verdict} the <= {g['target']:g}x target; "
          f"same 4 kernels: WAMR fast interp {g['anchors']['WAMR fast interp']:.1f}x, "
          f"wasm3 {g['anchors']['wasm3']:.1f}x; README's 19.6x/19.7x also count CoreMark)")
    else:
        p(f"geomean fib/matmul/sha256/nbody: n/a ({g['error']})")
    gc = res.get("geomean_compiled", {})
    if "value" in gc:
        cpu = f", cpu {gc['cpu_value']:.2f}x" if "cpu_value" in gc else ""
        p(f"compiled tier geomean fib/matmul/sha256/nbody: {gc['value']:.2f}x{cpu}  "
          f"(target <= {gc['target']:g}x: {'met' if gc['meets_target'] else 'MISSED'}; "
          f"goal <= {gc['goal']:g}x: {'met' if gc['meets_goal'] else 'missed'}); "
          f"compile = `wasmnn compile` wall time, LLVM -O2, incl. loading LLVM")
    elif gc:
        p(f"compiled tier geomean: n/a ({gc.get('error')})")
    if res["mode"] == "quick":
        p("note: --quick uses small inputs; process start-up weighs more, so ratios are indicative only")
    if "startup" in res:
        s = res["startup"]
        p(f"\nhello start-up ({s['runs']} runs, median) and peak RSS (compiled: a cached AOT artifact):")
        for label in ("native", "wasmnn", "compiled"):
            if label not in s:
                continue
            e = s.get(label, {})
            if "median_ms" in e:
                extra = ""
                if label == "wasmnn":
                    extra = (f"  [limits {STARTUP_LIMIT_MS:g} ms / {RSS_LIMIT_KB // 1024} MiB: "
                             f"{'ok' if e['startup_ok'] else 'OVER'} / {'ok' if e['rss_ok'] else 'OVER'}]")
                elif label == "compiled" and "within_interpreter" in e:
                    extra = f"  [<= the interpreter's: {'yes' if e['within_interpreter'] else 'NO'}]"
                rss = f"{e['rss_kb'] / 1024:.1f} MiB" if e["rss_kb"] else "?"
                p(f"  {label:<8} {e['median_ms']:.2f} ms [{e['min_ms']:.2f}-{e['max_ms']:.2f}], {rss}{extra}")
            else:
                p(f"  {label:<8} FAILED: {e.get('error')}")
        p(f"  reference: " + "; ".join(f"{k} {v}" for k, v in REFERENCE_STARTUP.items()))
    if "sizes" in res:
        p("\nstripped sizes:")
        if "error" in res["sizes"]:
            p(f"  n/a: {res['sizes']['error']}")
        for label, e in res["sizes"].items():
            if label == "error":
                continue
            if "stripped_bytes" in e:
                p(f"  {label:<13} {e['stripped_bytes'] / 1024:.0f} KiB (unstripped {e['bytes'] / 1024:.0f} KiB)")
            else:
                p(f"  {label:<13} {e.get('error')}")
        p("  reference: " + "; ".join(f"{k} {v} KB" for k, v in REFERENCE_SIZES_KB.items()))
    if "wasm_interp" in res:
        wi = res["wasm_interp"]
        p(f"\nfib_bare {wi.get('call', '')}:")
        for label in ("wasm-interp", "wasmnn"):
            e = wi.get(label, {})
            if "median" in e:
                p(f"  {label:<11} {fmt_time(e['median'])} [{fmt_time(e['min'])}-{fmt_time(e['max'])}]")
            else:
                p(f"  {label:<11} FAILED: {e.get('error', wi.get('error'))}")
        if "wasm_interp_over_wasmnn" in wi:
            p(f"  wasmnn is {wi['wasm_interp_over_wasmnn']:.1f}x faster than wasm-interp "
              f"(WAMR fast interp: ~{WASM_INTERP_VS_WAMR_FAST:g}x per the README)")
    if "nn" in res:
        e = res["nn"]
        if "rows" in e:
            p("\nWASI-NN overhead (bench/nn, per inference: native framework vs guest through wasmnn, the backend"
              " in-process and in its worker process):")
            for row in e["rows"]:
                p(f"  {row['framework']:<12} {row['model']:<6} {row['layers']:<20} native {row['native_ns'] / 1e3:9.1f} us"
                  f"  in-process {row['inprocess_ns'] / 1e3:9.1f} us  worker {row['guest_ns'] / 1e3:9.1f} us"
                  f"  isolation +{row['isolation_ns'] / 1e3:.1f} us ({row['isolation_ratio']:.3f}x)"
                  f"  worker/native {row['ratio']:.2f}x")
        else:
            p(f"\nWASI-NN benchmark: {e.get('skipped') or 'FAILED: ' + str(e.get('error'))}")
    if "llm" in res:
        e = res["llm"]
        if "rows" in e:
            p(f"\n{e['title']}:")
            for name, row in e["rows"].items():
                p(f"  {name:<15} native {row['native']:9.2f} [{row['native_range']}]  "
                  f"guest {row['guest']:9.2f} [{row['guest_range']}]  ratio {row['ratio']:.3f} [{row['ratio_range']}]")
        else:
            p(f"\nLLM benchmark: {e.get('skipped') or 'FAILED: ' + str(e.get('error'))}")


def markdown_report(res):
    """The result table as Markdown, for the README."""
    lines = [f"{res['mode'].capitalize()} run of {res['date'][:16].replace('T', ' ')} UTC, git {res['git']}, "
             f"{res['host']['cpu']} ({res['host']['cores']} cores), {res['repeats']} runs each; "
             "times are wall-clock medians [min–max], ratio = wasmnn / native gcc -O2 in the same run.", "",
             "| kernel | args | native (s) | interpreter (s) | ratio | compiled (s) | ratio | compile (s) | "
             "WAMR fast / wasm3 | limit |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for k in res["kernels"]:
        args = " ".join(k["args"]) or "default"
        if "error" in k:
            lines.append(f"| {k['name']} | {args} | failed: {k['error']} | | | | | | | |")
            continue
        n = k["native"]
        cells = []
        for label in ("wasmnn", "compiled"):
            w = k.get(label, {})
            if "error" in w:
                cells.append(f"failed: {w['error']} | ")
            else:
                cells.append(f"{w['median']:.3f} [{w['min']:.3f}–{w['max']:.3f}] | **{w['ratio']:.2f}×**")
        compile_s = k.get("compiled", {}).get("compile", {}).get("seconds")
        lim = res["limits"].get(k["name"])
        anchors = f"{lim['anchors']['WAMR fast interp']}× / {lim['anchors']['wasm3']}×" if lim else ""
        limit = (f"{lim['limit']}× {'ok' if lim.get('ok') else '**over**'}" if lim else "")
        lines.append(f"| {k['name']} | {args} | {n['median']:.3f} [{n['min']:.3f}–{n['max']:.3f}] | {cells[0]} | "
                     f"{cells[1]} | {f'{compile_s:.2f}' if compile_s is not None else ''} | {anchors} | {limit} |")
    g = res["geomean"]
    lines.append("")
    if "value" in g:
        lines.append(f"Geometric mean over fib(40), matmul, sha256, nbody: **{g['value']:.1f}×** "
                     f"(target ≤ {g['target']:g}×: {'met' if g['meets_target'] else '**missed**'}; "
                     f"the same four kernels give WAMR's fast interpreter {g['anchors']['WAMR fast interp']:.1f}× "
                     f"and wasm3 {g['anchors']['wasm3']:.1f}×).")
    else:
        lines.append(f"Geometric mean: n/a ({g['error']}).")
    gc = res.get("geomean_compiled", {})
    if "value" in gc:
        lines.append(f"Compiled tier (`wasmnn compile`, then `wasmnn run` of the artifact): geometric mean "
                     f"**{gc['value']:.2f}×** native (target ≤ {gc['target']:g}×: "
                     f"{'met' if gc['meets_target'] else '**missed**'}; goal ≤ {gc['goal']:g}×: "
                     f"{'met' if gc['meets_goal'] else 'missed'}). Compile time: wall time of `wasmnn compile` "
                     "(LLVM -O2, including loading LLVM).")
    sc = res.get("startup", {}).get("compiled", {})
    if "median_ms" in sc:
        rss = f"{sc['rss_kb'] / 1024:.1f} MiB" if sc["rss_kb"] else "?"
        lines.append(f"`hello` from its AOT artifact: start-up {sc['median_ms']:.2f} ms, peak RSS {rss}.")
    st = res.get("startup", {}).get("wasmnn", {})
    if "median_ms" in st:
        rss = f"{st['rss_kb'] / 1024:.1f} MiB" if st["rss_kb"] else "?"
        lines.append(f"`hello`: start-up {st['median_ms']:.2f} ms (median of {res['startup']['runs']}), "
                     f"peak RSS {rss} (limits 3 ms / 4 MiB; wasm3 1.8 ms / 2.0 MB).")
    sizes = res.get("sizes", {})
    if all("stripped_bytes" in sizes.get(f, {}) for f in ("libwasmnn.so", "wasmnn")):
        lines.append(f"Stripped size: libwasmnn.so {sizes['libwasmnn.so']['stripped_bytes'] / 1024:.0f} KiB, "
                     f"wasmnn CLI {sizes['wasmnn']['stripped_bytes'] / 1024:.0f} KiB (wasm3 208 KB, iwasm 261–435 KB).")
    wi = res.get("wasm_interp", {})
    if "wasm_interp_over_wasmnn" in wi:
        lines.append(f"fib_bare `run30()`: wabt's wasm-interp {wi['wasm-interp']['median']:.3f} s, wasmnn "
                     f"{wi['wasmnn']['median']:.3f} s: **{wi['wasm_interp_over_wasmnn']:.1f}×** faster "
                     f"(WAMR's fast interpreter: ≈ 9×).")
    for row in res.get("nn", {}).get("rows", []):
        lines.append(f"WASI-NN {row['framework']} {row['model']} ({row['layers']}): native "
                     f"{row['native_ns'] / 1e3:.1f} µs, guest {row['inprocess_ns'] / 1e3:.1f} µs in-process, "
                     f"{row['guest_ns'] / 1e3:.1f} µs in its worker per inference: **{row['ratio']:.2f}×** native; "
                     f"process isolation +{row['isolation_ns'] / 1e3:.1f} µs ({row['isolation_ratio']:.3f}×).")
    llm = res.get("llm", {}).get("rows")
    if llm:
        t, f = llm["tokens_per_s"], llm["first_token_ms"]
        lines.append(f"LLM generation (llama.cpp via the llamacpp backend): native {t['native']:.1f} tokens/s, "
                     f"guest {t['guest']:.1f} tokens/s: **{t['ratio']:.3f}×** (goal ≥ 0.98×); time to first token "
                     f"{f['native']:.1f} ms native, {f['guest']:.1f} ms guest.")
    return "\n".join(lines) + "\n"


def print_baseline_change(res, path):
    """Ratio now vs. in an earlier result file, for iterating on the engine."""
    try:
        base = json.loads(Path(path).read_text())
        before = {k["name"]: k for k in base["kernels"] if "ratio" in k}
    except (OSError, ValueError, KeyError, TypeError) as e:
        print(f"\nbaseline {path}: unreadable ({e})")
        return
    print(f"\nchange vs baseline {path} ({base.get('mode')} run, git {base.get('git')}):")
    for k in res["kernels"]:
        b = before.get(k["name"])
        if "ratio" not in k or b is None:
            continue
        same = "" if b["args"] == k["args"] else "  (different args)"
        print(f"  {k['name']:<9} {b['ratio']:6.1f}x -> {k['ratio']:6.1f}x  "
              f"({(k['ratio'] / b['ratio'] - 1) * 100:+.0f}%){same}")


def draw_chart(res, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib missing (scripts/setup.sh --bench installs python3-matplotlib)"
    kernels = [k for k in res["kernels"] if "ratio" in k]
    if not kernels:
        return "no kernel ran under wasmnn"
    names = [k["name"] for k in kernels]
    ours = [k["ratio"] for k in kernels]
    compiled = [k.get("compiled", {}).get("ratio", 0) for k in kernels]
    if "value" in res["geomean"]:
        names.append("geomean\n(4 headline)")
        ours.append(res["geomean"]["value"])
        compiled.append(res.get("geomean_compiled", {}).get("value", 0))
    x = range(len(names))
    width = 0.2
    keys = ["geomean" if n.startswith("geomean") else n for n in names]
    # Per kernel: interpreter and compiled side by side, then the anchors where there are any.
    anchored = [key in HEADLINE + ["geomean"] for key in keys]
    ours_pos = [i - (1.5 if a else 0.5) * width for i, a in enumerate(anchored)]
    compiled_pos = [pos + width for pos in ours_pos]
    fig, ax = plt.subplots(figsize=(max(8, 1.0 * len(names) + 2), 4.8))
    ax.bar(ours_pos, ours, width, label="wasmnn interpreter", color="#2b7bba")
    ax.bar(compiled_pos, compiled, width, label="wasmnn compiled (LLVM)", color="#27ae60")
    colors = {"WAMR fast interp": "#e69f00", "wasm3": "#999999"}
    geomeans = anchor_geomeans()
    for j, (anchor, values) in enumerate(ANCHORS.items()):
        values = {**values, "geomean": geomeans[anchor]}
        pos, vals = [], []
        for i, key in enumerate(keys):
            if key in values:
                pos.append(i + (0.5 + j) * width)
                vals.append(values[key])
        ax.bar(pos, vals, width, label=f"{anchor} (README anchor)", color=colors[anchor])
    for pos, v in zip(ours_pos, ours):
        ax.text(pos, v, f"{v:.1f}", ha="center", va="bottom", fontsize=7)
    for pos, v in zip(compiled_pos, compiled):
        if v:
            ax.text(pos, v, f"{v:.2f}", ha="center", va="bottom", fontsize=6)
    if max(ours) > 4 * max(GEOMEAN_TARGET, *anchor_geomeans().values()):
        ax.set_yscale("log")  # a slow engine would flatten everything else
    ax.axhline(GEOMEAN_TARGET, color="#c0392b", linestyle="--", linewidth=1,
               label=f"geomean target {GEOMEAN_TARGET:g}x")
    ax.set_xticks(list(x))
    ax.set_xticklabels(names, fontsize=8)
    ax.set_ylabel("times slower than native gcc -O2 (lower is better)")
    ax.set_title(f"wasmnn vs native, {res['mode']} run {res['date'][:10]} (git {res['git']})")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-dir", default=str(REPO / "build"))
    ap.add_argument("--quick", action="store_true", help="small inputs, few runs: a smoke test")
    ap.add_argument("--repeats", type=int, help="timed runs per kernel and runtime (default 5, quick 2)")
    ap.add_argument("--startup-runs", type=int, help="hello runs for start-up (default 100, quick 20)")
    ap.add_argument("--timeout", type=float,
                    help=f"seconds per run before it is killed (default: wasm runs "
                         f"max(30, {WASM_TIMEOUT_FACTOR}x the native time), others 120)")
    ap.add_argument("--only", type=lambda s: s.split(","), help="comma-separated kernel names")
    ap.add_argument("--no-extras", action="store_true", help="kernels only: no start-up/sizes/wasm-interp/nn")
    ap.add_argument("--no-compiled", action="store_true", help="leave out the compiled tier (`wasmnn compile`)")
    ap.add_argument("--results-dir", default=str(REPO / "bench" / "results"))
    ap.add_argument("--wasmnn-unavailable", metavar="REASON",
                    help="report every wasmnn run as failed for REASON (bench.sh: the CLI did not build)")
    ap.add_argument("--nn-unavailable", metavar="REASON", help="likewise for the WASI-NN benchmark")
    ap.add_argument("--llm-unavailable", metavar="REASON", help="likewise for the LLM benchmark")
    ap.add_argument("--baseline", metavar="JSON", help="also print each ratio's change vs an earlier result file")
    ap.add_argument("--no-save", action="store_true", help="print only; write no JSON/PNG")
    ap.add_argument("--compare-wasmnn", metavar="BIN",
                    help="also run every kernel under another wasmnn build (its interpreter, and its compiled tier"
                         " on artifacts it compiles itself), interleaved, and print the ratios")
    opts = ap.parse_args()
    if opts.repeats is None:
        opts.repeats = 2 if opts.quick else 5
    if opts.startup_runs is None:
        opts.startup_runs = 20 if opts.quick else 100
    if opts.repeats < 1 or opts.startup_runs < 1:
        ap.error("--repeats and --startup-runs must be at least 1")
    unknown = set(opts.only or []) - {k.name for k in KERNELS}
    if unknown:
        ap.error(f"unknown kernel(s): {', '.join(sorted(unknown))}")

    res = Runner(opts).run()
    print_report(res)
    if opts.compare_wasmnn:
        print_compare(res, opts.compare_wasmnn)
    if opts.baseline:
        print_baseline_change(res, opts.baseline)
    if opts.no_save:
        return 0
    out = Path(opts.results_dir)
    out.mkdir(parents=True, exist_ok=True)
    text = json.dumps(res, indent=1) + "\n"
    # Quick runs are smoke tests: they must not replace the published results.
    latest = "latest-quick" if opts.quick else "latest"
    written = [out / f"{latest}.json"]
    if not opts.quick:
        stamp = res["date"].replace(":", "").replace("+0000", "Z")
        written.insert(0, out / f"{stamp}.json")
    for path in written:
        path.write_text(text)
    (out / f"{latest}.md").write_text(markdown_report(res))
    written.append(out / f"{latest}.md")
    problem = draw_chart(res, out / f"{latest}.png")
    print(f"\nwrote {', '.join(map(str, written))}"
          + (f"; no chart: {problem}" if problem else f", {out / latest}.png"))
    failed = [k["name"] for k in res["kernels"] if "error" in k or "error" in k.get("wasmnn", {})]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
