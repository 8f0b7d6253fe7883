"""The fusion research API: onnxjit.plan (no compiling), FusionPolicy knobs, the "why not fused" log,
the plan as JSON / DOT, kernels named after their plan step, and ONNXJIT_LOGS / ONNXJIT_DUMP_CODE."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import onnxjit
from onnxjit.compiler.fusion import FusionPolicy, GreedyFusion, StepKind, Why
from onnxjit.compiler.fusion.layout import build_layout

ROOT = Path(__file__).resolve().parent.parent


def small_model() -> onnx.ModelProto:
    """MatMul + bias + Relu + Neg + Exp (an epilogue chain), ReduceSum, Div: 7 nodes, 3 fused kernels."""
    w = numpy_helper.from_array(np.random.default_rng(0).standard_normal((8, 4)).astype(np.float32), "w")
    b = numpy_helper.from_array(np.linspace(-1, 1, 4).astype(np.float32), "b")
    nodes = [helper.make_node("MatMul", ["x", "w"], ["mm"], name="mm"),
             helper.make_node("Add", ["mm", "b"], ["a"], name="add"),
             helper.make_node("Relu", ["a"], ["r"], name="relu"),
             helper.make_node("Neg", ["r"], ["n1"], name="neg"),
             helper.make_node("Exp", ["n1"], ["e"], name="exp"),
             helper.make_node("ReduceSum", ["e"], ["s"], name="sum", keepdims=1),
             helper.make_node("Div", ["e", "s"], ["y"], name="div")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 4])], [w, b])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)


@pytest.fixture(scope="module")
def model_path(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("plan_api") / "small.onnx"
    onnx.save(small_model(), str(path))
    return str(path)


def _feed() -> dict[str, np.ndarray]:
    return {"x": np.random.default_rng(1).standard_normal((3, 8)).astype(np.float32)}


# --- onnxjit.plan ---------------------------------------------------------------------------------

def test_plan_generates_and_compiles_nothing(model_path: str, tmp_path: Path) -> None:
    """A fresh process: plan() writes nothing into the cache folder and never imports Numba."""
    cache = tmp_path / "cache"
    code = textwrap.dedent(f"""
        import sys, onnxjit
        plan = onnxjit.plan({model_path!r})
        assert "numba" not in sys.modules, "plan() imported numba"
        print(len(plan.kernel_steps))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT,
                         env={**os.environ, "ONNXJIT_CACHE_DIR": str(cache)})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "3"
    assert not cache.exists() or not any(cache.rglob("*")), sorted(cache.rglob("*"))


def test_plan_takes_path_bytes_and_proto(model_path: str) -> None:
    by_path = onnxjit.plan(model_path).to_dict()
    assert onnxjit.plan(small_model().SerializeToString()).to_dict() == by_path
    assert onnxjit.plan(small_model()).to_dict() == by_path
    assert [s["op_types"] for s in by_path["steps"]] == \
        [["MatMul", "Add", "Relu", "Neg", "Exp"], ["ReduceSum"], ["Div"]]


def test_policy_knobs_change_the_plan(model_path: str) -> None:
    default = onnxjit.plan(model_path)
    off = onnxjit.plan(model_path, policy=onnxjit.FusionPolicy(fuse=False))
    no_epilogue = onnxjit.plan(model_path, policy=onnxjit.FusionPolicy(epilogues=False))
    small = onnxjit.plan(model_path, policy=onnxjit.FusionPolicy(max_group_nodes=2))
    assert len(default.kernel_steps) == 3
    # fusion off: one step per node
    assert [len(s.nodes) for s in off.steps] == [1] * 7 and len(off.kernel_steps) == 7
    # epilogues off: the MatMul and the reduction run alone, the elementwise chain is one group
    tpl = [s for s in no_epilogue.steps if s.kind in (StepKind.TEMPLATE, StepKind.REDUCTION)]
    assert tpl and all(len(s.nodes) == 1 and not s.exprs for s in tpl)
    assert [s.op_types for s in no_epilogue.steps if s.kind is StepKind.ELEMENTWISE][0] == ["Add", "Relu", "Neg", "Exp"]
    # groups of at most 2 nodes: more kernels than the default
    assert all(len(s.nodes) <= 2 for s in small.steps) and len(small.kernel_steps) > len(default.kernel_steps)
    assert sum(len(s.nodes) for s in small.steps) == 7
    # expressions at most 1 deep: every node's expression is a group of its own
    shallow = onnxjit.plan(model_path, policy=onnxjit.FusionPolicy(max_group_depth=1))
    assert [len(s.nodes) for s in shallow.steps] == [1] * 7
    assert {d.detail.split(": ")[-1] for d in shallow.decisions if d.why is Why.GROUP_FULL} == {"max_group_depth=1"}


