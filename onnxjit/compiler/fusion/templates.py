"""Skeleton kernels the planner knows (conv, matmul, pooling, softmax, ...): which nodes they take,
and at bind time, for concrete input shapes, the output shape and the integer launch parameters.

Parameters are backend-neutral: code generators read them by position (documented per op below).

Models are untrusted: a skeleton indexes its inputs by the sizes it is bound with, so every relation
between input shapes it relies on (conv channels and groups, a matmul's inner dims, concat's other
dims, ...) is checked, at plan time where the shapes are static (InvalidGraph) and again at bind time
on the real shapes (Fail / InvalidArgument, as onnxruntime words them), before any kernel runs.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from onnxjit.compiler.fusion.plan import Step, StepKind, ValueType
from onnxjit.compiler.ir import Node
from onnxjit.compiler.ops.ai_onnx._conv_common import conv_attr_problem, conv_shape_problem
from onnxjit.compiler.ops.registry import OpDef
from onnxjit.errors import Fail, InvalidArgument, InvalidGraph

FLOATS = {np.dtype(np.float32), np.dtype(np.float64)}


def _norm_axis(axis: int, rank: int) -> int:
    return axis + rank if axis < 0 else axis


def classify_template(node: Node, op: OpDef, types: dict[str, ValueType], shape_values: set[str]) -> tuple[StepKind, str, dict] | None:
    """(kind, op, static params) when a skeleton covers this node, else None."""
    t = node.op_type
    if node.domain != "":
        return None
    ins = [i for i in node.inputs]
    outs = [o for o in node.outputs if o]
    x = types.get(ins[0]) if ins and ins[0] else None
    if x is None:
        return None
    a = op.a
    if t == "Conv" and x.rank == 4 and x.dtype in FLOATS and ins[1] in shape_values and \
            (len(ins) < 3 or not ins[2] or ins[2] in shape_values):
        w = types.get(ins[1])
        if w is None or any(not isinstance(d, int) for d in w.shape):
            return None
        b = types.get(ins[2]) if len(ins) > 2 and ins[2] else None
        problem = conv_shape_problem(x.shape, w.shape, b.shape if b is not None else None, int(a.group)) or \
            conv_attr_problem(2, w.shape[2:], a.kernel_shape, a.strides, a.dilations, a.pads, int(a.group), a.auto_pad)
        if problem is not None:
            raise InvalidGraph(f"Conv node '{node.name}': {problem}")
        return StepKind.TEMPLATE, "conv", {
            "kernel": list(w.shape[2:]), "strides": list(a.strides or [1, 1]), "dilations": list(a.dilations or [1, 1]),
            "pads": list(a.pads or [0, 0, 0, 0]), "auto_pad": a.auto_pad, "group": int(a.group), "has_bias": len(ins) > 2 and bool(ins[2])}
    if t in ("MaxPool", "AveragePool") and x.rank == 4 and x.dtype in FLOATS and len(outs) == 1 and \
            int(getattr(a, "storage_order", 0)) == 0:
        kernel = list(a.kernel_shape or [])
        problem = conv_attr_problem(2, kernel, kernel, a.strides, getattr(a, "dilations", None), a.pads, 1, a.auto_pad)
        if problem is None and len(kernel) != 2:
            problem = f"kernel_shape {kernel} has incorrect size (expected 2)"
        if problem is None and a.pads and any(int(a.pads[i]) >= kernel[i % 2] for i in range(4)):
            problem = f"Pad should be smaller than kernel: pads {list(a.pads)}, kernel_shape {kernel}"
        if problem is not None:
            raise InvalidGraph(f"{t} node '{node.name}': {problem}")
        return StepKind.TEMPLATE, "maxpool" if t == "MaxPool" else "avgpool", {
            "kernel": list(a.kernel_shape), "strides": list(a.strides or [1, 1]),
            "dilations": list(getattr(a, "dilations", None) or [1, 1]), "pads": list(a.pads or [0, 0, 0, 0]),
            "auto_pad": a.auto_pad, "ceil_mode": int(a.ceil_mode),
            "count_include_pad": int(getattr(a, "count_include_pad", 0))}
    if t in ("GlobalAveragePool", "GlobalMaxPool") and x.rank >= 3 and x.dtype in FLOATS:
        return StepKind.TEMPLATE, "gap" if t == "GlobalAveragePool" else "gmp", {}
    if t == "MatMul" and x.dtype in FLOATS and x.rank >= 2 and types[ins[1]].rank >= 2:
        return StepKind.TEMPLATE, "matmul", {}
    if t == "Gemm" and x.dtype in FLOATS:
        return StepKind.TEMPLATE, "gemm", {"alpha": float(a.alpha), "beta": float(a.beta), "transA": int(a.transA),
                                           "transB": int(a.transB), "has_c": len(ins) > 2 and bool(ins[2])}
    if t in ("Softmax", "LogSoftmax") and x.dtype in FLOATS:
        default = -1 if op.opset >= 13 else 1
        axis = _norm_axis(int(getattr(a, "axis", default)), x.rank)
        if not 0 <= axis < max(x.rank, 1):
            raise InvalidGraph(f"{t} node '{node.name}': 'axis' must be in [{-x.rank}, {x.rank - 1}], got {a.axis}")
        return StepKind.REDUCTION, t.lower(), {"axis": axis, "flatten": op.opset < 13}
    if t == "LayerNormalization" and x.dtype in FLOATS and len(outs) == 1 and \
            all(i in shape_values for i in ins[1:] if i):
        axis = _norm_axis(int(a.axis), x.rank)
        if not 0 <= axis < x.rank:
            raise InvalidGraph(f"LayerNormalization node '{node.name}': axis {a.axis} is out of range for rank {x.rank}")
        if not all(_norm_param_exact(types.get(i), x.shape[axis:]) for i in ins[1:3] if i):
            return None  # a scale or bias that broadcasts: the reference kernel broadcasts as onnxruntime does
        return StepKind.REDUCTION, "layernorm", {"axis": _norm_axis(int(a.axis), x.rank), "epsilon": float(a.epsilon),
                                                 "has_bias": len(ins) > 2 and bool(ins[2])}
    if t in ("ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin") and x.dtype in FLOATS:
        axes = getattr(a, "axes", None)
        if len(ins) > 1 and ins[1]:
            return None if ins[1] not in shape_values else (StepKind.REDUCTION, "reduce", {"how": t[6:].lower(), "axes_input": True, "keepdims": int(int(a.keepdims) == 1), "noop": int(getattr(a, "noop_with_empty_axes", 0))})
        return StepKind.REDUCTION, "reduce", {"how": t[6:].lower(), "axes": list(axes) if axes is not None else None,
                                              "keepdims": int(int(a.keepdims) == 1), "noop": int(getattr(a, "noop_with_empty_axes", 0))}
    if t == "LRN" and x.rank == 4 and x.dtype in FLOATS:
        return StepKind.TEMPLATE, "lrn", {"size": int(a.size), "alpha": float(a.alpha), "beta": float(a.beta), "bias": float(a.bias)}
    if t == "Transpose":
        perm = list(a.perm) if a.perm is not None else list(range(x.rank))[::-1]
        if sorted(int(v) for v in perm) != list(range(x.rank)):
            raise InvalidGraph(f"Transpose node '{node.name}': perm {perm} is not a permutation of the input's {x.rank} axes")
        return StepKind.COPY, "transpose", {"perm": perm}
    if t == "Concat":
        return StepKind.COPY, "concat", {"axis": int(a.axis)}
    if t == "Slice" and all(i in shape_values for i in ins[1:] if i):
        return StepKind.COPY, "slice", {}
    if t == "Gather" and types[ins[1]].dtype.kind in "iu":
        if not -x.rank <= int(a.axis) < x.rank:
            raise InvalidGraph(f"Gather node '{node.name}': axis must be in [{-x.rank}, {x.rank - 1}], got {a.axis}")
        return StepKind.COPY, "gather", {"axis": int(a.axis)}
    if t == "Expand" and ins[1] in shape_values:
        return StepKind.COPY, "expand", {}
    return None


def _norm_param_exact(t: ValueType | None, normalized: tuple) -> bool:
    """Whether a normalisation's scale/bias of static type `t` has, for sure, one element per element
    of the normalised dims (its shape is theirs, leading 1s aside): the compiled kernel reads it so.
    Anything else (a [1] or [] scale, a (3, 1) one) broadcasts, which the reference kernel does."""
    if t is None or any(not isinstance(d, int) for d in t.shape):
        return False
    dims = list(t.shape)
    while dims and dims[0] == 1:
        dims.pop(0)
    norm = list(normalized)
    if len(dims) > len(norm):
        return False
    uncovered, aligned = norm[:len(norm) - len(dims)], norm[len(norm) - len(dims):]
    if any(d != 1 for d in uncovered):
        return False
    return all(sd == xd or (sd > 1 and not isinstance(xd, int)) for sd, xd in zip(dims, aligned))


def _strip_ones(shape: tuple) -> tuple:
    dims = list(shape)
    while dims and dims[0] == 1:
        dims.pop(0)
    return tuple(dims)


def _name(step: Step) -> str:
    n = step.nodes[0]
    return f"{n.op_type} node '{n.name}'"


def check_bound_shapes(step: Step, shapes: list[tuple[int, ...]], values: dict[str, np.ndarray]) -> None:
    """The relations between a skeleton's real input shapes that its kernel relies on (see module doc)."""
    p, op = step.params, step.op
    x = shapes[0]
    if op == "conv":
        if len(x) != 4 or len(shapes[1]) != 4:
            raise Fail(f"{_name(step)}: input rank {len(x)} and weight rank {len(shapes[1])} must both be 4")
        problem = conv_shape_problem(x, shapes[1], shapes[2] if p["has_bias"] and len(shapes) > 2 else None, p["group"])
        if problem is not None:
            raise Fail(f"{_name(step)}: {problem}; X {tuple(x)}, W {tuple(shapes[1])}")
    elif op == "matmul":
        a, b = x, shapes[1]
        if not a or not b:
            raise Fail(f"{_name(step)}: MatMul inputs must have rank >= 1, got {tuple(a)} and {tuple(b)}")
        kb = b[-2] if len(b) >= 2 else b[0]
        if a[-1] != kb:
            raise Fail(f"{_name(step)}: MatMul dimension mismatch: A {tuple(a)}, B {tuple(b)}")
    elif op == "gemm":
        a, b = x, shapes[1]
        if len(a) != 2 or len(b) != 2:
            raise Fail(f"{_name(step)}: Gemm inputs must be matrices, got A {tuple(a)} and B {tuple(b)}")
        ka = a[0] if p["transA"] else a[1]
        kb = b[1] if p["transB"] else b[0]
        if ka != kb:
            raise InvalidArgument(f"{_name(step)}: Gemm: Dimension mismatch, A {tuple(a)}, B {tuple(b)} "
                                  f"(transA={p['transA']}, transB={p['transB']})")
        if p["has_c"] and len(shapes) > 2:
            m, n = (a[1] if p["transA"] else a[0]), (b[0] if p["transB"] else b[1])
            c = shapes[2]
            padded = (1,) * (2 - len(c)) + tuple(c)
            if len(c) > 2 or any(d not in (1, want) for d, want in zip(padded, (m, n))):
                raise InvalidArgument(f"{_name(step)}: Gemm: C of shape {tuple(c)} cannot broadcast to ({m}, {n})")
    elif op == "concat":
        axis = p["axis"]
        if not -len(x) <= axis < len(x):
            raise Fail(f"{_name(step)}: axis {axis} is out of range for rank {len(x)}")
        axis = _norm_axis(axis, len(x))
        for s in shapes[1:]:
            if len(s) != len(x) or any(d != e for i, (d, e) in enumerate(zip(s, x)) if i != axis):
                raise Fail(f"{_name(step)}: Concat inputs must have the same shape except on axis {axis}: "
                           f"{tuple(x)} and {tuple(s)}")
    elif op == "gather":
        axis = p["axis"]
        if not -len(x) <= axis < len(x):
            raise InvalidArgument(f"{_name(step)}: axis {axis} is out of range for rank {len(x)}")
        idx = values.get(step.inputs[1])
        if idx is not None and np.size(idx):
            dim = x[_norm_axis(axis, len(x))]
            lo, hi = int(np.min(idx)), int(np.max(idx))
            if lo < -dim or hi >= dim:
                bad = lo if lo < -dim else hi
                raise InvalidArgument(f"{_name(step)}: indices element out of data bounds, idx={bad} must be "
                                      f"within the inclusive range [{-dim},{dim - 1}]")
    elif op == "layernorm":
        axis = p["axis"]
        if not 0 <= axis < len(x):
            raise InvalidArgument(f"{_name(step)}: axis {axis} is out of range for rank {len(x)}")
        norm = _strip_ones(tuple(x[axis:]))
        for role, name, s in zip(("scale", "bias"), step.inputs[1:3], shapes[1:3]):
            if name and (_strip_ones(tuple(s)) != norm or int(np.prod(s)) != int(np.prod(x[axis:]))):
                raise InvalidArgument(f"{_name(step)}: Scale and (optional) bias must match X.shape[axis:] or be "
                                      f"NumPy-broadcastable to it. X.shape={tuple(x)} {role}.shape={tuple(s)} axis={axis}")
    elif op in ("softmax", "logsoftmax"):
        if not 0 <= p["axis"] < max(len(x), 1):
            raise InvalidArgument(f"{_name(step)}: axis {p['axis']} is out of range for rank {len(x)}")


