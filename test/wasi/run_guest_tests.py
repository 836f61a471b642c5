#!/usr/bin/env python3
"""Runs one of our own WASI guest tests (test/wasi/guests/*.c) through the
wasmnn CLI and checks, on the host, what the guest cannot check itself:
the exit status, and that nothing outside the preopened directory was read,
created or modified (a snapshot of everything around the sandbox — names,
types, sizes, contents, link targets, mtimes and atimes — must be unchanged).
"""
import argparse
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path


def digest(path):
    """sha256 of a file, read with O_NOATIME so taking a snapshot leaves atime alone."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOATIME", 0))
    with os.fdopen(fd, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def snapshot(root, skip):
    """Everything under root except the `skip` subtree, as comparable data."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dp = Path(dirpath)
        if dp == skip:
            dirnames[:] = []
            continue
        for name in dirnames + filenames:
            p = dp / name
            if p == skip:
                continue
            st = os.lstat(p)
            rel = str(p.relative_to(root))
            if p.is_symlink():
                out[rel] = ("link", os.readlink(p))
            elif p.is_file():
                # st_atime_ns catches a read by the guest.
                out[rel] = ("file", st.st_size, st.st_mtime_ns, st.st_atime_ns, digest(p))
            else:
                out[rel] = ("dir", st.st_mode, st.st_mtime_ns)
    return out


def make_escape_tree(root):
    outside = root / "outside"
    sandbox = root / "sandbox"
    (outside / "dir").mkdir(parents=True)
    (outside / "secret.txt").write_text("SECRET\n")
    (sandbox / "sub").mkdir(parents=True)
    (sandbox / "inside.txt").write_text("INSIDE\n")
    (sandbox / "sub" / "file.txt").write_text("SUBFILE\n")
    links = {
        "link_out": "../outside/secret.txt",
        "link_abs": str(outside / "secret.txt"),
        "link_dir_out": "../outside",
        "sub/up": "../..",
        "chain1": "chain2",
        "chain2": "sub/chain3",
        "sub/chain3": "../../outside/secret.txt",
        "link_in": "sub/file.txt",
        "sub/link_up_in": "../inside.txt",
        "loop1": "loop2",
        "loop2": "loop1",
        "dangling_out": "../outside/dangling_target.txt",
    }
    for name, target in links.items():
        os.symlink(target, sandbox / name)


# Options for every `wasmnn run` (--run-option), e.g. --compile.
RUN_OPTIONS = []


def run(cli, wasm, dirs, args, cwd, timeout):
    argv = [cli, "run", *RUN_OPTIONS]
    for d in dirs:
        argv += ["--dir", d]
    argv += [str(wasm)] + args
    try:
        return subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, cwd=cwd, timeout=timeout,
                              env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                                   "HOST_ONLY_VARIABLE": "must-not-leak"})
    except subprocess.TimeoutExpired:
        sys.exit(f"FAIL: {wasm.name} {' '.join(args)} timed out after {timeout}s")


def expect(cond, what, proc=None):
    if not cond:
        detail = ""
        if proc is not None:
            detail = (f"\n  exit {proc.returncode}\n  stdout: {proc.stdout.decode(errors='replace')[-2000:]}"
                      f"\n  stderr: {proc.stderr.decode(errors='replace')[-2000:]}")
        sys.exit(f"FAIL: {what}{detail}")


def sandboxed_case(cli, guests, work, name, timeout, tree=None):
    """Runs guest `name` with only work/sandbox preopened; the rest of work must not change."""
    if tree:
        tree(work)
    else:
        (work / "sandbox").mkdir()
        (work / "outside").mkdir()
        (work / "outside" / "secret.txt").write_text("SECRET\n")
    # Make atime updates visible for reads outside (relatime would hide them).
    for p in (work / "outside").rglob("*"):
        if p.is_file() and not p.is_symlink():
            os.utime(p, (1_000_000_000, 1_000_000_000))
    before = snapshot(work, work / "sandbox")
    proc = run(cli, guests / f"wasi_{name}.wasm", ["sandbox::sandbox"], [], work, timeout)
    after = snapshot(work, work / "sandbox")
    expect(proc.returncode == 0, f"{name} exited {proc.returncode}", proc)
    expect(f"{name}: ok" in proc.stdout.decode(errors="replace"), f"{name} did not report ok", proc)
    changed = sorted(set(before.items()) ^ set(after.items()))
    expect(not changed, f"{name} touched things outside the sandbox: {changed}")
    expect((work / "outside" / "secret.txt").read_text() == "SECRET\n", "secret.txt was modified")
    expect(not (work / "outside" / "dangling_target.txt").exists(), "a file was created outside")
    if name == "sandbox_escape":
        # The guest unlinked link_out: the link is gone, its target is not.
        expect(not os.path.lexists(work / "sandbox" / "link_out"), "link_out was not removed")


