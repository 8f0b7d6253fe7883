"""TreeEnsembleClassifier (ai.onnx.ml) against onnxruntime: forests of leaf-only trees (each tree a
single leaf, as a boosted model trained on a constant target has), binary and multiclass, under the
NONE / LOGISTIC / SOFTMAX / SOFTMAX_ZERO post-transforms, with and without base values."""
from __future__ import annotations

import warnings

import numpy as np
import onnxruntime
import pytest
from onnx import ModelProto, TensorProto, helper

import onnxjit

X = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)


def leaf_forest(weights: list[list[float]], class_ids: list[int], n_classes: int, post: str,
                base: list[float] | None = None, string_labels: bool = False) -> ModelProto:
    """One leaf-only tree per row of `weights`; leaf t votes weights[t][j] for class class_ids[j]."""
    n = len(weights)
    leaf = dict(nodes_treeids=list(range(n)), nodes_nodeids=[0] * n, nodes_featureids=[0] * n,
                nodes_values=[0.0] * n, nodes_modes=["LEAF"] * n, nodes_truenodeids=[0] * n,
                nodes_falsenodeids=[0] * n)
    votes = dict(class_treeids=[t for t in range(n) for _ in class_ids],
                 class_nodeids=[0] * (n * len(class_ids)),
                 class_ids=[c for _ in range(n) for c in class_ids],
                 class_weights=[w for row in weights for w in row])
    labels = ({"classlabels_strings": [f"c{i}" for i in range(n_classes)]} if string_labels
              else {"classlabels_int64s": list(range(10, 10 + n_classes))})
    extra = {"base_values": base} if base is not None else {}
    node = helper.make_node("TreeEnsembleClassifier", ["X"], ["label", "probabilities"], domain="ai.onnx.ml",
                            name="forest", post_transform=post, **leaf, **votes, **labels, **extra)
    graph = helper.make_graph(
        [node], "leaf_forest", [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, 3])],
        [helper.make_tensor_value_info("label", TensorProto.STRING if string_labels else TensorProto.INT64, [None]),
         helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, n_classes])])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", 3)],
                             ir_version=8)


def _compare(model: ModelProto) -> None:
    expected = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, {"X": X})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = onnxjit.InferenceSession(model.SerializeToString(), providers=["NumbaExecutionProvider"]).run(None, {"X": X})
    np.testing.assert_array_equal(got[0], expected[0])
    assert got[1].dtype == expected[1].dtype == np.float32
    np.testing.assert_allclose(got[1], expected[1], rtol=1e-6, atol=1e-6)


POSTS = ["NONE", "LOGISTIC", "SOFTMAX", "SOFTMAX_ZERO"]


@pytest.mark.parametrize("post", POSTS)
@pytest.mark.parametrize("weights", [[[0.3], [0.1]], [[0.7]], [[-0.4], [0.2]]], ids=["pos-low", "pos-high", "mixed"])
@pytest.mark.parametrize("base", [None, [0.2], [0.1, 0.2]], ids=["nobase", "base1", "base2"])
def test_binary_votes_for_class_0_only(post: str, weights: list[list[float]], base: list[float] | None) -> None:
    """The shape of a boosted binary model (one score column): LOGISTIC gives (logistic(-s), logistic(s))."""
    _compare(leaf_forest(weights, [0], 2, post, base))


@pytest.mark.parametrize("post", POSTS)
@pytest.mark.parametrize("weights", [[[0.3], [0.1]], [[-0.4], [0.9]]], ids=["pos", "mixed"])
@pytest.mark.parametrize("base", [None, [0.2], [0.1, 0.2]], ids=["nobase", "base1", "base2"])
def test_binary_votes_for_class_1_only(post: str, weights: list[list[float]], base: list[float] | None) -> None:
    _compare(leaf_forest(weights, [1], 2, post, base))


@pytest.mark.parametrize("post", POSTS)
@pytest.mark.parametrize("base", [None, [0.1, 0.2]], ids=["nobase", "base2"])
def test_binary_votes_for_both_classes(post: str, base: list[float] | None) -> None:
    _compare(leaf_forest([[0.3, 0.5], [-0.2, 0.1]], [0, 1], 2, post, base))


@pytest.mark.parametrize("post", POSTS)
@pytest.mark.parametrize("base", [None, [0.1, -0.2, 0.3]], ids=["nobase", "base3"])
@pytest.mark.parametrize("class_ids", [[0, 1, 2], [1]], ids=["all", "one"])
def test_multiclass(post: str, base: list[float] | None, class_ids: list[int]) -> None:
    weights = [[0.3, -0.5, 0.1][: len(class_ids)], [0.2, 0.4, -0.3][: len(class_ids)]]
    _compare(leaf_forest(weights, class_ids, 3, post, base))


@pytest.mark.parametrize("post", ["LOGISTIC", "SOFTMAX"])
def test_string_labels(post: str) -> None:
    _compare(leaf_forest([[0.3], [0.4]], [0], 2, post, string_labels=True))
    _compare(leaf_forest([[0.3, 0.1, -0.2]], [0, 1, 2], 3, post, string_labels=True))
