"""Runtime safety (issue 14): the per-shape binding table is bounded, RunOptions.terminate stops a
run in progress, overridable initializers fed at run time override, and concurrent runs on one
session are correct (they overlap: measured in benchmarks/concurrent_runs.py, not here)."""
from __future__ import annotations

import threading
import warnings

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import onnxjit
from onnxjit.errors import Fail, InvalidArgument
from onnxjit.providers import run_control
from onnxjit.providers.numba import provider as numba_provider
from onnxjit.providers.numba import threads as numba_threads

ort = pytest.importorskip("onnxruntime")

NUMBA, CPU, TRITON = "NumbaExecutionProvider", "ReferenceExecutionProvider", "TritonExecutionProvider"
F = TensorProto.FLOAT
TERMINATE = "Exiting due to terminate flag being set to true."


def _model(nodes, inputs, outputs, inits=(), opset=17) -> onnx.ModelProto:
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(inits))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], ir_version=8)


def _session(model: onnx.ModelProto, provider: str, threads: int = 0) -> onnxjit.InferenceSession:
    so = onnxjit.SessionOptions()
    so.intra_op_num_threads = threads
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return onnxjit.InferenceSession(model.SerializeToString(), so, providers=[provider])


def _triton_session(model: onnx.ModelProto, monkeypatch) -> onnxjit.InferenceSession:
    """A Triton session: on the GPU when there is one, else in Triton's interpreter."""
    pytest.importorskip("triton")
    pytest.importorskip("torch")
    from onnxjit.providers.triton.device import cuda_available

    if not cuda_available():
        monkeypatch.setenv("TRITON_INTERPRET", "1")
    return _session(model, TRITON)


def _any_session(model: onnx.ModelProto, provider: str, monkeypatch) -> onnxjit.InferenceSession:
    return _triton_session(model, monkeypatch) if provider == TRITON else _session(model, provider)


def _oracle(model: onnx.ModelProto):
    return ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])


def _mlp(d_in=16, hidden=32, d_out=8, seed=0) -> onnx.ModelProto:
    """x[N, d_in] -> Gemm -> Relu -> MatMul + b -> Tanh."""
    rng = np.random.default_rng(seed)
    w1 = rng.standard_normal((hidden, d_in)).astype(np.float32) * 0.3
    b1 = rng.standard_normal(hidden).astype(np.float32)
    w2 = rng.standard_normal((hidden, d_out)).astype(np.float32) * 0.3
    b2 = rng.standard_normal(d_out).astype(np.float32)
    nodes = [helper.make_node("Gemm", ["x", "w1", "b1"], ["h"], transB=1), helper.make_node("Relu", ["h"], ["r"]),
             helper.make_node("MatMul", ["r", "w2"], ["m"]), helper.make_node("Add", ["m", "b2"], ["a"]),
             helper.make_node("Tanh", ["a"], ["y"])]
    inits = [numpy_helper.from_array(a, n) for a, n in ((w1, "w1"), (b1, "b1"), (w2, "w2"), (b2, "b2"))]
    return _model(nodes, [helper.make_tensor_value_info("x", F, ["N", d_in])],
                  [helper.make_tensor_value_info("y", F, None)], inits)


