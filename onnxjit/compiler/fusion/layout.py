"""Where each value of a plan lives when compiled code runs: backend-neutral data for generators
and binders.

- graph inputs and values crossing a host step: arrays passed as arguments ('arg');
- initializers: packed per dtype into one constant arena ('const', fixed offsets);
- shape-derived values that kernels read: a per-binding arena ('bind');
- fused intermediates: the work arena, at the offset of their buffer slot ('work');
- VIEW outputs: the buffer of the value they alias.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from onnxjit.compiler.fusion.buffers import alias_root
from onnxjit.compiler.fusion.plan import KernelPlan, Step, StepKind

KERNEL_KINDS = (StepKind.ELEMENTWISE, StepKind.TEMPLATE, StepKind.REDUCTION, StepKind.COPY)

# which inputs of a skeleton the kernel reads as data (the rest are shape parameters)
DATA_INPUTS = {"conv": 3, "maxpool": 1, "avgpool": 1, "gap": 1, "gmp": 1, "matmul": 2, "gemm": 3,
               "softmax": 1, "logsoftmax": 1, "layernorm": 3, "reduce": 1, "lrn": 1, "transpose": 1,
               "concat": 1 << 30, "slice": 1, "gather": 2, "expand": 1}


# the names a skeleton gives its data inputs (concat: one per input)
DATA_ROLES = {"conv": ["x", "w", "b"], "matmul": ["a", "b"], "gemm": ["a", "b", "c"],
              "layernorm": ["x", "scale", "bias"], "gather": ["x", "idx"]}


def data_roles(step: Step) -> list[str]:
    """Argument names of a template/reduction/copy step's data inputs, in `data_inputs` order."""
    n = len(data_inputs(step))
    return [f"x{k}" for k in range(n)] if step.op == "concat" else DATA_ROLES.get(step.op, ["x"])[:n]


def data_inputs(step: Step) -> list[str]:
    if step.kind is StepKind.ELEMENTWISE:
        return list(step.inputs)
    return [i for i in step.inputs[: DATA_INPUTS.get(step.op, 1)] if i]


@dataclass
class Segment:
    index: int
    steps: list[int]                 # indices into plan.steps (kernel and view steps)
    args_in: list[str]               # values read as argument arrays
    args_out: list[str]              # values written to argument arrays (returned or read later)
    host_after: int | None = None    # index of the host step that follows, if any


@dataclass
class Layout:
    kind: dict[str, str]                        # value -> 'arg' | 'const' | 'bind' | 'work'
    root: dict[str, str]                        # VIEW output -> aliased value
    const_offset: dict[str, tuple[str, int, int]]  # value -> (dtype, offset, size)
    const_arenas: dict[str, np.ndarray]
    located: list[str]                          # values whose (offset, size) come from the binding
    kernel_index: dict[int, int]                # plan step index -> kernel number (param table)
    segments: list[Segment]
    dtypes: dict[str, str]                      # value -> dtype name
    work_dtypes: list[str] = field(default_factory=list)
    bind_dtypes: list[str] = field(default_factory=list)

    def resolve(self, v: str) -> str:
        return self.root.get(v, v)


def build_layout(plan: KernelPlan) -> Layout:
    root = alias_root(plan)
    kind: dict[str, str] = {}
    dtypes = {v: str(t.dtype) for v, t in plan.types.items()}
    const_offset: dict[str, tuple[str, int, int]] = {}
    packs: dict[str, list[np.ndarray]] = {}
    sizes: dict[str, int] = {}
    shape_outputs = {o for s in plan.steps if s.kind is StepKind.SHAPE for o in s.outputs}
    kernel_reads = {root.get(i, i) for s in plan.steps if s.kind in KERNEL_KINDS
                    for i in data_inputs(s) + s.epilogue_inputs if i}
    # constants the kernels read, packed per dtype (64-byte aligned offsets)
    for name in sorted(kernel_reads):
        if name in plan.constants and name not in shape_outputs:
            arr = np.ascontiguousarray(plan.constants[name])
            dt = str(arr.dtype)
            off = sizes.get(dt, 0)
            const_offset[name] = (dt, off, arr.size)
            packs.setdefault(dt, []).append(arr.reshape(-1))
            pad = (-(off + arr.size)) % 16
            if pad:
                packs[dt].append(np.zeros(pad, arr.dtype))
            sizes[dt] = off + arr.size + pad
            kind[name] = "const"
            dtypes[name] = dt
    const_arenas = {dt: np.concatenate(parts) if parts else np.zeros(0) for dt, parts in packs.items()}
    located: list[str] = []
    for name in sorted(kernel_reads):
        if name in shape_outputs:
            kind[name] = "bind"
            located.append(name)
    for v in plan.slots:
        kind[v] = "work"
        located.append(v)
    kernel_index: dict[int, int] = {}
    segments: list[Segment] = []
    cur = Segment(0, [], [], [])
    for k, s in enumerate(plan.steps):
        if s.kind is StepKind.HOST:
            cur.host_after = k
            segments.append(cur)
            cur = Segment(len(segments), [], [], [])
            continue
        if s.kind in KERNEL_KINDS:
            kernel_index[k] = len(kernel_index)
            cur.steps.append(k)
        elif s.kind is StepKind.VIEW:
            cur.steps.append(k)
    segments.append(cur)
    produced_in: dict[str, int] = {}
    for seg in segments:
        for k in seg.steps:
            for o in plan.steps[k].outputs:
                produced_in[o] = seg.index
    for seg in segments:
        ins: list[str] = []
        outs: list[str] = []
        for k in seg.steps:
            s = plan.steps[k]
            reads = data_inputs(s) + s.epilogue_inputs if s.kind in KERNEL_KINDS else [s.inputs[0]]
            for i in reads:
                r = root.get(i, i)
                if r and r not in kind and produced_in.get(r) != seg.index and r not in ins:
                    ins.append(r)
                    kind[r] = "arg"
                elif r and kind.get(r) == "arg" and produced_in.get(r) != seg.index and r not in ins:
                    ins.append(r)
            if s.kind in KERNEL_KINDS:
                for o in s.outputs:
                    if o not in plan.slots:
                        kind[o] = "arg"
                        outs.append(o)
        seg.args_in, seg.args_out = ins, outs
    work_dtypes = sorted({dtypes[v] for v in plan.slots})
    bind_dtypes = sorted({dtypes[v] for v in located if kind[v] == "bind"})
    return Layout(kind, root, const_offset, const_arenas, located, kernel_index, segments, dtypes,
                  work_dtypes, bind_dtypes)
