"""SessionOptions.enable_profiling: the Chrome trace end_profiling() writes, its structure checked
against the trace onnxruntime writes for the same model (names, categories, counts; never times)."""
from __future__ import annotations

import json
import re
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime
import pytest
from onnx import TensorProto, helper, numpy_helper, save

import onnxjit

FEED = {"X": np.arange(-3, 3, dtype=np.float32).reshape(2, 3)}
NODE_NAMES = ["relu0", "exp0", "rsum0", "add0", "mod0", "topk0"]
RUNS = 2


def _model():
    """Relu -> Exp -> ReduceSum -> Add -> Mod (compiled kernels, some fused), then TopK (a host step
    the Numba provider runs with its reference kernel)."""
    nodes = [helper.make_node("Relu", ["X"], ["a"], name="relu0"),
             helper.make_node("Exp", ["a"], ["b"], name="exp0"),
             helper.make_node("ReduceSum", ["b"], ["r"], name="rsum0", keepdims=1),
             helper.make_node("Add", ["b", "r"], ["c"], name="add0"),
             helper.make_node("Mod", ["c", "X"], ["Y"], name="mod0", fmod=1),
             helper.make_node("TopK", ["c", "k"], ["V", "I"], name="topk0")]
    graph = helper.make_graph(
        nodes, "profiled", [helper.make_tensor_value_info("X", TensorProto.FLOAT, [2, 3])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [2, 3]),
         helper.make_tensor_value_info("V", TensorProto.FLOAT, [2, 2])],
        initializer=[numpy_helper.from_array(np.array([2], dtype=np.int64), "k")])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)


def _profile(module: Any, path: Path, prefix: str, providers: list[str]) -> dict[str, Any]:
    """Profile a session of `module` (onnxjit or onnxruntime) over RUNS runs, the first tagged."""
    so = module.SessionOptions()
    so.enable_profiling = True
    so.profile_file_prefix = prefix
    before = time.time_ns()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sess = module.InferenceSession(str(path), so, providers=providers)
    after = time.time_ns()
    tagged = module.RunOptions()
    tagged.logid = "first-run"
    outputs = [sess.run(None, FEED, tagged if r == 0 else None) for r in range(RUNS)]
    file = sess.end_profiling()
    return {"session": sess, "file": file, "prefix": prefix, "text": Path(file).read_text(), "events": json.loads(Path(file).read_text()),
            "start_ns": sess.get_profiling_start_time_ns(), "before": before, "after": after,
            "second_end": sess.end_profiling(), "outputs": outputs}


