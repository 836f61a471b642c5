#!/usr/bin/env python3
"""Golden tests of the slot compiler: WAT in, expected internal code out.

Each NAME.wat here is built with wabt's wat2wasm; `wasmnn inspect --code`
must print exactly NAME.expected, so a fusion that stops firing (or fires
where it must not) fails the test by name. The expected files are the
compiler's intended output, read and checked by hand when they change
(--update rewrites them; review the diff).

The code must also compute the right values: each `;; check TYPE: EXPR` line
of a .wat becomes an exported function returning EXPR (an integer TYPE; wrap
floats in a reinterpret), run by wasmnn and by wabt's own interpreter
(wasm-interp) as the independent truth; a trap must trap in both.

Usage: golden_test.py --wasmnn BIN --wat2wasm BIN --wasm-interp BIN --work DIR [--update] NAME.wat...
"""
import argparse
import difflib
import os
import re
import subprocess
import sys

CHECK = re.compile(r"^\s*;;\s*check\s+(i32|i64):\s*(.+?)\s*$")


def run(*cmd):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60)


def build(args, wat_text, name):
    wat = os.path.join(args.work, name + ".wat")
    wasm = os.path.join(args.work, name + ".wasm")
    with open(wat, "w") as f:
        f.write(wat_text)
    r = run(args.wat2wasm, "--enable-all", "--debug-names", wat, "-o", wasm)
    if r.returncode != 0:
        raise RuntimeError(f"wat2wasm {name}: {r.stderr}")
    return wasm


def with_checks(wat_text, checks):
    """The module with one exported function per check, named check0, check1, ..."""
    end = wat_text.rstrip().rfind(")")
    funcs = "".join(f'\n  (func (export "check{i}") (result {t}) {expr})' for i, (t, expr) in enumerate(checks))
    return wat_text[:end] + funcs + "\n)\n"


def wasmnn_value(args, wasm, export, bits):
    r = run(args.wasmnn, "run", "--invoke", export, wasm)
    if r.returncode == 134:
        return "trap"
    if r.returncode != 0:
        return f"exit status {r.returncode} ({r.stderr.strip()})"
    return int(r.stdout.strip()) % (1 << bits)


def interp_values(args, wasm):
    r = run(args.wasm_interp, "--enable-all", "--run-all-exports", wasm)
    values = {}
    for line in r.stdout.splitlines():
        m = re.match(r"^(check\d+)\(\) => (?:(?:i32|i64):(\d+)|(error: .*))$", line)
        if m:
            values[m.group(1)] = "trap" if m.group(3) else int(m.group(2))
    return values


def check_values(args, name, wat_text):
    checks = [m.groups() for m in map(CHECK.match, wat_text.splitlines()) if m]
    if not checks:
        return [f"{name}: no `;; check` lines: the fused code's values go unchecked"]
    wasm = build(args, with_checks(wat_text, checks), name + ".checks")
    truth = interp_values(args, wasm)
    errors = []
    for i, (t, expr) in enumerate(checks):
        export = f"check{i}"
        if export not in truth:
            errors.append(f"{name}: wasm-interp gave no value for `{expr}`")
            continue
        got = wasmnn_value(args, wasm, export, 32 if t == "i32" else 64)
        if got != truth[export]:
            errors.append(f"{name}: `{expr}` is {got} under wasmnn, {truth[export]} under wasm-interp")
    return errors


def check_code(args, name, wat_path, wasm):
    r = run(args.wasmnn, "inspect", "--code", wasm)
    if r.returncode != 0:
        return [f"{name}: wasmnn inspect failed: {r.stderr}"]
    expected_path = wat_path[: -len(".wat")] + ".expected"
    if args.update:
        with open(expected_path, "w") as f:
            f.write(r.stdout)
        return []
    with open(expected_path) as f:
        expected = f.read()
    if r.stdout == expected:
        return []
    diff = difflib.unified_diff(expected.splitlines(True), r.stdout.splitlines(True), "expected", "wasmnn")
    return [f"{name}: the code differs from {os.path.basename(expected_path)}:\n" + "".join(diff)]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--wasmnn", required=True)
    p.add_argument("--wat2wasm", required=True)
    p.add_argument("--wasm-interp", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--update", action="store_true", help="rewrite the .expected files")
    p.add_argument("wat", nargs="+")
    args = p.parse_args()
    os.makedirs(args.work, exist_ok=True)
    errors = []
    for wat_path in args.wat:
        name = os.path.basename(wat_path)[: -len(".wat")]
        with open(wat_path) as f:
            wat_text = f.read()
        wasm = build(args, wat_text, name)
        errors += check_code(args, name, wat_path, wasm)
        errors += check_values(args, name, wat_text)
    for e in errors:
        print(e, file=sys.stderr)
    print(f"golden: {len(args.wat)} file(s), {len(errors)} problem(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
