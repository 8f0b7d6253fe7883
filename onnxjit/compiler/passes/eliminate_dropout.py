"""Dropout at inference is the identity: rewrite it to Identity when its mask is unused."""
from __future__ import annotations

from onnxjit.compiler.ir import Graph


def eliminate_dropout(graph: Graph, constants: dict) -> int:
    used = {i for n in graph.nodes for i in n.inputs} | set(graph.output_names())
    count = 0
    for node in graph.nodes:
        if node.op_type != "Dropout" or node.domain != "":
            continue
        mask_used = len(node.outputs) > 1 and node.outputs[1] and node.outputs[1] in used
        training = node.inputs[2] if len(node.inputs) > 2 else ""
        if mask_used or (training and not (training in constants and not bool(constants[training].reshape(-1)[0]))):
            continue
        node.op_type, node.inputs, node.outputs, node.attrs = "Identity", node.inputs[:1], node.outputs[:1], {}
        count += 1
    return count
