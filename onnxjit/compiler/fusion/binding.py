"""Binding: for concrete input shapes, every value's shape, the shape-derived values, the launch
parameter table and the arena sizes. Computed once per input-shape signature and cached."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from onnxjit.compiler.fusion.layout import Layout, Segment
from onnxjit.compiler.fusion.plan import KernelPlan, Step, StepKind
from onnxjit.compiler.fusion.templates import bcast_shape, bcast_strides, bind_step, same_shape_static
from onnxjit.compiler.ops.registry import lookup

CONV_TILE = 262144  # elements of a conv's im2col band (~1 MB of float32, a core's L2); sizes its scratch
CONV_OUT_TILE = 65536  # elements of a conv band's output, which its epilogue reads back from cache
from onnxjit.errors import Fail, InvalidArgument, OnnxJitError


@dataclass
class SegmentBinding:
    P: np.ndarray
    work: dict[str, int]                  # dtype -> elements
    bind_arrays: dict[str, np.ndarray]    # dtype -> packed shape-derived values
    scratch: dict[str, int]               # dtype -> elements
    arg_shapes: dict[str, tuple[int, ...]]
    # Arrays reused across runs (arenas); allocated lazily by the runtime.
    arenas: list[np.ndarray] = field(default_factory=list)


def view_shape(step: Step, x: tuple[int, ...], values: dict[str, np.ndarray]) -> tuple[int, ...]:
    node = step.nodes[0]
    t = node.op_type
    if t in ("Identity", "Dropout"):
        return x
    if t == "Reshape":
        target = [int(v) for v in values[node.inputs[1]].reshape(-1)] if len(node.inputs) > 1 and node.inputs[1] \
            else [int(v) for v in node.attrs["shape"]]
        allowzero = int(node.attrs.get("allowzero", 0))
        out = [x[i] if (v == 0 and not allowzero) else v for i, v in enumerate(target)]
        if -1 in out:
            known = int(np.prod([v for v in out if v != -1]))
            out[out.index(-1)] = int(np.prod(x)) // max(known, 1)
        return tuple(out)
    if t == "Flatten":
        axis = int(node.attrs.get("axis", 1))
        axis = axis + len(x) if axis < 0 else axis
        return (int(np.prod(x[:axis])), int(np.prod(x[axis:])))
    if t in ("Squeeze", "Unsqueeze"):
        axes = node.attrs.get("axes")
        if len(node.inputs) > 1 and node.inputs[1]:
            axes = [int(v) for v in values[node.inputs[1]].reshape(-1)]
        if t == "Squeeze":
            if not axes:
                return tuple(d for d in x if d != 1)
            axes = {a + len(x) if a < 0 else a for a in axes}
            return tuple(d for i, d in enumerate(x) if i not in axes)
        rank = len(x) + len(axes)
        axes = sorted(a + rank if a < 0 else a for a in axes)
        out, it = [], iter(x)
        for i in range(rank):
            out.append(1 if i in axes else next(it))
        return tuple(out)
    raise NotImplementedError(t)


def run_shape_step(step: Step, shapes: dict[str, tuple], values: dict[str, Any], opsets: dict[str, int]) -> None:
    for node in step.nodes:
        if node.op_type == "Shape" and node.domain == "":
            s = np.array(shapes[node.inputs[0]], dtype=np.int64)
            start, end = node.attrs.get("start", 0), node.attrs.get("end", None)
            out = s[start:end] if end is not None else s[start:]
        elif node.op_type == "Size" and node.domain == "":
            out = np.array(int(np.prod(shapes[node.inputs[0]])), dtype=np.int64)
        else:
            opset = node.opset or opsets.get(node.domain, 1)
            op = lookup(node.domain, node.op_type, opset)(node, opset)
            outs = op.run([values[i] if i else None for i in node.inputs])
            for name, v in zip(node.outputs, outs):
                if name:
                    values[name] = np.asarray(v)
                    shapes[name] = values[name].shape
            continue
        values[node.outputs[0]] = out
        shapes[node.outputs[0]] = out.shape


def _epilogue_params(step: Step, plan: KernelPlan, domain_shape: tuple[int, ...], shapes: dict[str, tuple]) -> list[int]:
    if not step.exprs:
        return []
    static_domain = step.params["domain"]
    ins = step.inputs if step.kind is StepKind.ELEMENTWISE else step.epilogue_inputs
    params = list(domain_shape)
    for v in ins:
        t = plan.types.get(v)
        if not (t is not None and same_shape_static(t.shape, static_domain)):
            params += bcast_strides(shapes[v], domain_shape)
    return params


def _static_dims(plan: KernelPlan, seg: Segment | None = None) -> list[tuple[str, int, tuple]]:
    """(value, rank, static dims) of every typed value the segment's kernels read or write (all of the
    plan's without a segment): what those kernels were specialised on. Cached on the plan."""
    cache = plan.__dict__.setdefault("_static_dims", {})
    key = None if seg is None else (seg.index, tuple(seg.steps))
    found = cache.get(key)
    if found is None:
        if seg is None:
            names = list(plan.types)
        else:
            names = list(dict.fromkeys(
                [v for k in seg.steps for s in (plan.steps[k],)
                 for v in (*s.inputs, *s.epilogue_inputs, *s.outputs, s.main_output) if v]
                + list(seg.args_in) + list(seg.args_out)))
        found = [(v, plan.types[v].rank, tuple(plan.types[v].shape)) for v in names
                 if v in plan.types and plan.types[v].shape is not None]
        cache[key] = found
    return found