def test_decisions_say_why(model_path: str) -> None:
    default = onnxjit.plan(model_path)
    names = {s.name for s in default.steps}
    assert default.decisions and all(d.detail and d.step in names for d in default.decisions)
    div = [d for d in default.decisions if d.node == "div"]
    assert len(div) == 1 and div[0].why is Why.DIFFERENT_DOMAIN and "[n,4]" in div[0].detail, div
    whys = {p: {d.why for d in onnxjit.plan(model_path, policy=pol).decisions}
            for p, pol in (("off", FusionPolicy(fuse=False)), ("epi", FusionPolicy(epilogues=False)),
                           ("small", FusionPolicy(max_group_nodes=2)))}
    assert Why.FUSION_DISABLED in whys["off"]
    assert Why.EPILOGUES_OFF in whys["epi"]
    assert Why.GROUP_FULL in whys["small"]
    full = [d for d in onnxjit.plan(model_path, policy=FusionPolicy(max_group_nodes=2)).decisions
            if d.why is Why.GROUP_FULL]
    assert all("max_group_nodes=2" in d.detail for d in full)
    text = default.describe(why=True)
    assert "why not fused" in text and str(div[0]) in text
    assert "why not fused" not in default.describe()


def test_host_steps_are_logged() -> None:
    """A node the compiled kernels do not take (a bfloat16 value) is a host step with its reason."""
    nodes = [helper.make_node("Cast", ["x"], ["h"], to=TensorProto.BFLOAT16, name="to_bf16"),
             helper.make_node("Cast", ["h"], ["y"], to=TensorProto.FLOAT, name="to_f32")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4])])
    plan = onnxjit.plan(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8))
    host = [d for d in plan.decisions if d.why is Why.DTYPE]
    assert {d.node for d in host} == {"to_bf16", "to_f32"} and all("bfloat16" in d.detail for d in host)


def test_plan_json_round_trip_and_dot(model_path: str) -> None:
    plan = onnxjit.plan(model_path)
    data = json.loads(plan.to_json())
    assert data == plan.to_dict()
    assert data["summary"]["kernels"] == 3 and data["summary"]["nodes"] == 7
    assert [s["name"] for s in data["steps"]] == [s.name for s in plan.steps]
    x = data["steps"][0]["inputs"][0]
    assert x == {"name": "x", "dtype": "float32", "shape": ["n", 8]}
    assert data["decisions"][0].keys() == {"node", "op_type", "step", "why", "detail"}
    dot = plan.to_dot()
    assert dot.startswith("digraph plan {") and dot.rstrip().endswith("}")
    assert all(f"] {s.name}" in dot for s in plan.steps)
    assert "s0 -> s1" in dot and "s1 -> s2" in dot


def test_dot_escapes_model_names() -> None:
    nodes = [helper.make_node("Relu", ['x"]; evil'], ["y"], name='r"\n}')]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info('x"]; evil', TensorProto.FLOAT, [2])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])])
    dot = onnxjit.plan(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)).to_dot()
    assert '\\"]; evil' in dot and '"]; evil' not in dot.replace('\\"', "")


