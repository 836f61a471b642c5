#!/usr/bin/env python3
"""Malformed TorchScript archives, as a hostile guest would hand them to load.

    make_malformed_torchscript.py VALID.pt OUTDIR

Each variant is VALID.pt with one archive entry replaced (standard library
zipfile only). In-process, libtorch 1.13 crashes on several of them (stack
overflow on deep nesting, pickle opcodes that pop an empty stack); through a
worker they must only cost that worker. The categories:
  - data.pkl / constants.pkl = PROTO 2, one opcode that needs stack items, STOP
  - data.pkl / constants.pkl = a million nested 1-tuples
  - code/__torch__.py with 200 000 nested parentheses, or a 100 000-term sum
"""
import sys
import zipfile
from pathlib import Path

# Opcodes that pop what an empty stack does not have.
EMPTY_STACK_OPCODES = {
    "tuple1": b"\x85",
    "tuple2": b"\x86",
    "tuple3": b"\x87",
    "build": b"b",
    "reduce": b"R",
    "newobj": b"\x81",
    "binpersid": b"Q",
    "append": b"a",
    "setitem": b"s",
    "binget": b"h\x05",
}


def variants(entries, prefix):
    """(name, entry, bytes) for every malformed replacement."""
    for pickle in ("data.pkl", "constants.pkl"):
        stem = pickle.split(".")[0]
        for name, op in EMPTY_STACK_OPCODES.items():
            yield f"{stem}_{name}_on_empty_stack", f"{prefix}/{pickle}", b"\x80\x02" + op + b"."
        # ')' pushes (), each TUPLE1 wraps the top: a million levels deep.
        yield f"{stem}_million_nested_tuples", f"{prefix}/{pickle}", b"\x80\x02)" + b"\x85" * 1_000_000 + b"."
    code = f"{prefix}/code/__torch__.py"
    source = entries[code].decode()
    body = source[: source.rindex("return")]
    deep = "(" * 200_000 + "x" + ")" * 200_000
    yield "code_200000_nested_parentheses", code, (body + "return " + deep + "\n").encode()
    yield "code_100000_term_sum", code, (body + "return x" + " + x" * 100_000 + "\n").encode()


def main():
    valid, outdir = Path(sys.argv[1]), Path(sys.argv[2])
    outdir.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(valid) as z:
        infos = z.infolist()
        entries = {i.filename: z.read(i.filename) for i in infos}
    prefix = infos[0].filename.split("/")[0]
    for name, entry, replacement in variants(entries, prefix):
        with zipfile.ZipFile(outdir / f"{name}.pt", "w") as out:
            for info in infos:
                data = replacement if info.filename == entry else entries[info.filename]
                out.writestr(info.filename, data, compress_type=info.compress_type)


if __name__ == "__main__":
    main()