def check_static_shapes(plan: KernelPlan, shapes: dict[str, tuple], seg: Segment | None = None) -> None:
    """Every bound shape must agree with the static type the plan was built on: its rank, its int
    dims, and one size per symbolic dim (kernels read an operand whose static shape equals the loop
    domain's linearly, and unroll on static dims). Shapes here come from the real inputs (declared
    intermediate shapes are never trusted), so a mismatch means inputs that disagree on a dim_param,
    an initializer fed with another shape, or an inference the real shapes contradict: an error that
    names the value, never a kernel reading out of bounds."""
    inputs = set(plan.inputs)
    symbols: dict[str, tuple[int, str]] = {}
    for v, rank, dims in _static_dims(plan, seg):
        real = shapes.get(v)
        if real is None:
            continue
        err = InvalidArgument if v in inputs else Fail
        if len(real) != rank:
            raise err(f"value {v!r} has shape {tuple(real)}, rank {len(real)}; the compiled plan assumed rank {rank} "
                      f"(shape {_show(dims)})")
        for i, (d, r) in enumerate(zip(dims, real)):
            if isinstance(d, int):
                if d != r:
                    raise err(f"value {v!r} has shape {tuple(real)}; the compiled plan assumed dim {i} = {d} "
                              f"(shape {_show(dims)})")
            elif isinstance(d, str) and d:
                seen = symbols.setdefault(d, (r, v))
                if seen[0] != r:
                    other = seen[1]
                    err = InvalidArgument if (v in inputs or other in inputs) else Fail
                    raise err(f"symbolic dim {d!r} is {seen[0]} in {other!r} {tuple(shapes[other])} but {r} in {v!r} "
                              f"{tuple(real)}; the compiled plan assumes values that share a dim name share its size")


def _show(dims: tuple) -> str:
    return "(" + ", ".join("?" if d is None else str(d) for d in dims) + ")"


def bind_segment(plan: KernelPlan, layout: Layout, seg: Segment, shapes: dict[str, tuple], values: dict[str, Any],
                 opsets: dict[str, int], shape_steps: list[Step]) -> SegmentBinding:
    """Shapes of everything the segment reads must be in `shapes`; fills in what it writes. Raises an
    onnxjit error (never lets a kernel run) when the real shapes contradict the plan."""
    try:
        binding = _bind_segment(plan, layout, seg, shapes, values, opsets, shape_steps)
    except OnnxJitError:
        raise
    except (ValueError, IndexError, KeyError, TypeError, ZeroDivisionError, OverflowError) as exc:
        raise Fail(f"cannot bind the compiled plan to these input shapes: {type(exc).__name__}: {exc}") \
            from exc
    check_static_shapes(plan, shapes, seg)  # before any of the segment's kernels runs
    return binding


def bind_segment_after(plan: KernelPlan, layout: Layout, seg: Segment, shapes: dict[str, tuple],
                       values: dict[str, Any], opsets: dict[str, int], shape_steps: list[Step],
                       computed: dict[str, Any]) -> SegmentBinding:
    """bind_segment once the earlier segments and host steps have computed `computed`: their real
    shapes replace the planned ones. The binding keeps the shapes and (non-constant) values it was
    bound at, which a kept binding is checked against before it is used again."""
    for name, v in computed.items():
        if isinstance(v, np.ndarray):
            shapes[name] = v.shape
    binding = bind_segment(plan, layout, seg, shapes, values, opsets, shape_steps)
    binding.shapes = dict(shapes)  # type: ignore[attr-defined]
    binding.values = {k: v for k, v in values.items() if k not in plan.constants}  # type: ignore[attr-defined]
    return binding


