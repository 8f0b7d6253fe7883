"""SessionOptions that onnxjit accepts act as onnxruntime's do (issue 15, part C): the optimised model
file, set_seed for the random ops, free-dimension overrides by denotation, session options read from
the model, and a session's own copy of its options. onnxruntime is the oracle throughout."""
from __future__ import annotations

import json

import numpy as np
import onnx
import onnxruntime
import pytest
from onnx import TensorProto, helper, numpy_helper

import onnxjit
from onnxjit.providers.base import ProviderName

NUMBA = [ProviderName.NUMBA.value]
ORT_CPU = ["CPUExecutionProvider"]


def _model(nodes, inputs, outputs, initializers=(), opset=17) -> onnx.ModelProto:
    graph = helper.make_graph(nodes, "g", inputs, outputs, list(initializers))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def _tensor(name, shape, elem=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, elem, shape)


# --- 1. optimized_model_filepath --------------------------------------------------------------
W = (np.arange(64 * 64, dtype=np.float32).reshape(64, 64) % 7 - 3) / 10
C = np.linspace(-1, 1, 64, dtype=np.float32)


@pytest.fixture(scope="module")
def foldable(tmp_path_factory):
    """y = x @ W + (c + c): the Add of two constants folds; W is big enough for external data."""
    m = _model([helper.make_node("Add", ["c", "c"], ["c2"]), helper.make_node("MatMul", ["x", "W"], ["h"]),
                helper.make_node("Add", ["h", "c2"], ["y"])],
               [_tensor("x", ["N", 64])], [_tensor("y", ["N", 64])],
               [numpy_helper.from_array(W, "W"), numpy_helper.from_array(C, "c")])
    path = tmp_path_factory.mktemp("orig") / "orig.onnx"
    onnx.save(m, path)
    return path


def _options(module, level=None, path=None, external=None):
    so = module.SessionOptions()
    if level is not None:
        so.graph_optimization_level = module.GraphOptimizationLevel(level)
    if path is not None:
        so.optimized_model_filepath = str(path)
    if external is not None:
        so.add_session_config_entry("session.optimized_model_external_initializers_file_name", external)
    return so


