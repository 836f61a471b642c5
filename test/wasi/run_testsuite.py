#!/usr/bin/env python3
"""Runs the WASI preview1 conformance suite (../shared/testsuite/wasi) through
the wasmnn CLI, following the suite's README: the tests are copied to a
scratch directory, each .wasm runs with the args/env/dirs of its .json, and
the exit code (and stdout when given) is compared. Ends with "N passed, M failed".
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

# Tests we knowingly fail, with the reason. Keep this empty unless a test
# expects behaviour we deliberately do not provide.
EXPECTED_FAILURES = {}


def cleanup(dirs):
    """Upstream's rule: delete every **/*.cleanup under each preopened dir."""
    for d in dirs:
        for p in sorted(Path(d).rglob("*.cleanup"), key=lambda p: len(p.parts), reverse=True):
            if p.is_symlink() or p.is_file():
                p.unlink()
            elif p.is_dir():
                shutil.rmtree(p)


def run_one(cli, wasm, timeout, run_options=()):
    spec = {}
    jpath = wasm.with_suffix(".json")
    if jpath.exists():
        spec = json.loads(jpath.read_text())
    dirs = [(wasm.parent / d, d) for d in spec.get("dirs", [])]
    argv = [cli, "run", *run_options]
    for host, guest in dirs:
        argv += ["--dir", f"{host}::{guest}"]
    for k, v in spec.get("env", {}).items():
        argv += ["--env", f"{k}={v}"]
    argv += [str(wasm)] + spec.get("args", [])
    cleanup(host for host, _ in dirs)
    try:
        # Like upstream: stdin is a pipe the test never gets data from.
        proc = subprocess.run(argv, stdin=subprocess.PIPE, capture_output=True, timeout=timeout,
                              cwd=wasm.parent, env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")})
    except subprocess.TimeoutExpired:
        return f"timed out after {timeout}s"
    finally:
        cleanup(host for host, _ in dirs)
    problems = []
    want_code = spec.get("exit_code", 0)
    if proc.returncode != want_code:
        problems.append(f"exit code {proc.returncode}, want {want_code}")
    for stream in ("stdout", "stderr"):
        if stream in spec:
            got = getattr(proc, stream).decode(errors="replace")
            if got != spec[stream]:
                problems.append(f"{stream} {got!r}, want {spec[stream]!r}")
    if problems:
        err = proc.stderr.decode(errors="replace").strip()
        if err:
            problems.append("stderr: " + err[-800:])
        return "; ".join(problems)
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--wasmnn", required=True, help="path to the wasmnn CLI")
    ap.add_argument("--suite", required=True, help="the testsuite/wasi folder (read-only)")
    ap.add_argument("--work", required=True, help="scratch dir; the tests are copied here")
    ap.add_argument("--timeout", type=float, default=5.0, help="seconds per test (upstream: 5)")
    ap.add_argument("--filter", default="", help="only tests whose path contains this")
    ap.add_argument("--run-option", action="append", default=[],
                    help="an option for `wasmnn run`, e.g. --run-option=--compile (repeatable)")
    args = ap.parse_args()

    work = Path(args.work).resolve()
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(Path(args.suite) / "tests", work / "tests", symlinks=True)
    wasms = sorted(work.glob("tests/*/testsuite/wasm32-wasip1/*.wasm"))
    wasms = [w for w in wasms if args.filter in str(w)]
    if not wasms:
        print("no tests found", file=sys.stderr)
        return 1

    passed = failed = xfailed = 0
    for wasm in wasms:
        name = f"{wasm.parts[-4]}/{wasm.stem}"
        problem = run_one(str(Path(args.wasmnn).resolve()), wasm, args.timeout, args.run_option)
        if problem is None:
            passed += 1
            print(f"PASS {name}")
        elif name in EXPECTED_FAILURES:
            xfailed += 1
            print(f"XFAIL {name}: {EXPECTED_FAILURES[name]} ({problem})")
        else:
            failed += 1
            print(f"FAIL {name}: {problem}")
    extra = f" ({xfailed} expected failures)" if xfailed else ""
    print(f"{passed} passed, {failed} failed{extra}")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