def _bind_segment(plan: KernelPlan, layout: Layout, seg: Segment, shapes: dict[str, tuple], values: dict[str, Any],
                  opsets: dict[str, int], shape_steps: list[Step]) -> SegmentBinding:
    step_params: dict[int, list[int]] = {}
    scratch: dict[str, int] = {}
    # shape steps run in plan order with the kernels: a Shape may read an intermediate's shape
    ids = {id(s) for s in shape_steps}
    order = sorted(set(seg.steps) | {i for i, s in enumerate(plan.steps) if id(s) in ids})
    for k in order:
        step = plan.steps[k]
        if step.kind is StepKind.SHAPE:
            run_shape_step(step, shapes, values, opsets)
            continue
        if step.kind is StepKind.VIEW:
            out = step.outputs[0]
            shapes[out] = view_shape(step, shapes[step.inputs[0]], values)
            t = plan.types.get(out)
            if t is not None and t.rank != len(shapes[out]):
                raise Fail(f"{step.nodes[0].op_type} node '{step.nodes[0].name}': output {out!r} has rank "
                                       f"{len(shapes[out])} for these input shapes; the compiled plan assumed rank {t.rank}")
            continue
        if step.kind is StepKind.ELEMENTWISE:
            domain = bcast_shape(*[shapes[i] for i in step.inputs])
            step_params[k] = _epilogue_params(step, plan, domain, shapes)
            for o in step.outputs:
                shapes[o] = domain
            continue
        main_shapes, params = bind_step(step, [shapes[i] if i else () for i in step.inputs], values)
        domain = main_shapes[0]
        shapes[step.main_output] = domain
        for o in step.outputs:
            shapes[o] = domain
        step_params[k] = _epilogue_params(step, plan, domain, shapes) + params
        if step.op == "conv":
            n, c, h, w, m, kh, kw, oh, ow = params[:9]
            g = params[15]
            dt = str(plan.types[step.inputs[0]].dtype)
            # an im2col band of RB output rows plus the band's product
            k_len = (c // g) * kh * kw
            rb = max(1, min(oh, CONV_TILE // max(k_len * ow, 1)))
            scratch[dt] = max(scratch.get(dt, 0), k_len * rb * ow)
    # parameter table: kernel offsets, then (offset, size) of located values, then kernel params
    nk = len(layout.kernel_index)
    header = [0] * (nk + 1 + 2 * len(layout.located))
    work: dict[str, int] = {}
    slot_size: dict[int, int] = {}
    for v, slot in plan.slots.items():
        if v in shapes:
            slot_size[slot] = max(slot_size.get(slot, 0), int(np.prod(shapes[v])))
    slot_offset: dict[int, int] = {}
    for slot in sorted(slot_size):
        v = next(x for x, s in plan.slots.items() if s == slot)
        dt = layout.dtypes[v]
        slot_offset[slot] = work.get(dt, 0)
        work[dt] = work.get(dt, 0) + slot_size[slot] + ((-slot_size[slot]) % 16)
    bind_parts: dict[str, list[np.ndarray]] = {}
    bind_size: dict[str, int] = {}
    for u, v in enumerate(layout.located):
        base = nk + 1 + 2 * u
        if layout.kind[v] == "work":
            if v in shapes:
                header[base], header[base + 1] = slot_offset[plan.slots[v]], int(np.prod(shapes[v]))
        elif v in values:
            arr = np.ascontiguousarray(values[v], dtype=layout.dtypes[v]).reshape(-1)
            dt = layout.dtypes[v]
            header[base], header[base + 1] = bind_size.get(dt, 0), arr.size
            bind_parts.setdefault(dt, []).append(arr)
            bind_size[dt] = bind_size.get(dt, 0) + arr.size
    flat: list[int] = []
    offsets = [0] * (nk + 1)
    for k, j in sorted(layout.kernel_index.items(), key=lambda kv: kv[1]):
        offsets[j] = len(header) + len(flat)
        flat += step_params.get(k, [])
        offsets[j + 1] = len(header) + len(flat)
    # kernels of other segments keep empty ranges
    for j in range(1, nk + 1):
        offsets[j] = max(offsets[j], offsets[j - 1])
    header[: nk + 1] = offsets
    P = np.array(header + flat, dtype=np.int64)
    bind_arrays = {dt: np.concatenate(parts) for dt, parts in bind_parts.items()}
    arg_shapes = {v: shapes[v] for v in seg.args_out if v in shapes}
    return SegmentBinding(P, work, bind_arrays, scratch, arg_shapes)
