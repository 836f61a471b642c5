#!/usr/bin/env python3
"""Differential testing of wasmnn against Wasmtime on generated valid modules.

`wasm-tools smith` turns seed bytes into valid WebAssembly 2.0 modules (no
imports, loops and calls bounded by its own fuel so every call ends, NaNs
canonicalised so results are deterministic); every other module is generated
without trapping code. Both engines instantiate each module and call every
exported function three times in export order: with zeros, with ones, then
with all bits set (ints -1, floats -1.5, v128 lanes 0xff). The outcome (trap
or results), the exported globals and a hash of the exported memories must
agree. Trap messages are not compared (they differ between engines by
design), only that both trapped; running out of call stack is an
implementation limit, so outcomes are compared up to the first call where
either engine did (see compare()).
The Wasmtime wheel cannot pass v128 values (its C API aborts on a v128 type),
so functions and globals with a v128 in their type are "skipped" on both
sides, as the driver lists them (SIMD still runs inside every other
function). The wheel also hands f32 values over as Python floats, i.e.
doubles, and that conversion quiets a signalling NaN: f32 NaNs are compared
with their quiet bit set on both sides. Run by scripts/differential.sh;
mismatching modules are kept in WORK/mismatches.
"""
import argparse
import concurrent.futures
import json
import os
import random
import struct
import subprocess
import sys
import time
import zlib

# Fuel 4000: with 100 000, 11 % of the modules recursed past Wasmtime's stack
# (compared only up to that call, see compare()); with 4000, 0.2 % do.
SMITH_FLAGS = [
    "--ensure-termination", "--fuel", "4000", "--canonicalize-nans", "true", "--max-imports", "0",
    # Without a floor on types smith often spends the seed elsewhere and makes no function at all.
    "--min-types", "2", "--max-types", "16", "--min-funcs", "2", "--max-globals", "10", "--max-tables", "2",
    "--max-element-segments", "4", "--max-elements", "64", "--max-data-segments", "4",
    "--export-everything", "true", "--max-memories", "1", "--max-memory32-bytes", "1048576",
    "--memory-max-size-required", "true", "--max-table-elements", "1000", "--table-max-size-required", "true", "--max-instructions", "400", "--max-funcs", "20",
    "--threads-enabled", "false", "--shared-everything-threads-enabled", "false", "--exceptions-enabled", "false",
    "--gc-enabled", "false", "--memory64-enabled", "false", "--tail-call-enabled", "false",
    "--relaxed-simd-enabled", "false", "--custom-page-sizes-enabled", "false", "--wide-arithmetic-enabled", "false",
    "--extended-const-enabled", "false", "--custom-descriptors-enabled", "false",
    "--simd-enabled", "true", "--reference-types-enabled", "true", "--bulk-memory-enabled", "true",
    "--multi-value-enabled", "true", "--saturating-float-to-int-enabled", "true",
    "--sign-extension-ops-enabled", "true",
]


def quiet_f32_nans(outcome):
    """The outcome with every f32 NaN's quiet bit set (see the module doc)."""
    if isinstance(outcome, list):
        return [quiet_f32_nans(x) for x in outcome]
    if isinstance(outcome, dict):
        return {k: quiet_f32_nans(v) for k, v in outcome.items()}
    if isinstance(outcome, str) and outcome.startswith("f32:"):
        bits = int(outcome[4:], 16)
        if bits & 0x7F800000 == 0x7F800000 and bits & 0x7FFFFF:
            return "f32:%08x" % (bits | 0x400000)
    return outcome


# The arguments of each call round: (integers, floats, every byte of a v128).
ROUNDS = [(0, 0.0, 0x00), (1, 1.0, 0x01), (-1, -1.5, 0xFF)]


def smith_flags(index):
    """Even modules are generated without trapping code (smith guards divisions,
    addresses and conversions), so their calls mostly return values and reach
    deep; odd ones may trap anywhere, so traps are compared too."""
    return SMITH_FLAGS + ["--disallow-traps", "true" if index % 2 == 0 else "false"]