@pytest.mark.parametrize("level", [0, 99])
def test_optimized_model_file_loads_and_computes_the_same(foldable, tmp_path, level):
    out = tmp_path / f"opt{level}.onnx"
    onnxjit.InferenceSession(str(foldable), _options(onnxjit, level, out), providers=NUMBA)
    assert out.is_file()
    onnx.checker.check_model(str(out), full_check=True)
    written = onnx.load(str(out))
    original_ops = ["Add", "MatMul", "Add"]
    if level == 0:  # the unoptimised graph, as onnxruntime writes it at level 0
        assert sorted(n.op_type for n in written.graph.node) == sorted(original_ops)
        ort_out = tmp_path / "ort0.onnx"
        onnxruntime.InferenceSession(str(foldable), _options(onnxruntime, 0, ort_out), providers=ORT_CPU)
        assert sorted(n.op_type for n in onnx.load(str(ort_out)).graph.node) == sorted(original_ops)
    else:  # c + c was folded into an initializer
        assert [n.op_type for n in written.graph.node] == ["MatMul", "Add"]
        assert "c2" in {t.name for t in written.graph.initializer}
    x = np.random.default_rng(0).standard_normal((3, 64)).astype(np.float32)
    want = onnxruntime.InferenceSession(str(foldable), providers=ORT_CPU).run(None, {"x": x})[0]
    by_ort = onnxruntime.InferenceSession(str(out), providers=ORT_CPU).run(None, {"x": x})[0]
    by_jit = onnxjit.InferenceSession(str(out), providers=NUMBA).run(None, {"x": x})[0]
    np.testing.assert_allclose(by_ort, want, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(by_jit, want, rtol=1e-5, atol=1e-5)


def test_optimized_model_external_initializers_as_onnxruntime(foldable, tmp_path):
    """With the config entry, initializers of >= 1024 bytes go to the named file beside the model."""
    placed = {}
    for module in (onnxruntime, onnxjit):
        folder = tmp_path / module.__name__
        folder.mkdir()
        out = folder / "opt.onnx"
        providers = ORT_CPU if module is onnxruntime else NUMBA
        module.InferenceSession(str(foldable), _options(module, 0, out, external="weights.bin"), providers=providers)
        assert (folder / "weights.bin").is_file()
        m = onnx.load(str(out), load_external_data=False)
        placed[module.__name__] = {t.name: t.data_location for t in m.graph.initializer}
        onnx.checker.check_model(str(out), full_check=True)
        np.testing.assert_array_equal(numpy_helper.to_array(
            next(t for t in onnx.load(str(out)).graph.initializer if t.name == "W")), W)
    assert placed["onnxjit"] == placed["onnxruntime"] == {"W": TensorProto.EXTERNAL, "c": TensorProto.DEFAULT}


def test_optimized_model_unwritable_path_is_invalid_argument(foldable, tmp_path):
    bad = tmp_path / "no_such_dir" / "opt.onnx"
    with pytest.raises(onnxruntime.capi.onnxruntime_pybind11_state.InvalidArgument):
        onnxruntime.InferenceSession(str(foldable), _options(onnxruntime, path=bad), providers=ORT_CPU)
    with pytest.raises(onnxjit.InvalidArgument, match="no_such_dir"):
        onnxjit.InferenceSession(str(foldable), _options(onnxjit, path=bad), providers=NUMBA)
    with pytest.raises(onnxjit.NotImplemented, match="ORT format"):
        onnxjit.InferenceSession(str(foldable), _options(onnxjit, path=tmp_path / "opt.ort"), providers=NUMBA)


# --- 2. set_seed and the random ops ----------------------------------------------------------------
def _random_model() -> bytes:
    nodes = [helper.make_node("RandomNormal", [], ["normal"], shape=[6]),
             helper.make_node("RandomUniform", [], ["uniform"], shape=[6]),
             helper.make_node("RandomNormalLike", ["x"], ["normal_like"]),
             helper.make_node("RandomUniformLike", ["x"], ["uniform_like"]),
             helper.make_node("Bernoulli", ["p"], ["bernoulli"]),
             helper.make_node("Multinomial", ["logits"], ["multinomial"], sample_size=16),
             helper.make_node("RandomNormal", [], ["seeded"], shape=[6], seed=7.0),
             helper.make_node("RandomNormal", [], ["seeded_twin"], shape=[6], seed=7.0)]
    outputs = [_tensor(n, [6]) for n in ("normal", "uniform", "normal_like", "uniform_like", "bernoulli")]
    outputs += [_tensor("multinomial", [2, 16], TensorProto.INT32), _tensor("seeded", [6]), _tensor("seeded_twin", [6])]
    return _model(nodes, [_tensor("x", [6]), _tensor("p", [6]), _tensor("logits", [2, 4])], outputs).SerializeToString()


RANDOM_MODEL = _random_model()
RANDOM_FEEDS = {"x": np.zeros(6, np.float32), "p": np.full(6, 0.5, np.float32), "logits": np.zeros((2, 4), np.float32)}
UNSEEDED = ["normal", "uniform", "normal_like", "uniform_like", "bernoulli", "multinomial"]


def _draws(module, providers, seed):
    """Two runs of a session made after set_seed(seed), then one run of a second such session."""
    module.set_seed(seed)
    first = module.InferenceSession(RANDOM_MODEL, providers=providers)
    second = module.InferenceSession(RANDOM_MODEL, providers=providers)
    names = [o.name for o in first.get_outputs()]
    run = lambda s: dict(zip(names, s.run(None, RANDOM_FEEDS)))  # noqa: E731
    return run(first), run(first), run(second)


def _pattern(module, providers) -> dict[str, bool]:
    """The facts about seeding that do not depend on the generator's numbers."""
    a1, a2, b1 = _draws(module, providers, 5)
    c1, _, _ = _draws(module, providers, 6)
    same = lambda u, v, names: all(np.array_equal(u[n], v[n]) for n in names)  # noqa: E731
    return {
        "sessions after one seed agree": same(a1, b1, UNSEEDED + ["seeded"]),
        "a run advances the unseeded ops": not any(np.array_equal(a1[n], a2[n]) for n in ("normal", "uniform",
                                                                                          "normal_like", "uniform_like")),
        "a run advances a seed attribute": not np.array_equal(a1["seeded"], a2["seeded"]),
        "another seed gives other numbers": not same(a1, c1, ["normal", "uniform"]),
        "a seed attribute ignores set_seed": np.array_equal(a1["seeded"], c1["seeded"]),
        "two nodes without a seed differ": not np.array_equal(a1["normal"], a1["normal_like"]),
        "two nodes with one seed attribute agree": np.array_equal(a1["seeded"], a1["seeded_twin"]),
    }


@pytest.fixture(scope="module")
def ort_random_pattern():
    pattern = _pattern(onnxruntime, ORT_CPU)
    assert all(pattern.values()), pattern  # what onnxruntime 1.32 does, measured
    return pattern


@pytest.mark.parametrize("provider", [ProviderName.NUMBA, ProviderName.REFERENCE])
def test_set_seed_reproduces_like_onnxruntime(ort_random_pattern, provider):
    assert _pattern(onnxjit, [provider.value]) == ort_random_pattern


def test_same_seed_same_numbers_on_numba_and_reference():
    numba = _draws(onnxjit, NUMBA, 11)
    reference = _draws(onnxjit, [ProviderName.REFERENCE.value], 11)
    for got, want in zip(numba, reference):
        for name in want:
            np.testing.assert_array_equal(got[name], want[name])
    first = numba[0]
    assert set(np.unique(first["bernoulli"])) <= {0.0, 1.0}
    assert first["multinomial"].dtype == np.int32 and first["multinomial"].min() >= 0 and first["multinomial"].max() < 4
    assert np.all((first["uniform"] >= 0) & (first["uniform"] < 1))


# --- 3. free-dimension override by denotation -----------------------------------------------------
def _denoted_model() -> bytes:
    x = _tensor("x", ["N", 3])
    x.type.tensor_type.shape.dim[0].denotation = "DATA_BATCH"
    z = _tensor("z", [None, 2])
    z.type.tensor_type.shape.dim[0].denotation = "DATA_BATCH"
    w = _tensor("w", [5, 3])
    w.type.tensor_type.shape.dim[0].denotation = "DATA_CHANNEL"
    m = _model([helper.make_node("Relu", ["x"], ["y"]), helper.make_node("Neg", ["z"], ["y2"]),
                helper.make_node("Abs", ["w"], ["y3"])],
               [x, z, w], [_tensor("y", ["N", 3]), _tensor("y2", None), _tensor("y3", None)])
    return m.SerializeToString()


DENOTED = _denoted_model()


def _denoted_feeds(batch: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(batch)
    return {"x": rng.standard_normal((batch, 3)).astype(np.float32),
            "z": rng.standard_normal((batch, 2)).astype(np.float32),
            "w": rng.standard_normal((5, 3)).astype(np.float32)}


def _denoted_session(module, denotation="DATA_BATCH", size=1):
    so = module.SessionOptions()
    so.add_free_dimension_override_by_denotation(denotation, size)
    return module.InferenceSession(DENOTED, so, providers=ORT_CPU if module is onnxruntime else NUMBA)


def test_override_by_denotation_pins_shapes_as_onnxruntime():
    ours, theirs = _denoted_session(onnxjit), _denoted_session(onnxruntime)
    shapes = lambda s: ([(a.name, a.shape) for a in s.get_inputs()],  # noqa: E731
                        [(a.name, a.shape) for a in s.get_outputs()])
    assert shapes(ours) == shapes(theirs) == (
        [("x", [1, 3]), ("z", [1, 2]), ("w", [5, 3])], [("y", [1, 3]), ("y2", [1, 2]), ("y3", [5, 3])])
    feeds = _denoted_feeds(1)
    for got, want in zip(ours.run(None, feeds), theirs.run(None, feeds)):
        np.testing.assert_array_equal(got, want)
    with pytest.raises(onnxruntime.capi.onnxruntime_pybind11_state.InvalidArgument, match="invalid dimensions"):
        theirs.run(None, _denoted_feeds(2))
    with pytest.raises(onnxjit.InvalidArgument, match="invalid dimensions"):
        ours.run(None, _denoted_feeds(2))


def test_override_by_denotation_of_a_fixed_dim():
    """Overriding a fixed dim with its own size is fine; with another size it is refused."""
    assert [a.shape for a in _denoted_session(onnxjit, "DATA_CHANNEL", 5).get_inputs()] == \
        [a.shape for a in _denoted_session(onnxruntime, "DATA_CHANNEL", 5).get_inputs()]
    with pytest.raises(onnxruntime.capi.onnxruntime_pybind11_state.InvalidArgument, match="free dimension override"):
        _denoted_session(onnxruntime, "DATA_CHANNEL", 1)
    with pytest.raises(onnxjit.InvalidArgument, match="free dimension override.*'w'"):
        _denoted_session(onnxjit, "DATA_CHANNEL", 1)


# --- 4. session options read from the model ---------------------------------------------------
def _relu_model(config: str | None) -> bytes:
    m = _model([helper.make_node("Relu", ["x"], ["y"])], [_tensor("x", ["N"])], [_tensor("y", ["N"])])
    if config is not None:
        helper.set_model_props(m, {"ort_config": config})
    return m.SerializeToString()


FIELDS = ("intra_op_num_threads", "inter_op_num_threads", "graph_optimization_level", "execution_mode",
          "enable_profiling")


def _configured(module, config, env_var: bool):
    """(the session's options as get_session_options shows them, the session) or the exception."""
    so = module.SessionOptions()
    so.intra_op_num_threads = 4
    so.graph_optimization_level = module.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    so.add_free_dimension_override_by_name("N", 2)
    if module is onnxjit and not env_var:
        so.add_session_config_entry("session.load_config_from_model", "1")
    try:
        sess = module.InferenceSession(_relu_model(config), so,
                                       providers=ORT_CPU if module is onnxruntime else NUMBA)
    except Exception as exc:  # noqa: BLE001 - compared below
        return exc, None
    o = sess.get_session_options()
    return tuple(int(getattr(o, f)) for f in FIELDS) + (tuple(sess.get_inputs()[0].shape),), sess


GOOD_CONFIG = json.dumps({"session_options": {"intra_op_num_threads": 2, "inter_op_num_threads": 3,
                                              "graph_optimization_level": 0, "execution_mode": 1,
                                              "enable_profiling": 1, "not_an_option": 5}})


@pytest.mark.parametrize("config", [GOOD_CONFIG, json.dumps({"session_options": {"inter_op_num_threads": 3}}),
                                    None, json.dumps({"other": {}})])
def test_config_from_model_as_onnxruntime(monkeypatch, tmp_path, config):
    """The model's settings replace the caller's options, as onnxruntime's (the caller's free-dim override
    is dropped with them)."""
    monkeypatch.chdir(tmp_path)  # enable_profiling from the model writes a trace here
    monkeypatch.setenv("ORT_LOAD_CONFIG_FROM_MODEL", "1")
    want, _ = _configured(onnxruntime, config, env_var=True)
    got_env, _ = _configured(onnxjit, config, env_var=True)
    monkeypatch.delenv("ORT_LOAD_CONFIG_FROM_MODEL")
    got_entry, _ = _configured(onnxjit, config, env_var=False)
    assert got_env == got_entry == want


def test_config_from_model_acts(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    _, sess = _configured(onnxjit, GOOD_CONFIG, env_var=False)
    assert "constants_folded" not in sess.pass_report.counts  # level 0 from the model: no folding pass
    assert sess.executable.threads == 2
    x = np.array([-1.0, 2.0, -3.0], np.float32)
    np.testing.assert_array_equal(sess.run(None, {"x": x})[0], np.maximum(x, 0))
    assert sess.end_profiling()  # profiling on: a trace file is written


@pytest.mark.parametrize("config", ["{not json", json.dumps({"session_options": {"intra_op_num_threads": "2"}}),
                                    json.dumps({"session_options": {"intra_op_num_threads": 2.0}}),
                                    json.dumps({"session_options": {"graph_optimization_level": 7}}),
                                    json.dumps({"session_options": {"execution_mode": 2}}),
                                    json.dumps({"session_options": {"inter_op_num_threads": -1}}),
                                    json.dumps({"session_options": {"enable_profiling": 2}})])
def test_bad_config_in_model_fails_as_onnxruntime(monkeypatch, config):
    monkeypatch.setenv("ORT_LOAD_CONFIG_FROM_MODEL", "1")
    theirs, _ = _configured(onnxruntime, config, env_var=True)
    ours, _ = _configured(onnxjit, config, env_var=True)
    assert isinstance(theirs, RuntimeError)
    assert isinstance(ours, RuntimeError) and isinstance(ours, onnxjit.InvalidArgument)
    key = str(ours).split(" : ")[-1].split(":")[0][:30]  # the first words of onnxjit's message ...
    assert key in str(theirs)  # ... are onnxruntime's


def test_config_in_model_is_ignored_without_the_switch(monkeypatch):
    monkeypatch.delenv("ORT_LOAD_CONFIG_FROM_MODEL", raising=False)
    so = onnxjit.SessionOptions()
    so.intra_op_num_threads = 4
    sess = onnxjit.InferenceSession(_relu_model(GOOD_CONFIG), so, providers=NUMBA)
    theirs = onnxruntime.InferenceSession(_relu_model(GOOD_CONFIG), _options(onnxruntime), providers=ORT_CPU)
    assert sess.get_session_options().intra_op_num_threads == 4
    assert sess.get_session_options().enable_profiling is theirs.get_session_options().enable_profiling is False


# --- 5. a session copies its options -------------------------------------------------------------
def test_session_keeps_its_own_copy_of_the_options(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    x = np.ones(3, np.float32)
    seen = {}
    for module in (onnxruntime, onnxjit):
        so = module.SessionOptions()
        so.intra_op_num_threads = 2
        so.add_free_dimension_override_by_name("N", 3)
        sess = module.InferenceSession(_relu_model(None), so, providers=ORT_CPU if module is onnxruntime else NUMBA)
        so.intra_op_num_threads = 5
        so.enable_profiling = True
        so.add_session_config_entry("a.b", "1")
        so.add_free_dimension_override_by_name("N", 4)
        o = sess.get_session_options()
        try:
            o.get_session_config_entry("a.b")
            has_entry = True
        except RuntimeError:
            has_entry = False
        sess.run(None, {"x": x})  # N stays pinned to 3
        profiled = sess.end_profiling()
        o.intra_op_num_threads = 7  # changes what is reported, not what the session does
        o.enable_profiling = True
        sess.run(None, {"x": x})
        seen[module.__name__] = (sess.get_session_options().intra_op_num_threads,
                                 sess.get_session_options() is o, has_entry, sess.get_inputs()[0].shape,
                                 profiled, sess.end_profiling(), so is o)
    assert seen["onnxjit"] == seen["onnxruntime"] == (7, True, False, [3], "", "", False)