def _conv() -> onnx.ModelProto:
    """x[N, 3, 12, 12] -> Conv 3x3 (8 channels, pad 1) + Relu -> MaxPool 2x2 -> Conv 1x1 (4)."""
    rng = np.random.default_rng(1)
    w1 = rng.standard_normal((8, 3, 3, 3)).astype(np.float32) * 0.3
    b1 = rng.standard_normal(8).astype(np.float32)
    w2 = rng.standard_normal((4, 8, 1, 1)).astype(np.float32) * 0.3
    nodes = [helper.make_node("Conv", ["x", "w1", "b1"], ["c"], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["r"]),
             helper.make_node("MaxPool", ["r"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
             helper.make_node("Conv", ["p", "w2"], ["y"])]
    inits = [numpy_helper.from_array(a, n) for a, n in ((w1, "w1"), (b1, "b1"), (w2, "w2"))]
    return _model(nodes, [helper.make_tensor_value_info("x", F, ["N", 3, 12, 12])],
                  [helper.make_tensor_value_info("y", F, None)], inits)


# --- 1. the per-shape binding table is bounded ------------------------------------------------------
def test_binding_table_stays_bounded_over_many_batch_sizes() -> None:
    model = _mlp()
    sess, ref = _session(model, NUMBA), _oracle(model)
    ex = sess.executable
    cap = numba_provider.BINDING_TABLE_SIZE
    rng = np.random.default_rng(0)
    for n in range(1, cap * 2 + 40):
        x = rng.standard_normal((n, 16)).astype(np.float32)
        (y,) = sess.run(None, {"x": x})
        np.testing.assert_allclose(y, ref.run(None, {"x": x})[0], rtol=1e-4, atol=1e-5)
        assert len(ex._bindings) <= cap
        assert all(len(b.free) <= numba_provider.FREE_ARENA_SETS for b in ex._bindings.values())
    assert len(ex._bindings) == cap
    # the most recently used shapes are the ones kept; an evicted shape binds again and is right
    assert (cap * 2 + 39, 16) == next(reversed(ex._bindings))[0]
    x = rng.standard_normal((1, 16)).astype(np.float32)
    np.testing.assert_allclose(sess.run(None, {"x": x})[0], ref.run(None, {"x": x})[0], rtol=1e-4, atol=1e-5)
    assert len(ex._bindings) == cap


def test_triton_binding_table_stays_bounded(monkeypatch) -> None:
    from onnxjit.providers.triton import provider as triton_provider

    monkeypatch.setattr(triton_provider, "BINDING_TABLE_SIZE", 3)
    model = _mlp(d_in=4, hidden=8, d_out=2)
    sess, ref = _triton_session(model, monkeypatch), _oracle(model)
    rng = np.random.default_rng(0)
    for n in range(1, 8):
        x = rng.standard_normal((n, 4)).astype(np.float32)
        np.testing.assert_allclose(sess.run(None, {"x": x})[0], ref.run(None, {"x": x})[0], rtol=1e-3, atol=1e-4)
        assert len(sess.executable._bindings) <= 3
    assert [k[0][0] for k in sess.executable._bindings] == [5, 6, 7]


# --- 2. RunOptions.terminate ------------------------------------------------------------------------
def _loop_model(trips: int) -> onnx.ModelProto:
    """y = x + trips (a Loop adding 1 per iteration), then Relu: host step between compiled segments."""
    body = helper.make_graph(
        [helper.make_node("Add", ["acc_in", "one"], ["acc_out"]),
         helper.make_node("Identity", ["cond_in"], ["cond_out"])], "body",
        [helper.make_tensor_value_info("i", TensorProto.INT64, []),
         helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
         helper.make_tensor_value_info("acc_in", F, ["N", 4])],
        [helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []),
         helper.make_tensor_value_info("acc_out", F, ["N", 4])],
        [numpy_helper.from_array(np.ones(1, np.float32), "one")])
    nodes = [helper.make_node("Relu", ["x"], ["r"]),
             helper.make_node("Loop", ["trips", "cond", "r"], ["l"], body=body),
             helper.make_node("Sigmoid", ["l"], ["y"])]
    inits = [numpy_helper.from_array(np.array(trips, np.int64), "trips"),
             numpy_helper.from_array(np.array(True), "cond")]
    return _model(nodes, [helper.make_tensor_value_info("x", F, ["N", 4])],
                  [helper.make_tensor_value_info("y", F, None)], inits)


@pytest.mark.parametrize("provider", [NUMBA, CPU, TRITON])
def test_terminate_set_before_the_run_raises_fail(provider: str, monkeypatch) -> None:
    model = _mlp()
    sess = _any_session(model, provider, monkeypatch)
    x = np.ones((3, 16), np.float32)
    ro = onnxjit.RunOptions()
    ro.terminate = True
    with pytest.raises(Fail, match=TERMINATE):
        sess.run(None, {"x": x}, ro)
    ro.terminate = False
    np.testing.assert_allclose(sess.run(None, {"x": x}, ro)[0], _oracle(model).run(None, {"x": x})[0],
                               rtol=1e-4, atol=1e-5)
    assert run_control.active() is None


@pytest.mark.parametrize("provider", [NUMBA, CPU])
def test_terminate_from_another_thread_stops_a_long_loop(provider: str) -> None:
    """A Loop of a million iterations (tens of seconds) is stopped within its body's nodes."""
    sess = _session(_loop_model(1_000_000), provider)
    ro = onnxjit.RunOptions()
    x = np.ones((2, 4), np.float32)
    timer = threading.Timer(0.3, lambda: setattr(ro, "terminate", True))
    timer.start()
    try:
        with pytest.raises(Fail, match=TERMINATE):
            sess.run(None, {"x": x}, ro)
    finally:
        timer.cancel()
    small = _session(_loop_model(3), provider)
    (y,) = small.run(None, {"x": x})
    np.testing.assert_allclose(y, _oracle(_loop_model(3)).run(None, {"x": x})[0], rtol=1e-6)


def test_terminate_is_checked_between_compiled_drivers_and_host_steps(monkeypatch) -> None:
    """A hook in the first compiled segment sets the flag: nothing after it runs, the run raises
    Fail, and the session runs normally afterwards."""
    model = _loop_model(3)
    sess = _session(model, NUMBA)
    ex = sess.executable
    assert len(ex.drivers) >= 2 and ex._host  # segments on both sides of the Loop's host step
    ro = onnxjit.RunOptions()
    later: list[int] = []
    first = ex.drivers[0][-1]

    def set_flag(*args):
        first(*args)
        ro.terminate = True

    def record(*args):
        later.append(1)

    drivers = [list(d) for d in ex.drivers]
    drivers[0][-1] = set_flag
    drivers[-1] = [record] * len(drivers[-1])
    host = ex._host[next(iter(ex._host))]
    monkeypatch.setattr(ex, "drivers", drivers)
    monkeypatch.setattr(host, "run_with_env", lambda *a: later.append(2) or [])
    x = np.ones((2, 4), np.float32)
    with pytest.raises(Fail, match=TERMINATE):
        sess.run(None, {"x": x}, ro)
    assert later == []
    monkeypatch.undo()
    ro.terminate = False
    (y,) = sess.run(None, {"x": x}, ro)
    np.testing.assert_allclose(y, _oracle(model).run(None, {"x": x})[0], rtol=1e-6)


# --- 3. overridable initializers ----------------------------------------------------------------------
def _overridable_model() -> onnx.ModelProto:
    """w (overridable, listed as an input) feeds a constant-foldable Mul, a MatMul and an Add."""
    w = np.arange(12, dtype=np.float32).reshape(4, 3) / 10
    bias = np.array([1, -2, 3], np.float32)
    nodes = [helper.make_node("Mul", ["w", "two"], ["w2"]),
             helper.make_node("MatMul", ["x", "w2"], ["m"]),
             helper.make_node("Add", ["m", "bias"], ["a"]),
             helper.make_node("Relu", ["a"], ["y"]),
             helper.make_node("Identity", ["bias"], ["b_out"])]
    inits = [numpy_helper.from_array(w, "w"), numpy_helper.from_array(bias, "bias"),
             numpy_helper.from_array(np.array(2, np.float32), "two")]
    return _model(nodes, [helper.make_tensor_value_info("x", F, ["N", 4]),
                          helper.make_tensor_value_info("w", F, [4, 3]),
                          helper.make_tensor_value_info("bias", F, [3])],
                  [helper.make_tensor_value_info("y", F, None), helper.make_tensor_value_info("b_out", F, None)],
                  inits)


@pytest.mark.parametrize("provider", [NUMBA, CPU, TRITON])
def test_overridable_initializers_fed_at_run_time_override(provider: str, monkeypatch) -> None:
    model = _overridable_model()
    sess, ref = _any_session(model, provider, monkeypatch), _oracle(model)
    assert sorted(a.name for a in sess.get_overridable_initializers()) == ["bias", "w"]
    rng = np.random.default_rng(3)
    x = rng.standard_normal((5, 4)).astype(np.float32)
    w = rng.standard_normal((4, 3)).astype(np.float32)
    bias = rng.standard_normal(3).astype(np.float32)
    for feeds in ({"x": x}, {"x": x, "w": w}, {"x": x, "bias": bias}, {"x": x, "w": w, "bias": bias}, {"x": x}):
        got, want = sess.run(None, feeds), ref.run(None, feeds)
        for g, e in zip(got, want):
            np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-6)
    # the default an unfed run returns is the caller's to change: the next run is unaffected
    _, b_out = sess.run(None, {"x": x})
    b_out[:] = 100
    np.testing.assert_allclose(sess.run(None, {"x": x})[1], ref.run(None, {"x": x})[1])
    # a fed initializer of another shape is rejected, as onnxruntime does
    for bad in (np.ones((4, 4), np.float32), np.ones(4 * 3, np.float32)):
        with pytest.raises(InvalidArgument):
            sess.run(None, {"x": x, "w": bad})
        with pytest.raises(Exception):  # noqa: B017 - onnxruntime's InvalidArgument
            ref.run(None, {"x": x, "w": bad})


