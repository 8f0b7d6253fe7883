"""Deterministic mutations of a ModelProto and of its serialized bytes.

`make_mutant(run_seed, index)` picks a seed model and one to three mutations from a `random.Random`
seeded with (run_seed, index), so a mutant is reproduced from those two numbers alone. Every mutation
returns a short description of what it did. Sizes stay small: a dim the fuzzer creates for data that
is really allocated is at most `SMALL_DIM`; huge values go only where nothing is allocated from them
(declared shapes, initializer dims that disagree with their data, attributes whose result would be
refused long before a buffer of that size is filled).
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Callable

import onnx
from onnx import AttributeProto, TensorProto, helper

from tests.fuzz.seeds import SEEDS

SMALL_DIM = 9
HUGE = [2**31 - 1, 2**31, 2**40, 2**62, 2**63 - 1]
ODD_INTS = [-(2**63), -(2**31), -100, -17, -3, -2, -1, 0, 1, 2, 3, 5, 17, 100] + HUGE
ODD_FLOATS = [math.inf, -math.inf, math.nan, 0.0, -0.0, 1e-45, 1e38, 3.4e38, -1.0, 0.5, 2.0, 1e300]
ELEM_TYPES = [t for t in range(1, 17)] + [0, 17, 18, 19, 20, 21, 22, 23, 99, 999, -1]
COMMON_TYPES = [TensorProto.FLOAT, TensorProto.DOUBLE, TensorProto.INT64, TensorProto.INT32, TensorProto.BOOL,
                TensorProto.UINT8, TensorProto.INT8, TensorProto.FLOAT16, TensorProto.STRING]

BINARY = ["Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Equal", "Less", "Greater", "And", "Or", "Mod",
          "MatMul", "PRelu", "BitShift", "Sum", "Mean"]
UNARY = ["Relu", "Sigmoid", "Tanh", "Exp", "Log", "Abs", "Neg", "Sqrt", "Reciprocal", "Not", "Identity",
         "Floor", "Ceil", "Erf", "Sign", "Softmax", "LogSoftmax", "Flatten", "Squeeze", "Unsqueeze",
         "ReduceSum", "ReduceMax", "ArgMax", "Transpose", "Shape", "Size", "IsNaN", "HardSigmoid",
         "LeakyRelu", "Elu", "Selu", "Softplus", "Round", "Cos", "GlobalAveragePool", "NonZero"]
OTHER = ["Conv", "MaxPool", "AveragePool", "BatchNormalization", "LayerNormalization", "Gemm", "Gather",
         "Slice", "Reshape", "Concat", "Where", "Cast", "Expand", "Tile", "Pad", "Clip", "Split",
         "NoSuchOp", "", "add", "LRN", "InstanceNormalization", "GatherElements", "Einsum", "TopK"]


@dataclass
class Mutant:
    run_seed: int
    index: int
    seed_name: str
    data: bytes
    steps: list[str] = field(default_factory=list)

    @property
    def description(self) -> str:
        return f"{self.seed_name}: " + "; ".join(self.steps)


# --- helpers -----------------------------------------------------------------------------------

def _value_infos(m: onnx.ModelProto) -> list[tuple[str, onnx.ValueInfoProto]]:
    g = m.graph
    return ([("input", v) for v in g.input] + [("output", v) for v in g.output]
            + [("value_info", v) for v in g.value_info])


def _pick(rng: random.Random, items):
    items = list(items)
    return rng.choice(items) if items else None


def _all_value_names(m: onnx.ModelProto) -> list[str]:
    names = [v.name for v in m.graph.input] + [t.name for t in m.graph.initializer]
    for n in m.graph.node:
        names += list(n.output)
    return names


# --- mutations over the ModelProto ------------------------------------------------------------

def mutate_dim(rng: random.Random, m: onnx.ModelProto) -> str:
    where, vi = _pick(rng, _value_infos(m))
    tt = vi.type.tensor_type
    if not tt.HasField("shape"):
        return "no shape to change"
    dims = tt.shape.dim
    choice = rng.random()
    if choice < 0.15 or not len(dims):
        tt.shape.dim.add().dim_value = rng.randint(1, 4)
        return f"{where} {vi.name!r}: rank +1"
    if choice < 0.25:
        del dims[rng.randrange(len(dims))]
        return f"{where} {vi.name!r}: rank -1"
    if choice < 0.3:
        tt.ClearField("shape")
        return f"{where} {vi.name!r}: shape removed"
    k = rng.randrange(len(dims))
    r = rng.random()
    if r < 0.4:
        value = rng.randint(0, SMALL_DIM)
    elif r < 0.6:
        value = rng.choice([-1, -2, -(2**31)])
    elif r < 0.75:
        value = rng.choice(HUGE)
    else:
        value = None
    if value is None:
        dims[k].dim_param = rng.choice(["N", "S", "fresh", "", "1"])
        return f"{where} {vi.name!r}: dim {k} -> param {dims[k].dim_param!r}"
    dims[k].dim_value = value
    return f"{where} {vi.name!r}: dim {k} -> {value}"


def mutate_elem_type(rng: random.Random, m: onnx.ModelProto) -> str:
    where, vi = _pick(rng, _value_infos(m))
    t = rng.choice(ELEM_TYPES if rng.random() < 0.3 else COMMON_TYPES)
    vi.type.tensor_type.elem_type = t
    return f"{where} {vi.name!r}: elem_type -> {t}"


def drop_or_duplicate(rng: random.Random, m: onnx.ModelProto) -> str:
    g = m.graph
    field_name = rng.choice(["input", "output", "node", "initializer", "value_info"])
    seq = getattr(g, field_name)
    if not len(seq):
        return f"no {field_name}"
    k = rng.randrange(len(seq))
    if rng.random() < 0.6:
        name = getattr(seq[k], "name", "")
        del seq[k]
        return f"drop {field_name}[{k}] {name!r}"
    seq.add().CopyFrom(seq[k])
    return f"duplicate {field_name}[{k}] {getattr(seq[k], 'name', '')!r}"


def rename(rng: random.Random, m: onnx.ModelProto) -> str:
    g = m.graph
    new = rng.choice(["renamed", "", "x", "out", "a b", "ünï", "0", "y\n"])
    kind = rng.choice(["input", "output", "node_output", "initializer"])
    if kind == "node_output":
        node = _pick(rng, g.node)
        if node is None or not node.output:
            return "no node"
        k = rng.randrange(len(node.output))
        old, node.output[k] = node.output[k], new
        return f"node {node.name!r} output {old!r} -> {new!r}"
    seq = getattr(g, kind)
    if not len(seq):
        return f"no {kind}"
    item = rng.choice(list(seq))
    old, item.name = item.name, new
    return f"{kind} {old!r} -> {new!r}"


def break_input_name(rng: random.Random, m: onnx.ModelProto) -> str:
    node = _pick(rng, m.graph.node)
    if node is None or not node.input:
        return "no node input"
    k = rng.randrange(len(node.input))
    later = [o for n in m.graph.node for o in n.output]
    new = rng.choice(["", "ghost", node.output[0] if node.output else "self"] + later + _all_value_names(m))
    old = node.input[k]
    if rng.random() < 0.2:
        node.input.append(new)
        return f"node {node.name!r}: extra input {new!r}"
    if rng.random() < 0.15:
        del node.input[k]
        return f"node {node.name!r}: input {k} {old!r} removed"
    node.input[k] = new
    return f"node {node.name!r}: input {k} {old!r} -> {new!r}"


def _odd_attribute(rng: random.Random, name: str, like: AttributeProto | None) -> AttributeProto:
    r = rng.random()
    if like is not None and like.type == AttributeProto.INT and r < 0.5:
        return helper.make_attribute(name, rng.choice(ODD_INTS))
    if like is not None and like.type == AttributeProto.FLOAT and r < 0.5:
        return helper.make_attribute(name, rng.choice(ODD_FLOATS))
    if like is not None and like.type == AttributeProto.INTS and r < 0.6:
        n = rng.choice([0, 1, len(like.ints), len(like.ints), len(like.ints) + 1, 8])
        attr = helper.make_attribute(name, [rng.choice(ODD_INTS[:14]) for _ in range(n)])
        if n and rng.random() < 0.3:
            attr.ints[rng.randrange(n)] = rng.choice(HUGE)
        if n == 0:
            attr.type = AttributeProto.INTS
        return attr
    kind = rng.choice(["int", "float", "string", "ints", "floats", "tensor", "empty"])
    if kind == "int":
        return helper.make_attribute(name, rng.choice(ODD_INTS))
    if kind == "float":
        return helper.make_attribute(name, rng.choice(ODD_FLOATS))
    if kind == "string":
        return helper.make_attribute(name, rng.choice(["", "abc", "NOTSET", "SAME_UPPER", "inf"]))
    if kind == "ints":
        return helper.make_attribute(name, [rng.choice(ODD_INTS[:14]) for _ in range(rng.randint(1, 4))])
    if kind == "floats":
        return helper.make_attribute(name, [rng.choice(ODD_FLOATS) for _ in range(rng.randint(1, 3))])
    if kind == "tensor":
        return helper.make_attribute(name, helper.make_tensor("t", TensorProto.FLOAT, [2], [1.0, math.nan]))
    attr = AttributeProto()
    attr.name = name
    attr.type = rng.choice([AttributeProto.UNDEFINED, AttributeProto.INTS, AttributeProto.GRAPH])
    return attr


KNOWN_ATTRS = ["axis", "axes", "perm", "keepdims", "epsilon", "alpha", "beta", "transA", "transB", "to",
               "kernel_shape", "pads", "strides", "dilations", "group", "auto_pad", "momentum",
               "storage_order", "ceil_mode", "stash_type", "noop_with_empty_axes", "bogus"]


def mutate_attribute(rng: random.Random, m: onnx.ModelProto) -> str:
    node = _pick(rng, m.graph.node)
    if node is None:
        return "no node"
    r = rng.random()
    if node.attribute and r < 0.6:
        k = rng.randrange(len(node.attribute))
        old = node.attribute[k]
        new = _odd_attribute(rng, old.name, old)
        node.attribute[k].CopyFrom(new)
        return f"node {node.name!r}: attribute {old.name!r} -> {onnx.helper.printable_attribute(new)}"
    if node.attribute and r < 0.75:
        k = rng.randrange(len(node.attribute))
        name = node.attribute[k].name
        del node.attribute[k]
        return f"node {node.name!r}: attribute {name!r} removed"
    name = rng.choice(KNOWN_ATTRS)
    if any(a.name == name for a in node.attribute) and rng.random() < 0.5:
        node.attribute.add().CopyFrom(_odd_attribute(rng, name, None))
        return f"node {node.name!r}: attribute {name!r} duplicated"
    new = _odd_attribute(rng, name, None)
    for a in list(node.attribute):
        if a.name == name:
            node.attribute.remove(a)
    node.attribute.append(new)
    return f"node {node.name!r}: attribute added {onnx.helper.printable_attribute(new)}"


def swap_op(rng: random.Random, m: onnx.ModelProto) -> str:
    node = _pick(rng, m.graph.node)
    if node is None:
        return "no node"
    pool = BINARY if len(node.input) == 2 else UNARY if len(node.input) == 1 else OTHER
    if rng.random() < 0.25:
        pool = BINARY + UNARY + OTHER
    old, node.op_type = node.op_type, rng.choice(pool)
    if rng.random() < 0.2:
        node.domain = rng.choice(["com.microsoft", "ai.onnx.ml", "bogus.domain", "ai.onnx"])
        return f"node {node.name!r}: {old} -> {node.domain}::{node.op_type}"
    return f"node {node.name!r}: {old} -> {node.op_type}"


def mutate_initializer(rng: random.Random, m: onnx.ModelProto) -> str:
    t = _pick(rng, m.graph.initializer)
    if t is None:
        return "no initializer"
    arr = onnx.numpy_helper.to_array(t)
    r = rng.random()
    if r < 0.3:  # new values, same shape and dtype (odd ones among them)
        flat = arr.reshape(-1).copy()
        for _ in range(max(1, flat.size // 3)):
            if not flat.size:
                break
            k = rng.randrange(flat.size)
            if flat.dtype.kind == "f":
                flat[k] = rng.choice(ODD_FLOATS[:8] + [rng.uniform(-3, 3)])
            elif flat.dtype.kind in "iu":
                info = __import__("numpy").iinfo(flat.dtype)
                flat[k] = max(info.min, min(info.max, rng.choice(ODD_INTS[:14] + [info.max, info.min])))
            else:
                flat[k] = not flat[k]
        t.CopyFrom(onnx.numpy_helper.from_array(flat.reshape(arr.shape), t.name))
        return f"initializer {t.name!r}: values changed to {flat.tolist()[:8]}"
    if r < 0.5:  # dims that disagree with the data (some huge: never allocated from)
        dims = list(t.dims)
        choice = rng.random()
        if choice < 0.3 or not dims:
            dims.append(rng.randint(1, 3))
        elif choice < 0.5:
            dims.pop(rng.randrange(len(dims)))
        else:
            dims[rng.randrange(len(dims))] = rng.choice([0, 1, 2, 5, -1] + HUGE)
        del t.dims[:]
        t.dims.extend(dims)
        return f"initializer {t.name!r}: dims -> {dims}"
    if r < 0.65:  # another data_type over the same bytes
        new = rng.choice(ELEM_TYPES if rng.random() < 0.3 else COMMON_TYPES)
        if not t.raw_data:
            t.CopyFrom(onnx.numpy_helper.from_array(arr, t.name))
        t.data_type = new
        return f"initializer {t.name!r}: data_type -> {new} (same bytes)"
    if r < 0.8:  # raw data of the wrong length
        raw = onnx.numpy_helper.from_array(arr, t.name).raw_data
        cut = rng.choice([0, 1, len(raw) // 2, max(0, len(raw) - 1), len(raw) + 3, 2 * len(raw)])
        t.ClearField("float_data")
        t.ClearField("int64_data")
        t.ClearField("int32_data")
        t.raw_data = (raw * 3)[:cut]
        return f"initializer {t.name!r}: raw_data {len(raw)} -> {cut} bytes"
    if r < 0.9:  # typed fields instead of raw data, possibly too short
        t.ClearField("raw_data")
        values = arr.reshape(-1).tolist()
        values = values[: rng.choice([len(values), max(0, len(values) - 1), 0])]
        if arr.dtype.kind == "f":
            t.float_data.extend(values) if arr.dtype.itemsize == 4 else t.double_data.extend(values)
        elif arr.dtype.itemsize == 8:
            t.int64_data.extend(int(v) for v in values)
        else:
            t.int32_data.extend(int(v) for v in values)
        return f"initializer {t.name!r}: typed data with {len(values)} of {arr.size} values"
    t.data_location = TensorProto.EXTERNAL
    entries = {"location": rng.choice(["missing.bin", "../../etc/passwd", "/dev/zero", "", "."]),
               "offset": rng.choice(["0", "-1", "abc", str(2**62)]),
               "length": rng.choice(["4", "-5", "x", str(2**62)])}
    for k, v in entries.items():
        t.external_data.add(key=k, value=v)
    return f"initializer {t.name!r}: external data {entries}"


def reshape_initializer(rng: random.Random, m: onnx.ModelProto) -> str:
    """A new shape with data that fits it (a Conv weight with other channels, a LayerNorm bias of
    shape [1] or [0], a Gather index matrix of another rank...): shapes disagree between values, not
    between a tensor and its own data."""
    import numpy as np

    t = _pick(rng, m.graph.initializer)
    if t is None:
        return "no initializer"
    arr = onnx.numpy_helper.to_array(t)
    dims = list(arr.shape)
    r = rng.random()
    if r < 0.1:
        dims = []
    elif r < 0.2 and dims:
        dims.pop(rng.randrange(len(dims)))
    elif r < 0.3:
        dims.insert(rng.randint(0, len(dims)), 1)
    elif dims:
        k = rng.randrange(len(dims))
        dims[k] = min(SMALL_DIM, max(0, rng.choice([dims[k] - 1, dims[k] + 1, 1, 0, 2 * dims[k]])))
    if int(np.prod(dims, dtype=np.int64)) > 4096:
        return f"initializer {t.name!r}: reshape to {dims} skipped (too big)"
    gen = np.random.default_rng(rng.randrange(2**32))
    if arr.dtype.kind == "f":
        new = gen.standard_normal(dims).astype(arr.dtype)
    elif arr.dtype.kind in "iu":
        new = gen.integers(-3 if arr.dtype.kind == "i" else 0, 10, dims).astype(arr.dtype)
    else:
        new = gen.random(dims) < 0.5
    t.CopyFrom(onnx.numpy_helper.from_array(np.asarray(new), t.name))
    return f"initializer {t.name!r}: {list(arr.shape)} -> {dims} (data to match: {np.asarray(new).ravel()[:6].tolist()})"


def mutate_opset(rng: random.Random, m: onnx.ModelProto) -> str:
    r = rng.random()
    if r < 0.6:
        version = rng.choice([1, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16, 18, 19, 20, 21, 22, 23, 24, 30, 999, 0, -1])
        for op in m.opset_import:
            if op.domain in ("", "ai.onnx"):
                op.version = version
        return f"default opset -> {version}"
    if r < 0.75:
        for op in list(m.opset_import):
            if op.domain in ("", "ai.onnx"):
                m.opset_import.remove(op)
        return "default opset removed"
    if r < 0.85:
        m.opset_import.add(domain=rng.choice(["", "bogus", "com.microsoft"]), version=rng.choice([1, 17, 999]))
        return f"opset import added {m.opset_import[-1].domain!r}:{m.opset_import[-1].version}"
    m.ir_version = rng.choice([0, 1, 3, 4, 7, 9, 10, 11, 12, 99])
    return f"ir_version -> {m.ir_version}"


def add_value_info(rng: random.Random, m: onnx.ModelProto) -> str:
    names = [o for n in m.graph.node for o in n.output] + [v.name for v in m.graph.input]
    name = _pick(rng, names)
    if name is None:
        return "no value"
    rank = rng.randint(0, 4)
    dims = [rng.choice([1, 2, 3, 4, 8, 0, -1, "D"] + HUGE[:2]) for _ in range(rank)]
    elem = rng.choice(COMMON_TYPES[:4] * 3 + ELEM_TYPES)
    for v in list(m.graph.value_info):
        if v.name == name and rng.random() < 0.7:
            m.graph.value_info.remove(v)
    m.graph.value_info.append(helper.make_tensor_value_info(name, elem, dims))
    return f"value_info {name!r}: {elem} {dims}"


def mutate_constant_use(rng: random.Random, m: onnx.ModelProto) -> str:
    """Turn an initializer into a Constant node (or a value into a Constant of an odd shape)."""
    t = _pick(rng, m.graph.initializer)
    if t is None:
        return "no initializer"
    m.graph.initializer.remove(t)
    node = helper.make_node("Constant", [], [t.name], name=f"const_{t.name}")
    if rng.random() < 0.5:
        node.attribute.append(helper.make_attribute("value", t))
        m.graph.node.insert(0, node)
        return f"initializer {t.name!r} -> Constant node"
    value = rng.choice([helper.make_attribute("value_float", rng.choice(ODD_FLOATS)),
                        helper.make_attribute("value_ints", [1, 2, 3]),
                        helper.make_attribute("value_int", rng.choice(ODD_INTS)),
                        helper.make_attribute("value_string", "s")])
    node.attribute.append(value)
    m.graph.node.insert(rng.randrange(len(m.graph.node) + 1), node)
    return f"initializer {t.name!r} -> Constant({onnx.helper.printable_attribute(value)})"


def shuffle_nodes(rng: random.Random, m: onnx.ModelProto) -> str:
    nodes = list(m.graph.node)
    rng.shuffle(nodes)
    del m.graph.node[:]
    m.graph.node.extend(nodes)
    return "nodes shuffled (not in topological order)"


PROTO_MUTATIONS: list[tuple[float, Callable[[random.Random, onnx.ModelProto], str]]] = [
    (3.0, mutate_dim), (1.5, mutate_elem_type), (1.5, drop_or_duplicate), (1.0, rename), (1.5, break_input_name),
    (3.0, mutate_attribute), (1.5, swap_op), (2.5, mutate_initializer), (2.0, reshape_initializer),
    (1.0, mutate_opset),
    (1.5, add_value_info), (0.7, mutate_constant_use), (0.4, shuffle_nodes),
]


# --- mutations over the bytes -----------------------------------------------------------------

def mutate_bytes(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    r = rng.random()
    if r < 0.35:
        cut = rng.randrange(len(data) + 1)
        return data[:cut], f"bytes truncated to {cut} of {len(data)}"
    if r < 0.8:
        buf = bytearray(data)
        spots = [rng.randrange(len(buf)) for _ in range(rng.randint(1, 4))]
        for k in spots:
            buf[k] = rng.randrange(256)
        return bytes(buf), f"bytes changed at {spots}"
    k = rng.randrange(len(data) + 1)
    junk = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
    return data[:k] + junk + data[k:], f"{len(junk)} bytes inserted at {k}"


# --- a mutant ---------------------------------------------------------------------------------

def make_mutant(run_seed: int, index: int) -> Mutant:
    rng = random.Random(f"{run_seed}:{index}")
    seed = SEEDS[index % len(SEEDS)] if rng.random() < 0.5 else rng.choice(SEEDS)
    model = onnx.ModelProto()
    model.CopyFrom(seed.model)
    mutant = Mutant(run_seed, index, seed.name, b"")
    weights = [w for w, _ in PROTO_MUTATIONS]
    n = rng.choices([1, 2, 3], weights=[6, 3, 1])[0]
    for _ in range(n):
        fn = rng.choices([f for _, f in PROTO_MUTATIONS], weights=weights)[0]
        try:
            mutant.steps.append(fn(rng, model))
        except Exception as exc:  # noqa: BLE001 - a mutation the proto refuses: say so, keep going
            mutant.steps.append(f"{fn.__name__} refused: {exc!r}")
    try:
        data = model.SerializeToString()
    except Exception as exc:  # noqa: BLE001
        mutant.steps.append(f"serialize refused ({exc!r}): seed bytes instead")
        data = seed.model.SerializeToString()
    if rng.random() < 0.08:
        data, step = mutate_bytes(rng, data)
        mutant.steps.append(step)
    mutant.data = data
    return mutant