def test_plan_refuses_bad_arguments(model_path: str) -> None:
    with pytest.raises(onnxjit.InvalidArgument, match="unknown provider 'Nope'.*NumbaExecutionProvider"):
        onnxjit.plan(model_path, provider="Nope")
    with pytest.raises(onnxjit.InvalidArgument, match="no kernel plan"):
        onnxjit.plan(model_path, provider="ReferenceExecutionProvider")
    with pytest.raises(onnxjit.InvalidArgument, match="max_group_nodes"):
        onnxjit.FusionPolicy(max_group_nodes=0)
    with pytest.raises(onnxjit.InvalidArgument, match="policy must be"):
        onnxjit.plan(model_path, policy=42)
    so = onnxjit.SessionOptions()
    so.add_session_config_entry("onnxjit.fusion.max_group_nodez", "2")
    with pytest.raises(onnxjit.InvalidArgument, match="unknown session config entry"):
        onnxjit.plan(model_path, sess_options=so)
    with pytest.raises(onnxjit.NoSuchFile):
        onnxjit.plan(model_path + ".missing")


def test_triton_plan_needs_no_gpu(model_path: str) -> None:
    plan = onnxjit.plan(model_path, provider="CUDAExecutionProvider")
    assert len(plan.kernel_steps) == 3 and plan.summary()["host_steps"] == 0


def test_greedy_fusion_subclass_is_a_policy(model_path: str) -> None:
    class NeverMerge(GreedyFusion):
        def can_merge(self, group, node_out_shape) -> bool:
            return False

    plan = onnxjit.plan(model_path, policy=NeverMerge())
    assert len(plan.kernel_steps) == 7
    assert any(d.why is Why.POLICY and "NeverMerge.can_merge" in d.detail for d in plan.decisions)


def test_policy_config_entries_round_trip() -> None:
    pol = FusionPolicy(fuse=False, epilogues=False, max_group_nodes=3)
    assert FusionPolicy.from_config(pol.config_entries()) == pol
    assert FusionPolicy.from_config({}) == FusionPolicy()


# --- sessions run what onnxjit.plan shows ---------------------------------------------------------

def test_session_config_knobs_match_plan_and_onnxruntime(model_path: str) -> None:
    ort = pytest.importorskip("onnxruntime")
    so = onnxjit.SessionOptions()
    so.add_session_config_entry("onnxjit.fusion.max_group_nodes", "2")
    so.add_session_config_entry("onnxjit.fusion.epilogues", "0")
    sess = onnxjit.InferenceSession(model_path, so, providers=["NumbaExecutionProvider"])
    planned = onnxjit.plan(model_path, sess_options=so)
    assert sess.executable.plan.to_dict() == planned.to_dict()
    assert len(planned.kernel_steps) == 5  # MatMul | Add,Relu | Neg,Exp | ReduceSum | Div
    (got,) = sess.run(None, _feed())
    (want,) = ort.InferenceSession(model_path, providers=["CPUExecutionProvider"]).run(None, _feed())
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_fusion_policy_provider_option_is_keyed_in_the_plan_cache(model_path: str) -> None:
    """A FusionPolicy is data: the plan cache keys it, so a session with other knobs never gets another
    policy's plan, and the same knobs come back from the cache."""
    def session(policy):
        return onnxjit.InferenceSession(model_path, providers=[("NumbaExecutionProvider", {"fusion_policy": policy})])

    off = session(FusionPolicy(fuse=False))
    assert len(off.executable.plan.kernel_steps) == 7
    again = session(FusionPolicy(fuse=False))
    assert again.compile_stats()["plan_from_cache"] and len(again.executable.plan.kernel_steps) == 7
    assert len(session(FusionPolicy()).executable.plan.kernel_steps) == 3
    np.testing.assert_allclose(off.run(None, _feed())[0], session(None).run(None, _feed())[0], rtol=1e-5, atol=1e-6)


# --- kernels named after their plan step ----------------------------------------------------------

