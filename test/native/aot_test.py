#!/usr/bin/env python3
"""The compiled tier through the command line: `wasmnn compile`, running an
AOT artifact, `run --compile` with its cache, and every reason an artifact is
refused (another wasmnn build, a CPU level this machine lacks, corruption),
each with a message naming the cause and the fix. Results are checked against
the interpreter's on the same module.
Usage: aot_test.py --wasmnn BIN --wat2wasm BIN --work DIR [--no-llvm] [unittest args]
(--no-llvm: a build without the compiled tier, which must say so and how to get it).
"""
import argparse
import os
import shutil
import subprocess
import sys
import unittest

WASMNN = WAT2WASM = WORK = None

MODULE_WAT = r"""
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "compiled\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 9))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func $fac (export "fac") (param i64) (result i64)
    local.get 0 i64.eqz
    if (result i64) i64.const 1
    else local.get 0 local.get 0 i64.const 1 i64.sub call $fac i64.mul end)
  (func (export "load") (param i32) (result i32) local.get 0 i32.load)
  (func $inner (unreachable))
  (func (export "outer") call $inner))
"""


def wasmnn(*args, env=None):
    return subprocess.run([WASMNN, *args], capture_output=True, text=True, timeout=300, env=env)


def build(name, wat):
    src = os.path.join(WORK, name + ".wat")
    out = os.path.join(WORK, name + ".wasm")
    with open(src, "w") as f:
        f.write(wat)
    subprocess.run([WAT2WASM, "--debug-names", src, "-o", out], check=True)
    return out


def fresh_dir(name):
    path = os.path.join(WORK, name)
    shutil.rmtree(path, ignore_errors=True)
    return path


def edited(artifact, name, change):
    """A copy of the artifact with `change` applied to its bytes."""
    with open(artifact, "rb") as f:
        data = f.read()
    out = os.path.join(WORK, name)
    with open(out, "wb") as f:
        f.write(change(data))
    return out