def compare(a, b):
    """"same", "differ", or "stack limit": the outcomes agree up to the first
    call where either engine ran out of call stack. The depth of the stack is
    an implementation limit (wasmnn: 30 000 frames, Wasmtime: 2 MiB of native
    stack), so from that call on (the smith fuel counter, globals, memory) the
    two legitimately part ways."""
    if a == b:
        return "same"
    if "exhausted" in (a["instantiate"], b["instantiate"]):
        return "stack limit"
    if a["instantiate"] != b["instantiate"] or a["instantiate"] != "ok":
        return "differ"
    calls_a, calls_b = a["calls"], b["calls"]
    first = next((k for k, (x, y) in enumerate(zip(calls_a, calls_b)) if "exhausted" in (x[1], y[1])), None)
    if first is None or calls_a[:first] != calls_b[:first]:
        return "differ"
    return "stack limit"


def seed_bytes(run_seed, index):
    rng = random.Random(f"{run_seed}:{index}")
    return rng.randbytes(rng.randint(64, 16384))




class Reference:
    """The same protocol as diff_driver.cpp, with the Wasmtime wheel."""

    def __init__(self, wasmtime):
        self.w = wasmtime
        self.engine = wasmtime.Engine(wasmtime.Config())

    def value(self, kind, v):
        if isinstance(v, self.w.Val):  # references come wrapped
            v = v.value
        k = str(kind)
        if k == "i32":
            return str(v & 0xFFFFFFFF)
        if k == "i64":
            return str(v & 0xFFFFFFFFFFFFFFFF)
        if k == "f32":
            return "f32:%08x" % struct.unpack("<I", struct.pack("<f", v))[0]
        if k == "f64":
            return "f64:%016x" % struct.unpack("<Q", struct.pack("<d", v))[0]
        if k == "v128":
            return "v128:%032x" % (v & ((1 << 128) - 1))
        return "null" if v is None else "ref"

    def failure(self, trap):
        return "exhausted" if trap.trap_code == self.w.TrapCode.STACK_OVERFLOW else "trap"

    def arg(self, kind, round_):
        integer, real, byte = ROUNDS[round_]
        k = str(kind)
        if k in ("i32", "i64"):
            return integer
        if k in ("f32", "f64"):
            return real
        if k == "v128":
            return int.from_bytes(bytes([byte]) * 16, "little")
        return None

    def run(self, wasm, skip):
        """skip: the exports to leave alone, or None to stop after instantiating
        (the driver's types are needed to avoid v128, and it did not get that far)."""
        w = self.w
        try:
            module = w.Module(self.engine, wasm)
        except w.WasmtimeError as e:
            return {"instantiate": "invalid", "why": str(e).splitlines()[0]}
        store = w.Store(self.engine)
        try:
            instance = w.Instance(store, module, [])
        except w.Trap as e:
            return {"instantiate": self.failure(e)}
        except w.WasmtimeError as e:
            return {"instantiate": "error: " + str(e).splitlines()[0]}
        if skip is None:
            return {"instantiate": "ok"}
        exports = instance.exports(store)
        names = [e.name for e in module.exports]
        calls = []
        for round_ in range(len(ROUNDS)):
            for name in names:
                f = exports[name]
                if not isinstance(f, w.Func):
                    continue
                if name in skip:
                    calls.append([name, "skipped"])
                    continue
                t = f.type(store)
                try:
                    r = f(store, *[self.arg(p, round_) for p in t.params])
                except w.Trap as e:
                    calls.append([name, self.failure(e)])
                    continue
                results = [r] if len(t.results) == 1 else list(r or [])  # None is also a null reference
                calls.append([name, "ok", [self.value(k, v) for k, v in zip(t.results, results)]])
        globals_, memories = [], []
        for name in names:
            x = exports[name]
            if isinstance(x, w.Global):
                globals_.append([name, "skipped" if name in skip else self.value(x.type(store).content, x.value(store))])
            elif isinstance(x, w.Memory):
                data = x.read(store, 0, x.data_len(store))
                memories.append([name, x.size(store), "%08x" % zlib.crc32(bytes(data))])
        return {"instantiate": "ok", "calls": calls, "globals": globals_, "memories": memories}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--modules", type=int, default=1000)
    ap.add_argument("--first", type=int, default=0, help="index of the first module (to resume a run)")
    ap.add_argument("--seed", default="wasmnn")
    ap.add_argument("--wasm-tools", required=True)
    ap.add_argument("--driver", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--batch", type=int, default=200)
    opts = ap.parse_args()
    import wasmtime  # the wheel scripts/differential.sh installed (PYTHONPATH)
    ref = Reference(wasmtime)
    os.makedirs(os.path.join(opts.work, "batch"), exist_ok=True)
    bad_dir = os.path.join(opts.work, "mismatches")
    os.makedirs(bad_dir, exist_ok=True)
    stats = {"generated": 0, "smith_declined": 0, "compared": 0, "instantiated": 0, "calls": 0, "returned": 0,
             "traps": 0, "exhausted": 0, "skipped": 0, "stack_limit": 0, "mismatches": 0}
    start = time.monotonic()
    generators = concurrent.futures.ThreadPoolExecutor(4)
    for first in range(opts.first, opts.modules, opts.batch):
        def generate(i):
            path = os.path.join(opts.work, "batch", f"{i}.wasm")
            r = subprocess.run([opts.wasm_tools, "smith", *smith_flags(i), "-o", path], input=seed_bytes(opts.seed, i),
                               capture_output=True)
            return i, path, r.returncode == 0

        indexes = range(first, min(first + opts.batch, opts.modules))
        paths = []
        for i, path, made in generators.map(generate, indexes):  # process starts dominate: overlap them
            stats["generated"] += 1
            if made:
                paths.append((i, path))
            else:
                stats["smith_declined"] += 1
        out = subprocess.run([opts.driver, *[p for _, p in paths]], capture_output=True, text=True, check=True)
        ours = out.stdout.split("\n")[:-1]  # not splitlines(): names may hold U+2028 or U+0085
        for (i, path), line in zip(paths, ours):
            with open(path, "rb") as f:
                wasm = f.read()
            a = json.loads(line)
            b = ref.run(wasm, set(a.pop("skip")) if a["instantiate"] == "ok" else None)
            a, b = quiet_f32_nans(a), quiet_f32_nans(b)
            stats["compared"] += 1
            if b["instantiate"] == "ok":
                stats["instantiated"] += 1
                for call in b["calls"]:
                    stats["calls"] += 1
                    stats[{"ok": "returned", "trap": "traps", "exhausted": "exhausted", "skipped": "skipped"}[call[1]]] += 1
            verdict = compare(a, b)
            if verdict == "stack limit":
                stats["stack_limit"] += 1
            if verdict == "differ":
                stats["mismatches"] += 1
                name = os.path.join(bad_dir, f"{opts.seed}-{i}")
                with open(name + ".wasm", "wb") as f:
                    f.write(wasm)
                with open(name + ".txt", "w") as f:
                    f.write(f"wasmnn:   {json.dumps(a)}\nwasmtime: {json.dumps(b)}\n")
                print(f"MISMATCH module {i}: {name}.wasm", file=sys.stderr)
        if len(ours) != len(paths):
            print(f"driver printed {len(ours)} lines for {len(paths)} modules (crash?)", file=sys.stderr)
            stats["mismatches"] += len(paths) - len(ours)
        elapsed = time.monotonic() - start
        print(f"[{min(first + opts.batch, opts.modules)}/{opts.modules}] {elapsed:.0f} s: "
              + ", ".join(f"{k} {v}" for k, v in stats.items()), flush=True)
    print(json.dumps(stats))
    print(f"differential: {stats['compared'] - stats['mismatches']} passed, {stats['mismatches']} failed")
    return 1 if stats["mismatches"] else 0


if __name__ == "__main__":
    sys.exit(main())