def test_overridable_initializers_are_plan_inputs_not_constants() -> None:
    sess = _session(_overridable_model(), NUMBA)
    plan = sess.executable.plan
    assert sess.executable._defaults.keys() == {"w", "bias"}
    assert {"w", "bias"} <= set(plan.inputs)
    assert not {"w", "bias", "w2"} & set(plan.constants)


# --- 4. concurrent runs ---------------------------------------------------------------------------------
def _concurrent(sess, feeds_per_thread: list[dict], runs: int) -> list[str]:
    expected = [sess.run(None, f)[0] for f in feeds_per_thread]
    errors: list[str] = []
    start = threading.Barrier(len(feeds_per_thread))

    def work(k: int) -> None:
        try:
            start.wait()
            for _ in range(runs):
                (y,) = sess.run(None, feeds_per_thread[k])
                if not np.array_equal(y, expected[k]):
                    errors.append(f"thread {k}: result differs from the sequential one")
                    return
        except Exception as exc:  # noqa: BLE001
            errors.append(f"thread {k}: {type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=work, args=(k,)) for k in range(len(feeds_per_thread))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


@pytest.mark.parametrize("threads", [1, 0])
def test_concurrent_runs_on_one_session_mlp(threads: int) -> None:
    model = _mlp()
    sess = _session(model, NUMBA, threads)
    rng = np.random.default_rng(5)
    # threads share shapes (one binding, several arena sets) and have their own (several bindings)
    feeds = [{"x": rng.standard_normal((4 if k % 2 else 3 + k, 16)).astype(np.float32)} for k in range(8)]
    assert _concurrent(sess, feeds, 50) == []
    ref = _oracle(model)
    for f in feeds:
        np.testing.assert_allclose(sess.run(None, f)[0], ref.run(None, f)[0], rtol=1e-4, atol=1e-5)
    for bound in sess.executable._bindings.values():
        assert len(bound.free) <= numba_provider.FREE_ARENA_SETS


@pytest.mark.parametrize("threads", [1, 0])
def test_concurrent_runs_on_one_session_conv(threads: int) -> None:
    model = _conv()
    sess = _session(model, NUMBA, threads)
    rng = np.random.default_rng(6)
    feeds = [{"x": rng.standard_normal((1 + k % 3, 3, 12, 12)).astype(np.float32)} for k in range(8)]
    assert _concurrent(sess, feeds, 50) == []
    ref = _oracle(model)
    for f in feeds:
        np.testing.assert_allclose(sess.run(None, f)[0], ref.run(None, f)[0], rtol=1e-4, atol=1e-4)


def test_concurrent_runs_with_host_steps() -> None:
    model = _loop_model(3)
    sess = _session(model, NUMBA)
    feeds = [{"x": np.full((k + 1, 4), k - 3, np.float32)} for k in range(8)]
    assert _concurrent(sess, feeds, 20) == []


def test_thread_pool_size_is_set_on_each_running_thread() -> None:
    """numba.set_num_threads is per thread: a session with intra_op_num_threads=1 run from a new
    thread uses one thread there too."""
    import numba

    sess = _session(_mlp(), NUMBA, threads=1)
    seen: list[int] = []

    def work() -> None:
        sess.run(None, {"x": np.ones((2, 16), np.float32)})
        seen.append(numba.get_num_threads())

    t = threading.Thread(target=work)
    t.start()
    t.join()
    assert seen == [1]


def test_parallel_kernels_take_turns_only_under_workqueue(monkeypatch) -> None:
    monkeypatch.setattr(numba_threads, "_layer", ["workqueue"])
    assert numba_threads.parallel_guard(True) is numba_threads._workqueue_lock
    assert numba_threads.parallel_guard(False) is None
    for layer in ("omp", "tbb"):
        monkeypatch.setattr(numba_threads, "_layer", [layer])
        assert numba_threads.parallel_guard(True) is None


def test_generated_drivers_release_the_gil() -> None:
    sess = _session(_mlp(), NUMBA)
    ex = sess.executable
    for parts in ex.drivers:
        for driver in parts:
            assert driver.targetoptions.get("nogil") is True


WORKQUEUE_SCRIPT = """
import sys
import numpy as np
sys.path.insert(0, {tests!r})
import numba
from test_runtime_safety import NUMBA, _concurrent, _conv, _session
sess = _session(_conv(), NUMBA)
assert numba.threading_layer() == "workqueue", numba.threading_layer()
rng = np.random.default_rng(0)
feeds = [{{"x": rng.standard_normal((1 + k % 3, 3, 12, 12)).astype(np.float32)}} for k in range(8)]
errors = _concurrent(sess, feeds, 20)
assert errors == [], errors
print("ok")
"""


def test_concurrent_parallel_kernels_under_the_workqueue_layer_do_not_abort() -> None:
    """Numba's 'workqueue' layer aborts the process when two threads launch parallel kernels at
    once: there, runs of plans with parallel kernels take turns (in a child process: an abort must
    not take the test run down)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = dict(os.environ, NUMBA_THREADING_LAYER="workqueue")
    script = WORKQUEUE_SCRIPT.format(tests=str(Path(__file__).resolve().parent))
    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=600,
                          cwd=str(Path(__file__).resolve().parent.parent))
    assert proc.returncode == 0 and proc.stdout.strip().endswith("ok"), proc.stdout[-2000:] + proc.stderr[-2000:]


@pytest.mark.parametrize("provider", [NUMBA, CPU])
def test_terminate_applies_to_run_with_iobinding(provider: str) -> None:
    sess = _session(_loop_model(1_000_000), provider)
    binding = sess.io_binding()
    binding.bind_cpu_input("x", np.ones((2, 4), np.float32))
    binding.bind_output("y")
    ro = onnxjit.RunOptions()
    ro.terminate = True
    with pytest.raises(Fail, match=TERMINATE):
        sess.run_with_iobinding(binding, ro)
    ro.terminate = False
    timer = threading.Timer(0.3, lambda: setattr(ro, "terminate", True))
    timer.start()
    try:
        with pytest.raises(Fail, match=TERMINATE):
            sess.run_with_iobinding(binding, ro)
    finally:
        timer.cancel()
    assert run_control.active() is None
