#!/usr/bin/python3
"""ONNX models whose tensors keep their data in an external file, as a hostile
guest would load them to make ONNX Runtime read a host file (onnx.helper,
Debian's python3-onnx).

    make_external_data_models.py OUTDIR HOSTDIR

Every model takes x: f32[4] and returns y: f32[4], a 16-byte tensor whose
bytes are in "secret.bin": relative to the working directory, through
"sub/../", at HOSTDIR/secret.bin (absolute), in a Constant node's attribute,
and as an initializer of an If node's subgraph. external_data_test.cpp checks
that wasmnn refuses each of them.
"""
import os
import sys

import onnx
from onnx import TensorProto, helper

OPSET = 17
IR_VERSION = 8


def external_tensor(name, location):
    t = TensorProto()
    t.name = name
    t.data_type = TensorProto.FLOAT
    t.dims.extend([4])
    t.data_location = TensorProto.EXTERNAL
    entry = t.external_data.add()
    entry.key, entry.value = "location", location
    return t


def save(outdir, name, nodes, initializers=()):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [4])
    graph = helper.make_graph(nodes, name, [x], [y], list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = IR_VERSION
    with open(os.path.join(outdir, name + ".onnx"), "wb") as f:
        f.write(model.SerializeToString())


def main():
    outdir, hostdir = sys.argv[1], sys.argv[2]
    os.makedirs(outdir, exist_ok=True)
    # The output is the initializer itself: ONNX Runtime returns the file's bytes as they are.
    save(outdir, "relative", [], [external_tensor("y", "secret.bin")])
    save(outdir, "dotdot", [], [external_tensor("y", "sub/../secret.bin")])
    save(outdir, "absolute", [], [external_tensor("y", os.path.join(hostdir, "secret.bin"))])
    constant = helper.make_node("Constant", [], ["y"])
    constant.attribute.append(helper.make_attribute("value", external_tensor("value", "secret.bin")))
    save(outdir, "constant_attribute", [constant])
    # If (sum(x) > -inf) then w else x: w lives in the then-branch.
    then_branch = helper.make_graph(
        [helper.make_node("Identity", ["w"], ["t"])], "then", [],
        [helper.make_tensor_value_info("t", TensorProto.FLOAT, [4])], [external_tensor("w", "secret.bin")])
    else_branch = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["e"])], "else", [],
        [helper.make_tensor_value_info("e", TensorProto.FLOAT, [4])])
    low = helper.make_tensor("low", TensorProto.FLOAT, [], [float("-inf")])
    save(outdir, "subgraph", [
        helper.make_node("ReduceSum", ["x"], ["s"], keepdims=0),
        helper.make_node("Greater", ["s", "low"], ["c"]),
        helper.make_node("If", ["c"], ["y"], then_branch=then_branch, else_branch=else_branch),
    ], [low])


if __name__ == "__main__":
    main()
