"""The kernel plan: an ordered list of steps plus the buffer plan. Pure data, no backend knowledge.

`KernelPlan.describe()` is what `onnxjit explain` prints; `to_dict()` / `to_json()` the same as data
(`onnxjit explain --json`), `to_dot()` a Graphviz picture. `decisions` is the planner's "why not
fused" log: one `FusionDecision` per node that started a step of its own instead of joining a
neighbour's kernel, with the reason.
"""
from __future__ import annotations

import enum
import json
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


# a colour per step kind, for pictures of a plan (to_dot; the fusion-research notebook's drawing)
STEP_COLOURS = {StepKind.ELEMENTWISE: "#8dd3c7", StepKind.REDUCTION: "#fdb462", StepKind.TEMPLATE: "#80b1d3",
                StepKind.COPY: "#bebada", StepKind.VIEW: "#eeeeee", StepKind.SHAPE: "#dddddd",
                StepKind.HOST: "#fb8072"}


class Why(enum.Enum):
    """Why a node started a step of its own (FusionDecision.why)."""
    FUSION_DISABLED = "fusion disabled"
    EPILOGUES_OFF = "epilogue fusion off"
    DIFFERENT_DOMAIN = "different loop domain"
    GROUP_FULL = "group full"
    SHARED_RESULT = "producer's result is read elsewhere"
    NOT_READY = "another input is computed later"
    NO_EPILOGUE = "producer takes no epilogue"
    NO_FUSABLE_PRODUCER = "no input comes from a kernel it could join"
    OWN_KERNEL = "starts its own kernel"
    VIEW = "view: no kernel"
    NO_KERNEL = "runs on the host: no compiled kernel"
    DTYPE = "runs on the host: dtype not compiled"
    SUBGRAPH = "runs on the host: has subgraphs"
    UNKNOWN_TYPE = "runs on the host: type not inferred"
    TOO_DEEP = "runs on the host: expression too deep"
    BACKEND = "runs on the host: the backend has no lowering"
    POLICY = "decided by a custom policy"


@dataclass(frozen=True)
class FusionDecision:
    """One line of the "why not fused" log: ONNX node `node` (of `op_type`) is in plan step `step`
    rather than in a neighbour's kernel because of `why` (`detail` says it with the names and shapes)."""
    node: str
    op_type: str
    step: str
    why: Why
    detail: str

    def __str__(self) -> str:
        return f"{self.op_type} '{self.node}' -> {self.step}: {self.detail}"

    def to_dict(self) -> dict[str, str]:
        return {"node": self.node, "op_type": self.op_type, "step": self.step, "why": self.why.name,
                "detail": self.detail}


def _dim(d: Any) -> Any:
    return d if isinstance(d, (int, str)) or d is None else str(d)


@dataclass
class KernelPlan:
    steps: list[Step]
    inputs: list[str]
    outputs: list[str]
    types: dict[str, ValueType]
    constants: dict[str, np.ndarray]
    slots: dict[str, int] = field(default_factory=dict)  # intermediate value -> reusable buffer slot
    decisions: list[FusionDecision] = field(default_factory=list)  # the "why not fused" log

    @property
    def kernel_steps(self) -> list[Step]:
        return [s for s in self.steps if s.kind not in (StepKind.VIEW, StepKind.SHAPE, StepKind.HOST)]

    @property
    def host_steps(self) -> list[Step]:
        return [s for s in self.steps if s.kind is StepKind.HOST]

    def summary(self) -> dict[str, int]:
        return {"steps": len(self.steps), "kernels": len(self.kernel_steps), "host_steps": len(self.host_steps),
                "host_nodes": sum(len(s.nodes) for s in self.host_steps),
                "nodes": sum(len(s.nodes) for s in self.steps), "buffer_slots": len(set(self.slots.values()))}

    def to_dict(self) -> dict[str, Any]:
        """The plan as JSON-ready data: steps (name, kind, op, nodes, op types, inputs, outputs with
        their dtypes and symbolic shapes), buffer slots, the "why not fused" log, summary counts."""
        def value(v: str) -> dict[str, Any]:
            t = self.types.get(v)
            return {"name": v, "dtype": str(t.dtype) if t is not None else None,
                    "shape": [_dim(d) for d in t.shape] if t is not None and t.shape is not None else None}

        steps = [{"index": i, "name": s.name, "kind": s.kind.value, "op": s.op, "nodes": s.node_names,
                  "op_types": s.op_types, "inputs": [value(v) for v in s.inputs],
                  "epilogue_inputs": [value(v) for v in s.epilogue_inputs],
                  "outputs": [value(v) for v in s.outputs]} for i, s in enumerate(self.steps)]
        return {"summary": self.summary(), "inputs": list(self.inputs), "outputs": list(self.outputs),
                "steps": steps, "buffer_slots": dict(self.slots),
                "decisions": [d.to_dict() for d in self.decisions]}

    def to_json(self, indent: int | None = 1) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    def to_dot(self) -> str:
        """The plan as Graphviz DOT text: one box per step (coloured by kind, labelled with its name and
        op types), an edge per value passed between steps. Render with `dot -Tsvg`, or show the text."""
        def q(*parts: str) -> str:  # a DOT string literal, one line per part (model names may hold anything)
            esc = [t.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") for t in parts]
            return '"' + "\\n".join(esc) + '"'

        lines = ["digraph plan {", "  rankdir=TB;", '  node [shape=box, style="rounded,filled", fontsize=10];']
        producer: dict[str, int] = {}
        for i, s in enumerate(self.steps):
            ops = ",".join(dict.fromkeys(s.op_types))
            label = q(f"[{i}] {s.name}", f"{s.kind.value}{':' + s.op if s.op else ''}: {ops}")
            lines.append(f"  s{i} [label={label}, fillcolor={q(STEP_COLOURS[s.kind])}];")
            for o in s.outputs:
                producer[o] = i
        for v in self.inputs:
            lines.append(f"  {q('in:' + v)} [label={q(v)}, shape=ellipse, style=solid];")
        for i, s in enumerate(self.steps):
            for v in dict.fromkeys(s.inputs + s.epilogue_inputs):
                if v in producer and producer[v] != i:
                    lines.append(f"  s{producer[v]} -> s{i} [label={q(v)}, fontsize=8];")
                elif v in self.inputs:
                    lines.append(f"  {q('in:' + v)} -> s{i};")
        for v in self.outputs:
            lines.append(f"  {q('out:' + v)} [label={q(v)}, shape=ellipse, style=solid];")
            if v in producer:
                lines.append(f"  s{producer[v]} -> {q('out:' + v)};")
        lines.append("}")
        return "\n".join(lines) + "\n"

    def describe(self, why: bool = False) -> str:
        """Human-readable plan, as `onnxjit explain` prints it; with `why`, the "why not fused" log too."""
        n = self.summary()
        lines = [f"plan: {n['steps']} steps, {n['kernels']} kernels, {n['host_steps']} host steps "
                 f"({n['host_nodes']} nodes on the reference fallback), {n['nodes']} nodes"]
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
        if why:
            lines.append(self.why_not_fused())
        return "\n".join(lines)

    def why_not_fused(self) -> str:
        """The "why not fused" log as text: one line per node that started a step of its own."""
        return "\n".join([f"why not fused: {len(self.decisions)} nodes started a step of their own"]
                         + [f"  {d}" for d in self.decisions])
