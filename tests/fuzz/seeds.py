"""Seed models for the fuzzer: small, cheap to compile, covering the planner's fusion classes.

Each seed is a ModelProto (opset 17, with the value_info onnx shape inference gives it, so that the
mutators have declared shapes to corrupt) and a feed generator `feeds(rng) -> {name: array}`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
Feeds = Callable[[np.random.Generator], dict[str, np.ndarray]]


@dataclass(frozen=True)
class Seed:
    name: str
    model: onnx.ModelProto
    feeds: Feeds


def _vi(name: str, elem: int, shape: list) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, elem, shape)


def _model(name: str, nodes, inputs, outputs, inits=()) -> onnx.ModelProto:
    graph = helper.make_graph(nodes, name, inputs, outputs, initializer=list(inits))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], ir_version=8)
    return onnx.shape_inference.infer_shapes(model)


def _init(name: str, arr) -> onnx.TensorProto:
    return numpy_helper.from_array(np.asarray(arr), name)


def _f32(rng: np.random.Generator, *shape: int) -> np.ndarray:
    return rng.standard_normal(shape).astype(np.float32)


def elementwise() -> Seed:
    """A broadcasting elementwise chain with two outputs (one fused loop nest)."""
    nodes = [
        helper.make_node("Add", ["x", "y"], ["a"], name="add"),
        helper.make_node("Mul", ["a", "c"], ["m"], name="mul"),
        helper.make_node("Tanh", ["m"], ["t"], name="tanh"),
        helper.make_node("Sub", ["t", "z"], ["s"], name="sub"),
        helper.make_node("Abs", ["s"], ["out"], name="abs"),
        helper.make_node("Sigmoid", ["a"], ["out2"], name="sigmoid"),
    ]
    model = _model("elementwise", nodes,
                   [_vi("x", TensorProto.FLOAT, ["N", 3, 4]), _vi("y", TensorProto.FLOAT, [4]),
                    _vi("z", TensorProto.FLOAT, [1, 4])],
                   [_vi("out", TensorProto.FLOAT, ["N", 3, 4]), _vi("out2", TensorProto.FLOAT, ["N", 3, 4])],
                   [_init("c", np.array([[0.5], [1.5], [-2.0]], np.float32))])
    return Seed("elementwise", model, lambda rng: {"x": _f32(rng, 2, 3, 4), "y": _f32(rng, 4), "z": _f32(rng, 1, 4)})


def mlp() -> Seed:
    """MatMul + Add + Relu twice, then a Gemm with transB and alpha (template kernels, epilogues)."""
    rng = np.random.default_rng(1)
    nodes = [
        helper.make_node("MatMul", ["x", "w1"], ["h1"], name="mm1"),
        helper.make_node("Add", ["h1", "b1"], ["h1b"], name="add1"),
        helper.make_node("Relu", ["h1b"], ["r1"], name="relu1"),
        helper.make_node("MatMul", ["r1", "w2"], ["h2"], name="mm2"),
        helper.make_node("Add", ["h2", "b2"], ["h2b"], name="add2"),
        helper.make_node("Relu", ["h2b"], ["r2"], name="relu2"),
        helper.make_node("Gemm", ["r2", "w3", "b3"], ["out"], name="gemm", transB=1, alpha=0.5, beta=1.0),
    ]
    model = _model("mlp", nodes, [_vi("x", TensorProto.FLOAT, ["N", 8])], [_vi("out", TensorProto.FLOAT, ["N", 4])],
                   [_init("w1", _f32(rng, 8, 16)), _init("b1", _f32(rng, 16)), _init("w2", _f32(rng, 16, 8)),
                    _init("b2", _f32(rng, 8)), _init("w3", _f32(rng, 4, 8)), _init("b3", _f32(rng, 4))])
    return Seed("mlp", model, lambda rng: {"x": _f32(rng, 3, 8)})


def conv() -> Seed:
    """Conv + BatchNormalization + Relu + MaxPool."""
    rng = np.random.default_rng(2)
    nodes = [
        helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["c", "scale", "bias", "mean", "var"], ["bn"], name="bn",
                         epsilon=1e-5),
        helper.make_node("Relu", ["bn"], ["r"], name="relu"),
        helper.make_node("MaxPool", ["r"], ["out"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
    ]
    model = _model("conv", nodes, [_vi("x", TensorProto.FLOAT, ["N", 3, 8, 8])],
                   [_vi("out", TensorProto.FLOAT, ["N", 4, 4, 4])],
                   [_init("w", _f32(rng, 4, 3, 3, 3)), _init("b", _f32(rng, 4)),
                    _init("scale", rng.uniform(0.5, 1.5, 4).astype(np.float32)), _init("bias", _f32(rng, 4)),
                    _init("mean", _f32(rng, 4)), _init("var", rng.uniform(0.5, 1.5, 4).astype(np.float32))])
    return Seed("conv", model, lambda rng: {"x": _f32(rng, 1, 3, 8, 8)})


def norms() -> Seed:
    """Softmax, LayerNormalization and ReduceMean (reductions with fused producers/consumers)."""
    rng = np.random.default_rng(3)
    nodes = [
        helper.make_node("Softmax", ["x"], ["sm"], name="softmax", axis=-1),
        helper.make_node("LayerNormalization", ["x", "gamma", "beta"], ["ln"], name="layernorm", axis=-1,
                         epsilon=1e-5),
        helper.make_node("Add", ["sm", "ln"], ["s"], name="add"),
        helper.make_node("ReduceMean", ["s"], ["out"], name="mean", axes=[1], keepdims=1),
    ]
    model = _model("norms", nodes, [_vi("x", TensorProto.FLOAT, [2, "S", 6])],
                   [_vi("out", TensorProto.FLOAT, [2, 1, 6]), _vi("sm", TensorProto.FLOAT, [2, "S", 6])],
                   [_init("gamma", rng.uniform(0.5, 1.5, 6).astype(np.float32)), _init("beta", _f32(rng, 6))])
    return Seed("norms", model, lambda rng: {"x": _f32(rng, 2, 5, 6)})


def indexing() -> Seed:
    """Transpose, Reshape, Slice, Gather (constant and fed indices), Concat (index maps and copies)."""
    nodes = [
        helper.make_node("Transpose", ["x"], ["t"], name="transpose", perm=[0, 2, 1]),
        helper.make_node("Reshape", ["t", "shape"], ["r"], name="reshape"),
        helper.make_node("Slice", ["r", "starts", "ends", "axes"], ["s"], name="slice"),
        helper.make_node("Gather", ["s", "idx"], ["g"], name="gather", axis=1),
        helper.make_node("Gather", ["x", "fed_idx"], ["g2"], name="gather_fed", axis=2),
        helper.make_node("Concat", ["s", "s"], ["c"], name="concat", axis=0),
    ]
    model = _model("indexing", nodes,
                   [_vi("x", TensorProto.FLOAT, [2, 3, 4]), _vi("fed_idx", TensorProto.INT64, [3])],
                   [_vi("g", TensorProto.FLOAT, [2, 2, 2]), _vi("c", TensorProto.FLOAT, [4, 8]),
                    _vi("g2", TensorProto.FLOAT, [2, 3, 3])],
                   [_init("shape", np.array([2, -1], np.int64)), _init("starts", np.array([1], np.int64)),
                    _init("ends", np.array([9], np.int64)), _init("axes", np.array([1], np.int64)),
                    _init("idx", np.array([[0, 3], [5, 7]], np.int64))])
    return Seed("indexing", model, lambda rng: {"x": _f32(rng, 2, 3, 4),
                                                "fed_idx": rng.integers(-4, 4, 3).astype(np.int64)})


def casts() -> Seed:
    """Cast between float, int32, double and bool, Where and comparisons."""
    nodes = [
        helper.make_node("Mul", ["x", "ten"], ["x10"], name="scale"),
        helper.make_node("Cast", ["x10"], ["xi"], name="to_int", to=TensorProto.INT32),
        helper.make_node("Add", ["xi", "one"], ["xi1"], name="add_int"),
        helper.make_node("Cast", ["xi1"], ["xf"], name="to_float", to=TensorProto.FLOAT),
        helper.make_node("Cast", ["xf"], ["out_d"], name="to_double", to=TensorProto.DOUBLE),
        helper.make_node("Greater", ["xf", "x"], ["gt"], name="greater"),
        helper.make_node("Where", ["gt", "xf", "x"], ["out"], name="where"),
        helper.make_node("Cast", ["gt"], ["out_b"], name="to_uint8", to=TensorProto.UINT8),
    ]
    model = _model("casts", nodes, [_vi("x", TensorProto.FLOAT, ["N", 4])],
                   [_vi("out", TensorProto.FLOAT, ["N", 4]), _vi("out_d", TensorProto.DOUBLE, ["N", 4]),
                    _vi("out_b", TensorProto.UINT8, ["N", 4])],
                   [_init("ten", np.array(10, np.float32)), _init("one", np.array([1], np.int32))])
    return Seed("casts", model, lambda rng: {"x": _f32(rng, 3, 4)})


SEEDS: list[Seed] = [elementwise(), mlp(), conv(), norms(), indexing(), casts()]
