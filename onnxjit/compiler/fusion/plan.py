"""The kernel plan: an ordered list of steps plus the buffer plan. Pure data, no backend knowledge."""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from onnxjit.compiler.ir import Node
from onnxjit.compiler.prims import Expr


class StepKind(enum.Enum):
    ELEMENTWISE = "elementwise"  # one loop nest over the output, expressions over inputs
    REDUCTION = "reduction"      # softmax / layernorm / reduce over an axis (+ epilogue)
    TEMPLATE = "template"        # conv / matmul / gemm / pooling skeleton (+ epilogue)
    COPY = "copy"                # index maps that move data: transpose, concat, slice, gather
    VIEW = "view"                # reshape-like: the output aliases the input buffer
    SHAPE = "shape"              # values known from shapes alone: evaluated once per input-shape binding
    HOST = "host"                # reference kernel on the host between compiled segments


@dataclass
class ValueType:
    dtype: np.dtype
    rank: int
    shape: tuple[Any, ...]  # ints, symbolic names or None


@dataclass
class Step:
    kind: StepKind
    name: str                         # a sanitised identifier, unique in the plan
    nodes: list[Node]
    inputs: list[str]
    outputs: list[str]
    op: str = ""                      # template / reduction / copy flavour: 'conv', 'matmul', 'softmax', ...
    params: dict[str, Any] = field(default_factory=dict)  # static attributes of the skeleton
    # Elementwise: output name -> expression over this step's inputs (Prim.INPUT index into `inputs`).
    # Template/reduction/copy: the epilogue, an expression over INPUT(0) = the skeleton's result and
    # INPUT(k) = inputs[k] for k >= 1 of `epilogue_inputs`.
    exprs: dict[str, Expr] = field(default_factory=dict)
    epilogue_inputs: list[str] = field(default_factory=list)
    main_output: str = ""             # skeleton result name before the epilogue (template/reduction/copy)

    @property
    def node_names(self) -> list[str]:
        return [n.name for n in self.nodes]

    @property
    def op_types(self) -> list[str]:
        return [n.op_type for n in self.nodes]


@dataclass
class KernelPlan:
    steps: list[Step]
    inputs: list[str]
    outputs: list[str]
    types: dict[str, ValueType]
    constants: dict[str, np.ndarray]
    slots: dict[str, int] = field(default_factory=dict)  # intermediate value -> reusable buffer slot

    @property
    def kernel_steps(self) -> list[Step]:
        return [s for s in self.steps if s.kind not in (StepKind.VIEW, StepKind.SHAPE, StepKind.HOST)]

    @property
    def host_steps(self) -> list[Step]:
        return [s for s in self.steps if s.kind is StepKind.HOST]

    def describe(self) -> str:
        """Human-readable plan, as `onnxjit explain` prints it."""
        n_nodes = sum(len(s.nodes) for s in self.steps)
        lines = [f"plan: {len(self.steps)} steps, {len(self.kernel_steps)} kernels, "
                 f"{len(self.host_steps)} host steps ({sum(len(s.nodes) for s in self.host_steps)} nodes on the "
                 f"reference fallback), {n_nodes} nodes"]
        for i, s in enumerate(self.steps):
            what = s.kind.value + (f":{s.op}" if s.op else "")
            ops = ",".join(s.op_types)
            lines.append(f"  [{i:3d}] {what:<22} {s.name:<28} {ops}")
            lines.append(f"        nodes: {', '.join(s.node_names)}")
            lines.append(f"        in: {', '.join(s.inputs + s.epilogue_inputs)}  ->  out: {', '.join(s.outputs)}")
        if self.slots:
            by_slot: dict[int, list[str]] = {}
            for v, k in self.slots.items():
                by_slot.setdefault(k, []).append(v)
            shared = {k: v for k, v in by_slot.items() if len(v) > 1}
            lines.append(f"buffers: {len(self.slots)} intermediates in {len(by_slot)} slots"
                         f" ({len(shared)} slots reused)")
            for k, vs in sorted(shared.items()):
                lines.append(f"  slot {k}: {', '.join(vs)}")
        return "\n".join(lines)