class Compiled(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.module = build("aot", MODULE_WAT)
        cls.artifact = os.path.join(WORK, "aot.cwasm")
        r = wasmnn("compile", cls.module, "-o", cls.artifact)
        assert r.returncode == 0, r.stderr

    def refused(self, path, says):
        r = wasmnn("run", path)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("cannot load the AOT artifact", r.stderr)
        self.assertIn(says, r.stderr)
        self.assertEqual(r.stderr.count("\n"), 1, r.stderr)

    def test_artifact_runs_like_the_module(self):
        for path in [self.module, self.artifact]:
            r = wasmnn("run", path)
            self.assertEqual((r.returncode, r.stdout, r.stderr), (0, "compiled\n", ""), path)
            r = wasmnn("run", "--invoke", "fac", path, "20")
            self.assertEqual(r.stdout, "2432902008176640000\n", path)

    def test_default_output_name_replaces_the_extension(self):
        r = wasmnn("compile", self.module)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.isfile(os.path.join(WORK, "aot.cwasm")))

    def test_traps_and_backtraces_match_the_interpreter(self):
        for path in [self.module, self.artifact]:
            r = wasmnn("run", "--invoke", "outer", path)
            self.assertEqual(r.returncode, 134, path)
            self.assertIn("trap: unreachable", r.stderr)
            self.assertLess(r.stderr.index("at inner"), r.stderr.index("at outer"), r.stderr)
            r = wasmnn("run", "--invoke", "load", path, "65533")
            self.assertEqual(r.returncode, 134, path)
            self.assertIn("out of bounds memory access", r.stderr)
            r = wasmnn("run", "--max-call-depth", "50", "--invoke", "fac", path, "100")
            self.assertIn("call stack exhausted", r.stderr, path)

    def test_both_bounds_modes_and_every_opt_level(self):
        for mode in ["explicit", "guard"]:
            for level in ["1", "2", "3"]:
                out = os.path.join(WORK, f"aot-{mode}-{level}.cwasm")
                r = wasmnn("compile", "--bounds-checks", mode, "--opt-level", level, self.module, "-o", out)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(wasmnn("run", "--invoke", "load", out, "65532").stdout, "0\n")
                self.assertEqual(wasmnn("run", "--invoke", "load", out, "65533").returncode, 134)

    def test_the_cache_is_filled_once_then_used(self):
        cache = fresh_dir("cache")
        r = wasmnn("run", "--compile", "--cache-dir", cache, self.module)
        self.assertEqual((r.returncode, r.stdout), (0, "compiled\n"), r.stderr)
        files = os.listdir(cache)
        self.assertEqual(len(files), 1, files)
        entry = os.path.join(cache, files[0])
        before = os.stat(entry)
        r = wasmnn("run", "--compile", "--cache-dir", cache, self.module)
        self.assertEqual(r.stdout, "compiled\n")
        after = os.stat(entry)
        # A hit reads the entry; a miss would have written a new file in its place.
        self.assertEqual((before.st_ino, before.st_mtime_ns), (after.st_ino, after.st_mtime_ns))
        # Other settings are another entry; --no-cache writes nothing.
        wasmnn("run", "--compile", "--opt-level", "1", "--cache-dir", cache, self.module)
        self.assertEqual(len(os.listdir(cache)), 2)
        wasmnn("run", "--compile", "--no-cache", "--cache-dir", cache, "--opt-level", "3", self.module)
        self.assertEqual(len(os.listdir(cache)), 2)

    def test_a_corrupt_cache_entry_is_compiled_again(self):
        cache = fresh_dir("cache-corrupt")
        wasmnn("run", "--compile", "--cache-dir", cache, self.module)
        entry = os.path.join(cache, os.listdir(cache)[0])
        with open(entry, "r+b") as f:
            f.seek(-1, os.SEEK_END)
            f.write(b"\xff")
        r = wasmnn("run", "--compile", "--cache-dir", cache, self.module)
        self.assertEqual((r.returncode, r.stdout), (0, "compiled\n"), r.stderr)
        self.assertEqual(wasmnn("run", entry).stdout, "compiled\n")  # rewritten whole

    def test_artifact_of_another_build_is_refused(self):
        def other_build(data):
            start = data.index(b"codegen=") + len(b"codegen=")
            return data[:start] + b"0" * 5 + data[start + 5:]
        self.refused(edited(self.artifact, "stale.cwasm", other_build), "compiled by another wasmnn build")

    def test_artifact_for_a_cpu_this_one_lacks_is_refused(self):
        def foreign(data):
            start = data.index(b"cpu=")
            end = data.index(b"\n", start)
            return data[:start] + b"cpu=x86-64-v9" + data[end:]
        self.refused(edited(self.artifact, "foreign.cwasm", foreign), "compiled for x86-64-v9")

    def test_corrupt_or_truncated_artifact_is_refused(self):
        flip = edited(self.artifact, "flipped.cwasm", lambda d: d[:-1] + bytes([d[-1] ^ 1]))
        self.refused(flip, "checksum does not match (corrupt)")
        self.refused(edited(self.artifact, "short.cwasm", lambda d: d[:-100]), "truncated")
        self.refused(edited(self.artifact, "noheader.cwasm", lambda d: d[:40]), "header is truncated or corrupt")

    def test_compile_usage_errors(self):
        r = wasmnn("compile", "--invoke", "x", self.module)
        self.assertEqual(r.returncode, 2)
        self.assertIn("`wasmnn compile` takes only", r.stderr)
        r = wasmnn("compile", "--target-cpu", "pentium", self.module, "-o", os.path.join(WORK, "p.cwasm"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("unknown target CPU `pentium`", r.stderr)
        r = wasmnn("compile", self.artifact)
        self.assertIn("already compiled", r.stderr)

    def test_portable_level_runs_here(self):
        out = os.path.join(WORK, "v2.cwasm")
        self.assertEqual(wasmnn("compile", "--target-cpu", "x86-64-v2", self.module, "-o", out).returncode, 0)
        self.assertEqual(wasmnn("run", out).stdout, "compiled\n")


class WithoutLlvm(unittest.TestCase):
    def test_compile_says_how_to_get_the_compiled_tier(self):
        module = build("aot", MODULE_WAT)
        for args in (["compile", module], ["run", "--compile", "--no-cache", module]):
            r = wasmnn(*args)
            self.assertEqual(r.returncode, 1, args)
            self.assertIn("the compiled tier is not available", r.stderr)
            self.assertIn("-DWASMNN_LLVM=ON", r.stderr)


def main():
    global WASMNN, WAT2WASM, WORK
    ap = argparse.ArgumentParser()
    ap.add_argument("--wasmnn", required=True)
    ap.add_argument("--wat2wasm", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--no-llvm", action="store_true")
    opts, rest = ap.parse_known_args()
    WASMNN, WAT2WASM, WORK = opts.wasmnn, opts.wat2wasm, opts.work
    os.makedirs(WORK, exist_ok=True)
    # Only the class for this build runs: nothing is skipped.
    unittest.main(argv=[sys.argv[0], "-v", *rest], defaultTest="WithoutLlvm" if opts.no_llvm else "Compiled")


if __name__ == "__main__":
    main()
