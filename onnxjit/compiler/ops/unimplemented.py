"""The error for a node that no registered op implements, of the class onnxruntime gives the same node.

onnxruntime refuses such a model in three ways, and onnxjit follows it:
- an op that the ONNX domains ("" / "ai.onnx", "ai.onnx.ml") do not define at the model's opset fails
  onnxruntime's model check: ``InvalidGraph``;
- an op of any other domain that nothing registers: ``Fail`` ("... is not a registered function/op");
- an op that ONNX defines (or one of onnxruntime's own "com.microsoft" contrib ops, which onnxruntime
  would run) but onnxjit has no kernel for: ``NotImplemented``.
"""
from __future__ import annotations

import onnx.defs

from onnxjit.errors import Fail, InvalidGraph, NotImplemented as OrtNotImplemented, OnnxJitError

ONNX_DOMAINS = ("", "ai.onnx", "ai.onnx.ml")
ONNXRUNTIME_CONTRIB_DOMAIN = "com.microsoft"


def _onnx_defines(domain: str, op_type: str, opset: int) -> bool:
    try:
        onnx.defs.get_schema(op_type, opset, "" if domain == "ai.onnx" else domain)
    except onnx.defs.SchemaError:
        return False
    return True


def unimplemented_op_error(domain: str, op_type: str, opset: int, node_name: str) -> OnnxJitError:
    """The exception to raise for node `node_name` (`domain`:`op_type` at `opset`) that has no kernel."""
    if domain in ONNX_DOMAINS and not _onnx_defines(domain, op_type, opset):
        return InvalidGraph(f"This is an invalid model. In Node '{node_name}' ({op_type}, domain "
                            f"'{domain or 'ai.onnx'}'): No Op registered for {op_type} with domain_version of {opset}")
    if domain not in ONNX_DOMAINS and domain != ONNXRUNTIME_CONTRIB_DOMAIN:
        return Fail(f"Fatal error: {domain}:{op_type}({opset}) is not a registered function/op "
                    f"(node '{node_name}')")
    return OrtNotImplemented(f"Could not find an implementation for {op_type}({opset}) node with name "
                             f"'{node_name}' (domain {domain or 'ai.onnx'})")
