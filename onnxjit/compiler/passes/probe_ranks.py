"""Rank probe: ranks for values whose shape onnx's inference could not determine.

onnx's inference loses the rank of a Reshape whose target shape is computed from the input's shape
(Shape -> Gather -> Div -> Cast -> Concat ..., as torch's exporter writes attention) when the input has
symbolic dims. The rank of such a value almost never depends on the dims' values, so this pass runs
the values' ancestors once with the reference kernels on a small input whose symbolic dims are pinned
to distinct numbers, and records for each unknown value only its dtype and rank (every dim unknown).
Integer and boolean inputs are fed ones, which are not their values: a node that reads an integer or
boolean value computed from them may give another rank for real data (ReduceSum's axes, Reshape's target, Slice's
bounds fed at run time), so its outputs' ranks are not recorded, unless the op's output ranks follow
from its inputs' ranks alone (elementwise ops, Gather, Shape, Size).
Compiled kernels then specialise on that rank; sizes come from the real shapes at bind time, where a
rank that does not hold raises an error naming the value.
"""
from __future__ import annotations

import warnings

import numpy as np
from onnx import TypeProto, helper

from onnxjit.compiler.dtypes import to_numpy_dtype
from onnxjit.compiler.ir import Graph, ValueInfo, subgraphs, topological_order
from onnxjit.compiler.ops.registry import Fusion, lookup

PROBE_DIMS = (3, 5, 7, 11, 13, 17, 19, 23)
MAX_PROBE_ELEMENTS = 1 << 22
_SHAPE_READERS = frozenset({"Shape", "Size"})  # read an input's shape, never its values
_RANK_FROM_RANKS = _SHAPE_READERS | {"Gather", "GatherElements", "Identity"}


def _tensor_known(vi: ValueInfo | None) -> bool:
    return vi is not None and vi.shape is not None


def _probe_feeds(graph: Graph) -> dict[str, np.ndarray] | None:
    pinned: dict[str, int] = {}
    feeds: dict[str, np.ndarray] = {}
    for vi in graph.inputs:
        if vi.name in graph.initializers:
            continue
        if vi.shape is None or vi.elem_type is None:
            return None
        dims = []
        for k, d in enumerate(vi.shape):
            if isinstance(d, int) and d > 0:
                dims.append(d)
            else:
                key = d if isinstance(d, str) and d else f"{vi.name}:{k}"
                dims.append(pinned.setdefault(key, PROBE_DIMS[len(pinned) % len(PROBE_DIMS)]))
        if int(np.prod(dims)) > MAX_PROBE_ELEMENTS:
            return None
        try:
            feeds[vi.name] = np.ones(dims, dtype=to_numpy_dtype(vi.elem_type))
        except ValueError:
            return None
    return feeds


def probe_ranks(graph: Graph, opsets: dict[str, int]) -> int:
    """Fill in the rank of unknown top-level tensors in place. Returns how many it filled."""
    known = {n for n, vi in graph.value_info.items() if _tensor_known(vi)}
    outputs = [vi for vi in graph.outputs if vi.name not in graph.value_info]  # declared: see shape_inference.py
    known |= {vi.name for vi in graph.inputs + outputs if _tensor_known(vi)} | set(graph.initializers)
    missing = {o for n in graph.nodes for o in n.outputs if o and o not in known}
    if not missing:
        return 0
    producers = graph.producers()
    needed: set[int] = set()
    stack = [producers[m] for m in missing if m in producers]
    while stack:
        node = stack.pop()
        if id(node) in needed:
            continue
        needed.add(id(node))
        stack += [producers[i] for i in node.inputs if i in producers]
    feeds = _probe_feeds(graph)
    if feeds is None:
        return 0
    values: dict[str, object] = {**graph.initializers, **feeds}
    # values whose contents stand in for data the probe does not have (see the module docstring)
    made_up = {n for n, v in feeds.items() if not np.issubdtype(v.dtype, np.floating)}
    filled = 0
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for node in topological_order(graph):
            if id(node) not in needed:
                continue
            opset = node.opset or opsets.get(node.domain, 1)
            cls = lookup(node.domain, node.op_type, opset)
            if cls is None or subgraphs(node) or any(i and i not in values for i in node.inputs):
                continue
            try:
                outs = cls(node, opset).run([values[i] if i else None for i in node.inputs])
            except Exception:  # noqa: BLE001 - the probe is advisory; run time names real errors
                continue
            reads_made_up = any(i in made_up for i in node.inputs)
            rank_unsure = reads_made_up and node.op_type not in _RANK_FROM_RANKS \
                and cls.fusion is not Fusion.ELEMENTWISE
            for name, val in zip(node.outputs, outs):
                if isinstance(val, np.generic):
                    val = np.asarray(val)
                if not name or not isinstance(val, np.ndarray):
                    continue
                if reads_made_up and node.op_type not in _SHAPE_READERS \
                        and not np.issubdtype(val.dtype, np.floating):
                    made_up.add(name)  # float results of made-up data decide no rank downstream
                values[name] = val
                if name in missing and not rank_unsure:
                    graph.value_info[name] = ValueInfo(name, _rank_only_type(val))
                    filled += 1
    return filled


def _rank_only_type(val: np.ndarray) -> TypeProto:
    t = TypeProto()
    t.tensor_type.elem_type = helper.np_dtype_to_tensor_dtype(val.dtype)
    shape = t.tensor_type.shape
    for _ in range(val.ndim):
        shape.dim.add()
    return t