@pytest.fixture(scope="module")
def traces(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    folder = tmp_path_factory.mktemp("profiles")
    path = folder / "model.onnx"
    save(_model(), str(path))
    return {"ort": _profile(onnxruntime, path, str(folder / "ort_"), ["CPUExecutionProvider"]),
            "numba": _profile(onnxjit, path, str(folder / "numba_"), ["NumbaExecutionProvider"]),
            "reference": _profile(onnxjit, path, str(folder / "reference_"),
                                  [onnxjit.get_all_providers()[-1]])}  # the numpy reference kernels


def _runs(events: list[dict]) -> list[list[dict]]:
    """The Node events of each model_run, in run order (a node event lies inside its run's span)."""
    runs = [e for e in events if e["cat"] == "Session" and e["name"] == "model_run"]
    return [[e for e in events if e["cat"] == "Node" and r["ts"] <= e["ts"] <= r["ts"] + r["dur"] + 1] for r in runs]


def test_the_reference_trace_is_the_reference_provider(traces) -> None:
    assert traces["reference"]["session"].get_providers() == ["ReferenceExecutionProvider"]


@pytest.mark.parametrize("which", ["numba", "reference"])
def test_file_is_a_json_array_with_one_event_per_line(traces, which: str) -> None:
    ours, ort = traces[which], traces["ort"]
    for trace in (ours, ort):
        lines = trace["text"].rstrip("\n").split("\n")
        assert lines[0] == "[" and lines[-1] == "]"
        body = lines[1:-1]
        assert len(body) == len(trace["events"])
        for line in body:
            assert isinstance(json.loads(line.rstrip(",")), dict)
    for e in ours["events"]:
        assert set(e) == {"cat", "pid", "tid", "dur", "ts", "ph", "name", "args"}  # onnxruntime's keys
        assert set(e) == set(ort["events"][0])
        assert e["ph"] == "X" and e["cat"] in ("Session", "Node")
        assert all(isinstance(e[k], int) and e[k] >= 0 for k in ("pid", "tid", "dur", "ts"))
        assert isinstance(e["args"], dict)


@pytest.mark.parametrize("which", ["numba", "reference"])
def test_file_name_is_prefix_and_start_time_as_onnxruntime(traces, which: str) -> None:
    stamp = r"_\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d_\d{3}\.json"  # '_', then the start time to the ms
    for trace in (traces["ort"], traces[which]):
        assert re.fullmatch(re.escape(trace["prefix"]) + stamp, trace["file"])


@pytest.mark.parametrize("which", ["numba", "reference"])
def test_session_events_as_onnxruntime(traces, which: str) -> None:
    def session(trace: dict) -> list[str]:
        return [e["name"] for e in trace["events"] if e["cat"] == "Session"]

    ours, ort = session(traces[which]), session(traces["ort"])
    assert ours[:2] == ort[:2] == ["model_loading_uri", "session_initialization"]
    assert sorted(ours) == sorted(ort)
    assert ours.count("model_run") == ort.count("model_run") == RUNS


@pytest.mark.parametrize("which", ["numba", "reference"])
def test_each_run_covers_every_onnx_node_once(traces, which: str) -> None:
    ort_runs = _runs(traces["ort"]["events"])
    ours_runs = _runs(traces[which]["events"])
    assert len(ours_runs) == len(ort_runs) == RUNS
    for ours, ort in zip(ours_runs, ort_runs):
        ort_nodes = sorted(e["name"].removesuffix("_kernel_time") for e in ort)
        covered = sorted(n for e in ours for n in e["args"]["fused_nodes"])
        assert covered == ort_nodes == sorted(NODE_NAMES)
        ort_ops = sorted(e["args"]["op_name"] for e in ort)
        assert sorted(op for e in ours for op in e["args"]["fused_op_types"]) == ort_ops
        for e in ours:
            assert e["name"].endswith("_kernel_time")
            assert len(e["args"]["fused_nodes"]) == len(e["args"]["fused_op_types"]) >= 1
            assert e["args"]["provider"] in ("NumbaExecutionProvider", "ReferenceExecutionProvider")


def test_reference_node_events_match_onnxruntime(traces) -> None:
    """Node by node, the reference provider's events name and describe what onnxruntime's do."""
    keys = ("op_name", "input_type_shape", "output_type_shape")
    for ours, ort in zip(_runs(traces["reference"]["events"]), _runs(traces["ort"]["events"])):
        # the same events (the order of independent nodes may differ: both are topological orders)
        assert sorted(e["name"] for e in ours) == sorted(e["name"] for e in ort)
        ort_args = {e["name"]: [e["args"][k] for k in keys] for e in ort}
        assert {e["name"]: [e["args"][k] for k in keys] for e in ours} == ort_args
        assert {e["args"]["provider"] for e in ours} == {"ReferenceExecutionProvider"}


def test_numba_node_events_name_kernels_and_fused_nodes(traces) -> None:
    sess = traces["numba"]["session"]
    plan = sess.executable.plan
    run = _runs(traces["numba"]["events"])[0]
    assert any(len(e["args"]["fused_nodes"]) > 1 for e in run), "the elementwise chain is fused"
    for e in run:
        step = plan.steps[e["args"]["plan_step"]]
        assert e["name"] == f"{step.name}_kernel_time"
        assert e["args"]["fused_nodes"] == [n.name for n in step.nodes]
        assert e["args"]["node_index"] == str(e["args"]["plan_step"])
        if e["args"]["fused_op_types"] == ["TopK"]:  # a host step: the reference kernel runs it
            assert e["args"]["provider"] == "ReferenceExecutionProvider" and "kernel" not in e["args"]
        else:
            assert e["args"]["provider"] == "NumbaExecutionProvider"
            assert e["args"]["kernel"] in sess.executable.source
        assert e["args"]["output_type_shape"]


def test_run_tag_is_an_argument_of_its_model_run(traces) -> None:
    runs = [e for e in traces["numba"]["events"] if e["name"] == "model_run"]
    assert [r["args"].get("run_tag") for r in runs] == ["first-run", None]


@pytest.mark.parametrize("which", ["numba", "reference"])
def test_start_time_is_epoch_nanoseconds_and_timestamps_are_relative(traces, which: str) -> None:
    for trace in (traces[which], traces["ort"]):
        assert trace["before"] <= trace["start_ns"] <= trace["after"]
        ts = [e["ts"] for e in trace["events"]]
        assert min(ts) < 1_000  # µs after the start
        runs = [e["ts"] for e in trace["events"] if e["name"] == "model_run"]
        assert runs == sorted(runs)


@pytest.mark.parametrize("which", ["numba", "reference"])
def test_second_end_profiling_returns_empty(traces, which: str) -> None:
    assert traces["ort"]["second_end"] == traces[which]["second_end"] == ""


def test_profiled_results_equal_onnxruntime(traces) -> None:
    for which in ("numba", "reference"):
        for ours, ort in zip(traces[which]["outputs"], traces["ort"]["outputs"]):
            for a, b in zip(ours, ort):
                np.testing.assert_allclose(a, b, rtol=1e-5)


def test_runs_after_end_profiling_are_not_recorded(traces) -> None:
    sess = traces["numba"]["session"]
    out = sess.run(None, FEED)
    np.testing.assert_allclose(out[0], traces["ort"]["outputs"][0][0], rtol=1e-5)
    assert sess.end_profiling() == ""


def test_without_profiling_as_onnxruntime(tmp_path: Path) -> None:
    """No file, '' from end_profiling, start time 0; no kernel counts either."""
    path = tmp_path / "model.onnx"
    save(_model(), str(path))
    ort = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    sess = onnxjit.InferenceSession(str(path), providers=["NumbaExecutionProvider"])
    sess.run(None, FEED)
    assert sess.end_profiling() == ort.end_profiling() == ""
    assert sess.get_profiling_start_time_ns() == ort.get_profiling_start_time_ns() == 0
    assert not sess.executable.profiling and sess.executable.profiler is None
    with pytest.raises(onnxjit.capi.onnxruntime_pybind11_state.Fail, match="onnxjit.profile_kernels"):
        sess.kernel_profile()
    assert list(tmp_path.iterdir()) == [path]


def _session(path: Path, provider: str = "NumbaExecutionProvider", **config: str) -> Any:
    """A session in the test run's shared compile cache (conftest.py)."""
    so = onnxjit.SessionOptions()
    for key, value in config.items():
        so.add_session_config_entry(key, value)
    return onnxjit.InferenceSession(str(path), so, providers=[provider])


def _timed_steps(plan: Any) -> set[int]:
    """The steps a profiled run times: every kernel and host step (views and shape steps run nothing)."""
    return {k for k, s in enumerate(plan.steps) if s.kind.value not in ("view", "shape")}


def test_profile_mode_on_a_warm_cache_compiles_nothing(tmp_path: Path) -> None:
    """Profiling a model whose normal module is compiled calls the same compiled kernels one by one:
    the same cache entry, 0 functions compiled (creating and running), every kernel timed alone, and
    the same results as the unprofiled session."""
    path = tmp_path / "model.onnx"
    save(_model(), str(path))
    normal = _session(path)
    expected = normal.run(None, FEED)
    so = onnxjit.SessionOptions()
    so.enable_profiling = True
    so.profile_file_prefix = str(tmp_path / "warm_")
    profiled = onnxjit.InferenceSession(str(path), so, providers=["NumbaExecutionProvider"])
    got = [profiled.run(None, FEED) for _ in range(2)]
    assert profiled.compile_stats()["compiled"] == 0
    assert profiled.compile_stats()["cache_folder"] == normal.compile_stats()["cache_folder"]
    for outputs in got:
        for a, b in zip(outputs, expected):
            np.testing.assert_array_equal(a, b)
    profile = profiled.kernel_profile()
    assert {r.step for r in profile.rows} == _timed_steps(profiled.executable.plan)
    assert all(r.calls == 2 for r in profile.rows)
    events = json.loads(Path(profiled.end_profiling()).read_text())
    assert len([e for e in events if e["cat"] == "Node"]) == 2 * len(profile.rows)
    again = _session(path)  # and a normal session after it still loads everything
    assert again.compile_stats()["compiled"] == 0


NEW_PROCESS = """
import json, sys
import numpy as np
import onnxjit
so = onnxjit.SessionOptions()
so.add_session_config_entry("onnxjit.profile_kernels", "1")
sess = onnxjit.InferenceSession(sys.argv[1], so, providers=["NumbaExecutionProvider"])
out = sess.run(None, {"X": np.arange(-3, 3, dtype=np.float32).reshape(2, 3)})
sess.run(None, {"X": np.arange(-3, 3, dtype=np.float32).reshape(2, 3)})
print(json.dumps({"compiled": sess.compile_stats()["compiled"], "Y": out[0].tolist(),
                  "calls": sorted({r.calls for r in sess.kernel_profile().rows}),
                  "steps": len(sess.kernel_profile().rows)}))
"""


def test_profile_mode_in_a_new_process_compiles_nothing(tmp_path: Path) -> None:
    """The same in a new process, where every kernel loads from the disk cache: calling the loaded
    kernels from Python, as profile mode does, compiles none of them again."""
    import subprocess
    import sys

    path = tmp_path / "model.onnx"
    save(_model(), str(path))
    normal = _session(path)  # the normal module, in the shared cache (warm already, or now)
    expected = normal.run(None, FEED)
    out = subprocess.run([sys.executable, "-c", NEW_PROCESS, str(path)], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["compiled"] == 0
    assert got["calls"] == [2] and got["steps"] == len(_timed_steps(normal.executable.plan))
    np.testing.assert_array_equal(np.array(got["Y"], dtype=np.float32), expected[0])


def _check_counts(sess: Any, runs: int, provider: str) -> None:
    """Counts are runs x one per timed step; averages are total / calls and total / runs; reset zeroes."""
    profile = sess.kernel_profile()
    plan = sess.executable.plan
    assert profile.runs == runs and profile.provider == provider
    assert {r.step for r in profile.rows} == _timed_steps(plan)
    assert sum(r.calls for r in profile.rows) == runs * len(_timed_steps(plan))
    for r in profile.rows:
        step = plan.steps[r.step]
        assert (r.name, r.kind, list(r.op_types), list(r.nodes)) == (step.name, step.kind.value, step.op_types,
                                                                      step.node_names)
        assert r.provider == ("ReferenceExecutionProvider" if r.kind == "host" else provider)
        assert r.calls == runs and r.total_seconds > 0
        assert r.per_call_seconds == pytest.approx(r.total_seconds / r.calls)
        assert r.per_run_seconds == pytest.approx(r.total_seconds / runs)
        assert r.share == pytest.approx(r.total_seconds / profile.run_seconds)
    assert profile.kernel_seconds <= profile.run_seconds
    assert [r.total_seconds for r in profile.rows] == sorted((r.total_seconds for r in profile.rows), reverse=True)
    assert sorted(n for r in profile.rows for n in r.nodes) == sorted(NODE_NAMES)
    records = profile.as_records()
    assert [d["name"] for d in records] == [r.name for r in profile.rows]
    assert records[0]["calls"] == runs and isinstance(records[0]["op_types"], list)
    table = profile.to_table()
    assert f"{runs} runs" in table and all(r.name in table for r in profile.rows)
    sess.reset_kernel_profile()
    zeroed = sess.kernel_profile()
    assert zeroed.runs == 0 and zeroed.rows == () and zeroed.run_seconds == 0
    sess.run(None, FEED)
    assert {r.calls for r in sess.kernel_profile().rows} == {1}


def test_kernel_profile_counts_averages_and_reset(tmp_path: Path) -> None:
    path = tmp_path / "model.onnx"
    save(_model(), str(path))
    sess = _session(path, **{"onnxjit.profile_kernels": "1"})
    for _ in range(3):
        sess.run(None, FEED)
    _check_counts(sess, 3, "NumbaExecutionProvider")
    assert sess.end_profiling() == ""  # counting kernels writes no trace


def test_iobinding_runs_are_profiled(tmp_path: Path) -> None:
    path = tmp_path / "model.onnx"
    save(_model(), str(path))
    so = onnxjit.SessionOptions()
    so.enable_profiling = True
    so.profile_file_prefix = str(tmp_path / "bound_")
    sess = onnxjit.InferenceSession(str(path), so, providers=["NumbaExecutionProvider"])
    binding = sess.io_binding()
    binding.bind_cpu_input("X", FEED["X"])
    binding.bind_output("Y")
    sess.run_with_iobinding(binding)
    events = json.loads(Path(sess.end_profiling()).read_text())
    assert [e["name"] for e in events if e["name"] == "model_run"] == ["model_run"]
    assert sorted(n for e in events if e["cat"] == "Node" for n in e["args"]["fused_nodes"]) == sorted(NODE_NAMES)


@pytest.fixture
def triton_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The test model saved for a Triton session (in Triton's interpreter where there is no GPU)."""
    pytest.importorskip("triton", reason="the Triton provider needs triton")
    pytest.importorskip("torch", reason="the Triton provider needs torch")
    from onnxjit.providers.triton.device import cuda_available

    if not cuda_available():
        monkeypatch.setenv("TRITON_INTERPRET", "1")
    path = tmp_path / "model.onnx"
    save(_model(), str(path))
    return path


def test_triton_node_events(triton_model: Path, tmp_path: Path) -> None:
    """The Triton provider times each launch between device synchronisations (in Triton's interpreter
    without a GPU) and its host steps; the trace covers every ONNX node once per run, as onnxruntime's."""
    path = triton_model
    so = onnxjit.SessionOptions()
    so.enable_profiling = True
    so.profile_file_prefix = str(tmp_path / "triton")
    sess = onnxjit.InferenceSession(str(path), so, providers=["TritonExecutionProvider"])
    out = sess.run(None, FEED)
    ort = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, FEED)
    for a, b in zip(out, ort):
        np.testing.assert_allclose(a, b, rtol=1e-5)
    events = json.loads(Path(sess.end_profiling()).read_text())
    (run,) = _runs(events)
    assert sorted(n for e in run for n in e["args"]["fused_nodes"]) == sorted(NODE_NAMES)
    providers = {e["args"]["provider"] for e in run}
    assert "TritonExecutionProvider" in providers and providers <= {"TritonExecutionProvider", "ReferenceExecutionProvider"}
    assert all(e["name"].endswith("_kernel_time") for e in run)


def test_triton_kernel_profile_counts(triton_model: Path) -> None:
    path = triton_model
    sess = _session(path, "TritonExecutionProvider", **{"onnxjit.profile_kernels": "1"})
    for _ in range(2):
        sess.run(None, FEED)
    _check_counts(sess, 2, "TritonExecutionProvider")


def test_profile_mode_runs_parallel_templates(tmp_path: Path) -> None:
    """MatMul and Conv are parallel templates: their driver calls a shared wrapper that runs the
    kernel's jobs at the addresses it is given. Profile mode calls that wrapper the same way, so the
    results equal the unprofiled session's and each template is one timed row per run."""
    rng = np.random.default_rng(0)
    inits = [numpy_helper.from_array(rng.standard_normal((16, 8)).astype(np.float32), "W"),
             numpy_helper.from_array(rng.standard_normal((4, 2, 3, 3)).astype(np.float32), "K")]
    nodes = [helper.make_node("MatMul", ["x", "W"], ["m"], name="mm"), helper.make_node("Relu", ["m"], ["r"], name="relu"),
             helper.make_node("Reshape", ["r", "shape"], ["img"], name="reshape"),
             helper.make_node("Conv", ["img", "K"], ["y"], name="conv", pads=[1, 1, 1, 1])]
    inits.append(numpy_helper.from_array(np.array([-1, 2, 2, 2], np.int64), "shape"))
    graph = helper.make_graph(nodes, "templates", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 16])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)
    path = tmp_path / "templates.onnx"
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    feed = {"x": rng.standard_normal((3, 16)).astype(np.float32)}
    expected = _session(path).run(None, feed)[0]
    sess = _session(path, **{"onnxjit.profile_kernels": "1"})
    for _ in range(3):
        np.testing.assert_array_equal(sess.run(None, feed)[0], expected)
    rows = {r.name: r for r in sess.kernel_profile().rows}
    plan = sess.executable.plan
    templates = [s.name for s in plan.steps if s.kind.value == "template"]
    assert len(templates) == 2 and all(rows[t].calls == 3 for t in templates)