def test_numba_source_names_each_kernel_step(model_path: str) -> None:
    """explain's step names are the names the generated source gives its kernel calls: each driver
    call is headed `# [k] <step> -> <kernel>: <nodes>`, and that kernel is defined in the source
    (kernels are named by content: steps with the same source share one compiled kernel)."""
    sess = onnxjit.InferenceSession(model_path, providers=["NumbaExecutionProvider"])
    ex = sess.executable
    kernel_steps = [(k, s) for k, s in enumerate(ex.plan.steps) if s.kind not in (StepKind.VIEW, StepKind.SHAPE,
                                                                                  StepKind.HOST)]
    assert len(kernel_steps) == 3
    for k, step in kernel_steps:
        kernel = ex.module_info.step_kernels[k]
        assert f"# [{k}] {step.name} -> {kernel}: " in ex.module_info.source
        # a kernel is defined under its name, or (a parallel template) as the `_jobs` of its own
        # module, imported under its name
        assert f"def {kernel}(" in ex.source or f"_jobs as {kernel}_jobs" in ex.module_info.source


def test_triton_source_names_each_kernel_step(model_path: str) -> None:
    from onnxjit.compiler.codegen.triton_gen import render_triton

    plan = onnxjit.plan(model_path, provider="TritonExecutionProvider")
    module = render_triton(plan, build_layout(plan))
    for k, step in enumerate(plan.steps):
        if k in module.calls:
            kernel = module.step_code[k][0]
            assert kernel.startswith(step.name + "_") or f"# [{k}] {step.name} -> launch_{kernel}" in module.source
            assert f"# [{k}] {step.name} -> launch_{kernel}:" in module.source
            assert f"def {kernel}(" in module.source


# --- ONNXJIT_LOGS=output_code, ONNXJIT_DUMP_CODE ----------------------------------------------------

def test_output_code_log_and_dump(model_path: str, tmp_path: Path, monkeypatch, capfd) -> None:
    monkeypatch.setenv("ONNXJIT_LOGS", "output_code")
    monkeypatch.setenv("ONNXJIT_DUMP_CODE", str(tmp_path / "dump"))
    sess = onnxjit.InferenceSession(model_path, providers=["NumbaExecutionProvider"])
    err = capfd.readouterr().err
    plan = sess.executable.plan
    files = sorted(p.name for p in (tmp_path / "dump").iterdir())
    assert files == sorted(f"{s.name}.py" for s in plan.kernel_steps)
    for k, step in enumerate(plan.steps):
        if step.kind is StepKind.VIEW:
            continue
        text = (tmp_path / "dump" / f"{step.name}.py").read_text()
        kernel = sess.executable.module_info.step_kernels[k]
        assert f"plan step [{k}] {step.name}" in text and f"# kernel: {kernel} " in text
        assert f"def {kernel}(" in text or "def _jobs(" in text  # a parallel template's jobs
        assert all(f"{n.op_type} '{n.name}'" in text for n in step.nodes)
        assert f"[onnxjit output_code] {step.name}\n" in err


def test_output_code_triton_and_quiet_by_default(model_path: str, tmp_path: Path, monkeypatch, capfd) -> None:
    from onnxjit.compiler.codegen.triton_gen import render_triton
    from onnxjit.providers import code_log

    plan = onnxjit.plan(model_path, provider="TritonExecutionProvider")
    module = render_triton(plan, build_layout(plan))
    monkeypatch.delenv("ONNXJIT_LOGS", raising=False)
    monkeypatch.delenv("ONNXJIT_DUMP_CODE", raising=False)
    code_log.emit(plan, module.step_code, "TritonExecutionProvider")
    assert capfd.readouterr().err == ""
    monkeypatch.setenv("ONNXJIT_DUMP_CODE", str(tmp_path))
    code_log.emit(plan, module.step_code, "TritonExecutionProvider")
    for k in module.calls:
        text = (tmp_path / f"{plan.steps[k].name}.py").read_text()
        assert "@triton.jit" in text and f"def {module.step_code[k][0]}(" in text


def test_readme_fusion_research_example_runs(model_path: str, capsys) -> None:
    import re

    section = (ROOT / "README.md").read_text().split("## Fusion research", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, flags=re.S).group(1).replace('"model.onnx"', repr(model_path))
    exec(compile(code, "README.md#fusion-research", "exec"), {"__name__": "readme_fusion"})  # noqa: S102 - our README
    out = capsys.readouterr().out
    assert "why not fused" in out and "3 kernels by default, 5 with small groups" in out