def exit_cases(cli, guests, work, timeout):
    wasm = guests / "wasi_exit_code.wasm"
    for how, code in [("return", "0"), ("return", "3"), ("exit", "42"), ("exit", "0"), ("nested", "7")]:
        proc = run(cli, wasm, [], [how, code], work, timeout)
        expect(proc.returncode == int(code), f"exit_code {how} {code}: got {proc.returncode}", proc)
        out = proc.stdout.decode(errors="replace")
        expect(out == "start\n", f"exit_code {how} {code}: stdout {out!r}", proc)
    proc = run(cli, wasm, [], ["trap", "0"], work, timeout)
    expect(proc.returncode != 0, "a trap must exit non-zero", proc)
    expect(b"unreachable" in proc.stderr.lower() or b"trap" in proc.stderr.lower(),
           "a trap must print the trap message", proc)


def hello_case(cli, guests, work, timeout):
    """`wasmnn run --dir . hello.wasm` from a directory holding greeting.txt."""
    (work / "greeting.txt").write_text("hi there\n")
    shutil.copy(guests / "wasi_hello.wasm", work / "hello.wasm")
    proc = run(cli, Path("hello.wasm"), ["."], [], work, timeout)
    out = proc.stdout.decode(errors="replace")
    expect(proc.returncode == 0 and "hello from" in out and "greeting: hi there" in out, "hello", proc)
    proc = run(cli, Path("hello.wasm"), ["."], ["5"], work, timeout)
    expect(proc.returncode == 5, "hello 5 must exit 5", proc)


def stdio_env_cases(cli, guests, work, timeout):
    """argv and environ are exactly what the command line gives; fds 0-2 are the host's stdio."""
    wasm = guests / "wasi_stdio_env.wasm"

    def guest(opts, args, stdin=b""):
        argv = [cli, "run", *RUN_OPTIONS] + opts + [str(wasm)] + args
        proc = subprocess.run(argv, input=stdin, capture_output=True, cwd=work, timeout=timeout,
                              env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                                   "HOST_ONLY_VARIABLE": "must-not-leak"})
        expect(proc.returncode == 0, f"stdio_env {opts} {args}", proc)
        return proc

    out = guest([], ["args", "a b", "", "--dir", "ü"]).stdout.decode()
    expect(out == f"[{wasm}]\n[args]\n[a b]\n[]\n[--dir]\n[ü]\n", f"argv seen by the guest: {out!r}")
    out = guest([], ["env"]).stdout.decode()
    expect(out == "", f"the environment must be empty without --env: {out!r}")
    out = guest(["--env", "A=1", "--env", "B=x=y", "--env", "C=line1\nline2"], ["env"]).stdout.decode()
    expect(out == "[A=1]\n[B=x=y]\n[C=line1\nline2]\n", f"environment from --env: {out!r}")
    out = guest(["--inherit-env", "--env", "HOST_ONLY_VARIABLE=overridden"], ["env"]).stdout.decode()
    expect("[HOST_ONLY_VARIABLE=overridden]" in out and "must-not-leak" not in out and "[PATH=" in out,
           f"--inherit-env then --env: {out!r}")
    data = bytes(range(256)) * 1000
    proc = guest([], ["cat"], stdin=data)
    expect(proc.stdout == data and proc.stderr == b"done\n", "stdin -> stdout copy", proc)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--wasmnn", required=True)
    ap.add_argument("--guests", required=True, help="directory with the built wasi_<case>.wasm guests")
    ap.add_argument("--work", required=True, help="scratch directory (wiped)")
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--run-option", action="append", default=[],
                    help="an option for every `wasmnn run`, e.g. --run-option=--compile (repeatable)")
    ap.add_argument("case", choices=["sandbox_escape", "io_limits", "readdir_big", "poll_clock", "exit_code",
                                     "hello", "stdio_env"])
    args = ap.parse_args()
    RUN_OPTIONS.extend(args.run_option)
    cli = str(Path(args.wasmnn).resolve())
    guests = Path(args.guests).resolve()
    work = Path(args.work).resolve() / args.case
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    if args.case == "exit_code":
        exit_cases(cli, guests, work, args.timeout)
    elif args.case == "hello":
        hello_case(cli, guests, work, args.timeout)
    elif args.case == "stdio_env":
        stdio_env_cases(cli, guests, work, args.timeout)
    elif args.case == "poll_clock":
        proc = run(cli, guests / "wasi_poll_clock.wasm", [], [], work, args.timeout)
        expect(proc.returncode == 0 and b"poll_clock: ok" in proc.stdout, "poll_clock", proc)
    else:
        sandboxed_case(cli, guests, work, args.case, args.timeout,
                       make_escape_tree if args.case == "sandbox_escape" else None)
    print(f"PASS {args.case}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
