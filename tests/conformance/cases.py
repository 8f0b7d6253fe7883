"""The ONNX backend node cases of the installed onnx package, run through onnxjit.

Comparison follows onnx's backend test runner (`assert_similar_outputs`): same count, same shapes,
same dtypes, strings equal, numbers within the case's rtol/atol.
"""
from __future__ import annotations

import functools
import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import onnx

HERE = Path(__file__).parent
FAILURES_DIR = HERE / "expected_failures"


@functools.lru_cache(maxsize=1)
def node_cases() -> dict[str, Any]:
    from onnx.backend.test.case.node import collect_testcases

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cases = collect_testcases(None)
    return {c.name: c for c in cases}


def expected_failures(provider: str) -> dict[str, str]:
    """{case name: reason} from expected_failures/<provider>.txt ('name: reason' lines, # comments)."""
    path = FAILURES_DIR / f"{provider}.txt"
    out: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            name, _, reason = line.partition(":")
            reason = reason.strip()
            if not reason:
                raise ValueError(f"{path}: case {name!r} has no reason")
            out[name.strip()] = reason
    return out


def _normalize(x: Any) -> Any:
    if isinstance(x, onnx.TensorProto):
        return onnx.numpy_helper.to_array(x)
    if isinstance(x, onnx.SequenceProto):
        return [onnx.numpy_helper.to_array(t) for t in x.tensor_values]
    if isinstance(x, list):
        return [_normalize(v) for v in x]
    return x


_WIDEN = ("bfloat16", "float8", "float4", "float6", "int4", "uint4", "int2", "uint2")


def assert_similar(ref: list[Any], out: list[Any], rtol: float, atol: float) -> None:
    assert len(out) == len(ref), f"expected {len(ref)} outputs, got {len(out)}"
    for i, (r, o) in enumerate(zip(ref, out)):
        if isinstance(r, (list, tuple)):
            assert isinstance(o, (list, tuple)), f"output {i}: expected a sequence, got {type(o).__name__}"
            assert len(o) == len(r), f"output {i}: sequence length {len(o)} != {len(r)}"
            assert_similar(list(r), list(o), rtol, atol)
            continue
        if r is None:
            assert o is None, f"output {i}: expected None (empty optional)"
            continue
        assert isinstance(o, np.ndarray), f"output {i}: expected ndarray, got {type(o).__name__}"
        np.testing.assert_array_equal(o.shape, r.shape, err_msg=f"Output {i} has incorrect shape")
        if r.dtype == object:
            np.testing.assert_array_equal(o, r)
            continue
        np.testing.assert_equal(o.dtype, r.dtype)
        rt = rtol
        if r.dtype.name.startswith(_WIDEN):
            if r.dtype.name == "bfloat16":
                rt = max(rtol, 2**-6)
            kind = np.float32 if "float" in r.dtype.name else np.int32
            o, r = o.astype(kind), r.astype(kind)
        np.testing.assert_allclose(o, r, rtol=rt, atol=atol)


def run_case(case: Any, providers: list[str]) -> None:
    """Raises on any difference from the case's expected outputs."""
    import onnxjit

    rep = onnxjit.backend.prepare(case.model, "CPU", providers=providers)
    names = [i.name for i in case.model.graph.input]
    for inputs, expected in case.data_sets:
        inputs = [_normalize(x) for x in inputs]
        feed = dict(zip(names, inputs))
        outputs = rep.session.run(None, feed)
        assert_similar([_normalize(x) for x in expected], outputs, case.rtol, case.atol)


def light_models() -> list[tuple[str, Path, Path]]:
    """(name, model path, expected output path) of the light_* models shipped with onnx."""
    root = Path(os.path.dirname(onnx.__file__)) / "backend" / "test" / "data" / "light"
    return [(p.stem, p, p.with_name(p.stem + "_output_0.pb")) for p in sorted(root.glob("light_*.onnx"))]


def light_inputs(model: onnx.ModelProto) -> dict[str, np.ndarray]:
    """The inputs onnx's backend runner uses for light models: arange(n)/n of each non-initializer input."""
    inits = {i.name for i in model.graph.initializer}
    feeds = {}
    for x in model.graph.input:
        if x.name in inits:
            continue
        shape = tuple(d.dim_value if d.HasField("dim_value") else 1 for d in x.type.tensor_type.shape.dim)
        n = int(np.prod(shape))
        feeds[x.name] = (np.arange(n).reshape(shape) / n).astype(np.float32)
    return feeds