# --- bind time ------------------------------------------------------------------------------------

def _pool_geometry(p: dict, h: int, w: int, ceil_mode: int = 0, truncate: bool = False) -> tuple[list[int], list[int]]:
    """(pads [top, left, bottom, right], out [oh, ow]) for a 2-D window. truncate: pooling's floor-mode size
    divides as C++ does (toward zero), as onnxruntime's pools do: a window past the input still gives one output."""
    k, s, d = p["kernel"], p["strides"], p["dilations"]
    size = [h, w]
    auto = p.get("auto_pad", "NOTSET")
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        pads_b, pads_e = [], []
        for i in range(2):
            out = -(-size[i] // s[i])
            total = max(0, (out - 1) * s[i] + (k[i] - 1) * d[i] + 1 - size[i])
            small = total // 2
            pads_b.append(small if auto == "SAME_UPPER" else total - small)
            pads_e.append(total - small if auto == "SAME_UPPER" else small)
    elif auto == "VALID":
        pads_b, pads_e = [0, 0], [0, 0]
    else:
        pads_b, pads_e = list(p["pads"][:2]), list(p["pads"][2:])
    out = []
    for i in range(2):
        span = size[i] + pads_b[i] + pads_e[i] - ((k[i] - 1) * d[i] + 1)
        if ceil_mode:
            o = -(-span // s[i]) + 1
            if (o - 1) * s[i] >= size[i] + pads_b[i]:
                o -= 1
        else:
            o = (-((-span) // s[i]) if span < 0 and truncate else span // s[i]) + 1
        out.append(o)
    return pads_b + pads_e, out


def bcast_shape(*shapes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(np.broadcast_shapes(*shapes))


def bcast_strides(shape: tuple[int, ...], out: tuple[int, ...]) -> list[int]:
    """Element strides of a contiguous `shape` read at each index of `out` (0 where broadcast)."""
    r = len(out)
    padded = (1,) * (r - len(shape)) + tuple(shape)
    strides, acc = [0] * r, 1
    for i in range(r - 1, -1, -1):
        strides[i] = 0 if padded[i] == 1 else acc
        acc *= padded[i]
    return strides


def bind_step(step: Step, shapes: list[tuple[int, ...]], values: dict[str, np.ndarray]) -> tuple[list[tuple[int, ...]], list[int]]:
    """(output shapes of the skeleton's main output, launch params) for concrete input shapes."""
    p, op = step.params, step.op
    x = shapes[0]
    check_bound_shapes(step, shapes, values)
    if op == "conv":
        n, c, h, w = x
        m, cg, kh, kw = shapes[1]
        pads, (oh, ow) = _pool_geometry(p, h, w)
        if oh <= 0 or ow <= 0:
            raise InvalidArgument(f"{_name(step)}: Invalid input shape {tuple(x)}: the output would be {oh} x {ow}")
        return [(n, m, oh, ow)], [n, c, h, w, m, kh, kw, oh, ow, p["strides"][0], p["strides"][1], pads[0], pads[1],
                                  p["dilations"][0], p["dilations"][1], p["group"]]
    if op in ("maxpool", "avgpool"):
        n, c, h, w = x
        pads, (oh, ow) = _pool_geometry(p, h, w, p["ceil_mode"], truncate=True)
        if oh < 0 or ow < 0:  # onnxruntime: 0 gives an empty output, a negative size is an error
            raise Fail(f"{_name(step)}: Invalid input shape {tuple(x)}: the output would be {oh} x {ow}")
        return [(n, c, oh, ow)], [n * c, h, w, oh, ow, p["kernel"][0], p["kernel"][1], p["strides"][0], p["strides"][1],
                                  pads[0], pads[1], p["dilations"][0], p["dilations"][1], p["count_include_pad"],
                                  pads[2], pads[3]]
    if op in ("gap", "gmp"):
        return [tuple(x[:2]) + (1,) * (len(x) - 2)], [x[0] * x[1], int(np.prod(x[2:]))]
    if op == "matmul":
        a, b = x, shapes[1]
        a2 = a if len(a) >= 2 else (1,) + a
        b2 = b if len(b) >= 2 else b + (1,)
        m, k, n = a2[-2], a2[-1], b2[-1]
        batch = bcast_shape(a2[:-2], b2[:-2])
        out = batch + ((m,) if len(a) >= 2 else ()) + ((n,) if len(b) >= 2 else ())
        nb = int(np.prod(batch))
        sa = bcast_strides(a2[:-2], batch) if batch else []
        sb = bcast_strides(b2[:-2], batch) if batch else []
        # params: nbatch, M, K, N, rank_b, batch dims..., a batch strides (in matrices), b batch strides
        return [out], [nb, m, k, n, len(batch), *batch, *sa, *sb]
    if op == "gemm":
        a, b = x, shapes[1]
        m, k = (a[1], a[0]) if p["transA"] else (a[0], a[1])
        n = b[0] if p["transB"] else b[1]
        c_sm = c_sn = 0
        if p["has_c"]:
            cs = bcast_strides(shapes[2], (m, n))
            c_sm, c_sn = cs
        return [(m, n)], [m, k, n, c_sm, c_sn]
    if op in ("softmax", "logsoftmax"):
        axis = p["axis"]
        outer = int(np.prod(x[:axis]))
        if p["flatten"]:
            return [x], [outer, int(np.prod(x[axis:])), 1]
        return [x], [outer, x[axis], int(np.prod(x[axis + 1:]))]
    if op == "layernorm":
        axis = p["axis"]
        return [x], [int(np.prod(x[:axis])), int(np.prod(x[axis:]))]
    if op == "reduce":
        axes = p.get("axes")
        if p.get("axes_input"):
            axes = [int(v) for v in values[step.inputs[1]].reshape(-1)]
        if not axes:
            axes = [] if p["noop"] else list(range(len(x)))
        if any(not -len(x) <= int(v) < max(len(x), 1) for v in axes):
            raise Fail(f"{_name(step)}: axes {list(axes)} must be in [-rank, rank-1] for rank {len(x)}")  # as onnxruntime
        axes = sorted({_norm_axis(int(v), len(x)) for v in axes})
        if not axes:
            return [x], [int(np.prod(x)), 1, 1, 0]
        out = tuple(1 if i in axes else d for i, d in enumerate(x)) if p["keepdims"] else \
            tuple(d for i, d in enumerate(x) if i not in axes)
        lo, hi = axes[0], axes[-1] + 1
        if axes == list(range(lo, hi)):
            # adjacent axes: x read as (OUTER, L, INNER); R = 0 selects that loop
            return [out], [int(np.prod(x[:lo])), int(np.prod(x[lo:hi])), int(np.prod(x[hi:])), 0]
        # params: outputs, elements per output, R = rank, dims of x, 1 where an axis is reduced
        return [out], [int(np.prod(out)), int(np.prod([x[a] for a in axes])), 1, len(x),
                       *x, *[int(i in axes) for i in range(len(x))]]
    if op == "lrn":
        n, c, h, w = x
        return [x], [n, c, h * w]
    if op == "transpose":
        perm = p["perm"]
        out = tuple(x[i] for i in perm)
        in_strides = bcast_strides(x, x)
        for i, d in enumerate(x):
            if d == 1:
                in_strides[i] = 0
        return [out], collapse_strided([len(out), *out, *[in_strides[i] for i in perm]])
    if op == "concat":
        axis = _norm_axis(p["axis"], len(x))
        out = list(x)
        out[axis] = sum(s[axis] for s in shapes)
        outer = int(np.prod(x[:axis]))
        chunks = [int(np.prod(s[axis:])) for s in shapes]
        return [tuple(out)], [outer, sum(chunks), *chunks]
    if op == "slice":
        from onnxjit.compiler.fusion.slicing import slice_params

        shapes_out, params = slice_params(step, x, values)
        return shapes_out, collapse_strided(params)
    if op == "gather":
        axis = _norm_axis(p["axis"], len(x))
        idx = shapes[1]
        out = tuple(x[:axis]) + tuple(idx) + tuple(x[axis + 1:])
        return [out], [int(np.prod(x[:axis])), x[axis], int(np.prod(x[axis + 1:])), int(np.prod(idx))]
    if op == "expand":
        target = tuple(int(v) for v in values[step.inputs[1]].reshape(-1))
        out = bcast_shape(x, target)
        return [out], collapse_strided([len(out), *out, *bcast_strides(x, out)])
    raise NotImplementedError(op)


def collapse_strided(params: list[int]) -> list[int]:
    """[rank, dims..., strides..., (offset)] of a strided copy with adjacent dims merged where the
    input is contiguous across them (and size-1 dims dropped), left-padded back to the same rank with
    (1, 0) dims: the kernel's innermost loop then runs as long as the data allows."""
    rank = params[0]
    dims, strides, rest = params[1:1 + rank], params[1 + rank:1 + 2 * rank], params[1 + 2 * rank:]
    merged: list[list[int]] = []
    for d, t in zip(dims, strides):
        if d == 1:
            continue
        if merged and merged[-1][1] == t * d:
            merged[-1] = [merged[-1][0] * d, t]
        else:
            merged.append([d, t])
    if any(d == 0 for d in dims):
        return params
    pad = [[1, 0]] * (rank - len(merged))
    full = pad + merged
    return [rank, *[d for d, _ in full], *[t for _, t in full], *rest]


def same_shape_static(a: tuple, b: tuple) -> bool:
    """Static (symbolic) shapes known to be equal."""
    return len(a) == len(b) and all(x is not None and x == y for x, y in zip(a, b))
