"""The pass pipeline for a graph-optimisation level."""
from __future__ import annotations

from dataclasses import dataclass, field

from onnxjit.compiler.ir import Model
from onnxjit.compiler.ops.registry import lookup
from onnxjit.compiler.passes.constant_folding import fold_constants
from onnxjit.compiler.passes.dead_code import remove_dead_nodes
from onnxjit.compiler.passes.identity import remove_identities
from onnxjit.compiler.passes.eliminate_dropout import eliminate_dropout
from onnxjit.compiler.passes.fold_batchnorm import fold_batchnorm
from onnxjit.compiler.passes.fold_conv_affine import fold_conv_affine
from onnxjit.compiler.passes.inline_functions import inline_functions
from onnxjit.compiler.passes.probe_ranks import probe_ranks
from onnxjit.compiler.passes.type_check import type_check
from onnxjit.compiler.passes.validate import validate


@dataclass
class PassReport:
    counts: dict[str, int] = field(default_factory=dict)


def has_kernel(domain: str, op_type: str, opset: int) -> bool:
    return lookup(domain, op_type, opset) is not None


def optimize(model: Model, level: int, overridable: set[str]) -> PassReport:
    """level: 0 = none, 1 = basic (folding, identities, dead nodes), 2+ = extended (same for now)."""
    report = PassReport()
    validate(model.graph)
    type_check(model)
    report.counts["inlined_functions"] = inline_functions(model, has_kernel)
    if level >= 1:
        consts = {k: v for k, v in model.graph.initializers.items() if k not in overridable}
        report.counts["dropouts_removed"] = eliminate_dropout(model.graph, consts)
        report.counts["identities_removed"] = remove_identities(model.graph)
        report.counts["constants_folded"] = fold_constants(model.graph, model.opsets, overridable)
    if level >= 2:
        report.counts["batchnorms_folded"] = fold_batchnorm(model.graph, overridable)
        report.counts["conv_affines_folded"] = fold_conv_affine(model.graph, overridable)
    if level >= 1:
        report.counts["dead_nodes_removed"] = remove_dead_nodes(model.graph)
    report.counts["ranks_probed"] = probe_ranks(model.graph, model.opsets)
    return report
