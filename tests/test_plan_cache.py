"""Prepared plans kept on disk (onnxjit/providers/plan_cache.py): a second session on the same model and
options skips the passes, the planner and code generation, and behaves exactly as the first; damaged
entries are rebuilt; options that shape the plan key their own entries."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

pytest.importorskip("numba")

import onnxjit  # noqa: E402
from onnxjit.providers import plan_cache  # noqa: E402

NUMBA = ["NumbaExecutionProvider"]


def _model() -> bytes:
    """y = relu(BatchNorm(conv(x, w))) + b; c = Identity(b): folding, a fused epilogue, constants in the
    arena, and a constant returned as an output."""
    rng = np.random.default_rng(0)
    inits = {"w": rng.standard_normal((4, 3, 3, 3)).astype(np.float32),
             "scale": rng.uniform(0.5, 1.5, 4).astype(np.float32), "bias": rng.standard_normal(4).astype(np.float32),
             "mean": rng.standard_normal(4).astype(np.float32), "var": rng.uniform(0.5, 1.5, 4).astype(np.float32),
             "b": rng.standard_normal((4, 1, 1)).astype(np.float32)}
    nodes = [helper.make_node("Conv", ["x", "w"], ["t"], pads=[1, 1, 1, 1]),
             helper.make_node("BatchNormalization", ["t", "scale", "bias", "mean", "var"], ["u"]),
             helper.make_node("Relu", ["u"], ["r"]), helper.make_node("Add", ["r", "b"], ["y"]),
             helper.make_node("Identity", ["b"], ["c"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, 5, 5])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None),
                               helper.make_tensor_value_info("c", TensorProto.FLOAT, None)],
                              initializer=[numpy_helper.from_array(v, k) for k, v in inits.items()])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8).SerializeToString()


def _session(cache: Path, **config: str) -> onnxjit.InferenceSession:
    so = onnxjit.SessionOptions()
    so.add_session_config_entry("onnxjit.cache_dir", str(cache))
    for k, v in config.items():
        so.add_session_config_entry(k, v)
    return onnxjit.InferenceSession(_model(), so, providers=NUMBA)


X = np.random.default_rng(1).standard_normal((2, 3, 5, 5)).astype(np.float32)
KEY = b"k" * 32  # authenticates entries written and read directly (a session uses its cache root's key)


def test_second_session_reuses_the_plan_and_agrees(tmp_path: Path) -> None:
    first = _session(tmp_path)
    assert not first.compile_stats()["plan_from_cache"]
    second = _session(tmp_path)
    assert second.compile_stats()["plan_from_cache"] and second.compile_stats()["compiled"] == 0
    for a, b in zip(first.run(None, {"x": X}), second.run(None, {"x": X})):
        np.testing.assert_array_equal(a, b)
    def described(args):
        return [(a.name, a.type, a.shape) for a in args]

    assert described(second.get_inputs()) == described(first.get_inputs())
    assert [o.name for o in second.get_outputs()] == ["y", "c"]
    assert second.pass_report.counts == first.pass_report.counts
    assert second.executable.plan.describe() == first.executable.plan.describe()


def test_constants_of_a_reused_plan_stay_the_models(tmp_path: Path) -> None:
    _session(tmp_path)
    sess = _session(tmp_path)
    assert sess.compile_stats()["plan_from_cache"]
    y, c = sess.run(None, {"x": X})
    c[:] = 1e6  # the caller's copy: the constant it came from is unchanged
    y2, c2 = sess.run(None, {"x": X})
    np.testing.assert_array_equal(y2, y)
    assert np.all(np.abs(c2) < 1e3)


@pytest.mark.parametrize("damage", ["garbage", "truncate", "delete", "flip-pickle"])
def test_damaged_plan_entry_is_rebuilt(tmp_path: Path, damage: str) -> None:
    expected = _session(tmp_path).run(None, {"x": X})
    [entry] = tmp_path.glob("numba/plans/*.plan")
    data = entry.read_bytes()
    if damage == "garbage":
        entry.write_bytes(b"\x00garbage\n" * 3)
    elif damage == "truncate":
        entry.write_bytes(data[: len(data) // 2])
    elif damage == "delete":
        entry.unlink()
    else:
        at = plan_cache.ALIGN * 2 + 10  # inside the pickle, which the header's sha256 covers
        entry.write_bytes(data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1:])
    again = _session(tmp_path)
    assert not again.compile_stats()["plan_from_cache"]
    for a, b in zip(expected, again.run(None, {"x": X})):
        np.testing.assert_array_equal(a, b)
    assert _session(tmp_path).compile_stats()["plan_from_cache"], "the rebuilt entry is used afterwards"


def test_an_entry_that_loads_but_does_not_restore_is_built_again(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    expected = _session(tmp_path).run(None, {"x": X})
    monkeypatch.setattr(plan_cache, "load", lambda path, key: {"numba": None})  # a pickle of something else
    again = _session(tmp_path)
    assert not again.compile_stats()["plan_from_cache"]
    for a, b in zip(expected, again.run(None, {"x": X})):
        np.testing.assert_array_equal(a, b)


def test_options_that_shape_the_plan_key_their_own_entries(tmp_path: Path) -> None:
    _session(tmp_path)
    assert not _session(tmp_path, **{"onnxjit.disable_fusion": "1"}).compile_stats()["plan_from_cache"]
    so = onnxjit.SessionOptions()
    so.add_session_config_entry("onnxjit.cache_dir", str(tmp_path))
    so.graph_optimization_level = onnxjit.GraphOptimizationLevel.ORT_DISABLE_ALL
    unfolded = onnxjit.InferenceSession(_model(), so, providers=NUMBA)
    assert not unfolded.compile_stats()["plan_from_cache"]
    assert unfolded.pass_report.counts.get("batchnorms_folded", 0) == 0
    assert len(list(tmp_path.glob("numba/plans/*.plan"))) == 3
    off = _session(tmp_path, **{"onnxjit.plan_cache": "0"})
    assert not off.compile_stats()["plan_from_cache"]
    assert len(list(tmp_path.glob("numba/plans/*.plan"))) == 3


def test_save_and_load_keep_arrays_as_views_of_the_arenas(tmp_path: Path) -> None:
    arena = np.arange(40, dtype=np.float32)
    w, other = arena[8:20].reshape(3, 4).copy(), np.ones(3, np.int64)
    placed = {id(w): ("float32", 8, 12, (3, 4))}
    plan_cache.save(tmp_path / "a.plan", {"w": w, "again": w, "other": other, "arena": arena},
                    {"float32": arena}, placed, KEY)
    state = plan_cache.load(tmp_path / "a.plan", KEY)
    np.testing.assert_array_equal(state["w"], w)
    np.testing.assert_array_equal(state["other"], other)
    assert np.shares_memory(state["w"], state["arena"]) and np.shares_memory(state["again"], state["arena"])
    assert state["w"].flags.writeable  # kernels take writable arrays; the mapping is copy-on-write
    state["w"][:] = -1
    np.testing.assert_array_equal(plan_cache.load(tmp_path / "a.plan", KEY)["w"], w)  # the file is unchanged


def test_least_recently_used_entries_are_evicted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import time

    arena = np.zeros(plan_cache.ALIGN // 4, np.float32)
    plan_cache.save(tmp_path / "size.plan", {"i": 0}, {"float32": arena}, {}, KEY)
    monkeypatch.setattr(plan_cache, "MAX_BYTES", 3 * (tmp_path / "size.plan").stat().st_size)  # room for three
    (tmp_path / "size.plan").unlink()
    for i, name in enumerate("abc"):
        plan_cache.save(tmp_path / f"{name}.plan", {"i": i}, {"float32": arena}, {}, KEY)
        os.utime(tmp_path / f"{name}.plan", (time.time() - 100 + i, time.time() - 100 + i))
    assert plan_cache.load(tmp_path / "a.plan", KEY) == {"i": 0}  # used now: the most recent
    plan_cache.save(tmp_path / "d.plan", {"i": 3}, {"float32": arena}, {}, KEY)
    assert sorted(p.name for p in tmp_path.glob("*.plan")) == ["a.plan", "c.plan", "d.plan"]
