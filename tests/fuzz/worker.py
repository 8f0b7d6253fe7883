"""Evaluates a batch of mutants in this (sub)process: `python -m tests.fuzz.worker RUN_SEED REPORT IDX...`.

For every mutant it writes JSON lines to REPORT, flushed at once: `{"idx", "stage"}` before each
stage (so that the parent knows where a crash or a hang happened) and `{"idx", "result"}` at the end.
The mutant is run on onnxruntime (CPUExecutionProvider) and on onnxjit with each of `JIT_CONFIGS`;
each onnxjit configuration gets a class (see `classify`).
"""
from __future__ import annotations

import json
import os
import sys
import time
import traceback
import warnings
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[2]
os.environ.setdefault("ONNXJIT_CACHE_DIR", str(REPO / ".onnxjit_cache"))

# the CPU configuration first: memory the Numba one corrupts then shows up in a later mutant, never
# as this mutant's CPU crash
JIT_CONFIGS = {"cpu": ["ReferenceExecutionProvider"], "numba": ["NumbaExecutionProvider", "ReferenceExecutionProvider"]}
MAX_FEED_DIM = 64
MAX_FEED_ELEMS = 100_000
RTOL, ATOL = 1e-3, 1e-4

# classes that fail the acceptance check (crash and hang are set by the parent)
FAILING = ("crash", "hang", "untyped", "mismatch", "only-onnxjit-wrong", "none-output")


# --- feeds ------------------------------------------------------------------------------------

def build_feed(data: bytes, seed_feeds: dict[str, np.ndarray], rng: np.random.Generator,
               free_sizes: dict[str, int] | None = None) -> tuple[dict[str, np.ndarray] | None, str]:
    """A feed that matches the mutant's declared inputs, or None (and why) when none can be built
    small: dims past MAX_FEED_DIM, negative dims, non-tensor or string inputs. Declared dims win; a
    free dim takes its size from `free_sizes` (by dim name) when given, else the seed feed's size;
    the seed feed's array is used when it fits."""
    import onnx
    from onnx import helper

    model = onnx.ModelProto()
    try:
        model.ParseFromString(data)
    except Exception as exc:  # noqa: BLE001
        return None, f"model does not parse: {exc!r}"
    inits = {t.name for t in model.graph.initializer}
    feed: dict[str, np.ndarray] = {}
    for vi in model.graph.input:
        if vi.name in inits:
            continue
        if not vi.type.HasField("tensor_type"):
            return None, f"input {vi.name!r} is not a tensor"
        tt = vi.type.tensor_type
        try:
            dtype = np.dtype(helper.tensor_dtype_to_np_dtype(tt.elem_type))
        except Exception:  # noqa: BLE001
            return None, f"input {vi.name!r} has elem_type {tt.elem_type}"
        if dtype.kind in "OUS" or dtype.kind == "V":
            return None, f"input {vi.name!r} has dtype {dtype}"
        base = seed_feeds.get(vi.name)
        if not tt.HasField("shape"):
            shape = tuple(base.shape) if base is not None else ()
        else:
            shape = []
            for k, d in enumerate(tt.shape.dim):
                if d.HasField("dim_value"):
                    if not 0 <= d.dim_value <= MAX_FEED_DIM:
                        return None, f"input {vi.name!r} declares dim {d.dim_value}"
                    shape.append(d.dim_value)
                elif free_sizes is not None:
                    shape.append(free_sizes.setdefault(d.dim_param, int(rng.choice([0, 1, 1, 3, 5]))))
                elif base is not None and base.ndim == len(tt.shape.dim):
                    shape.append(base.shape[k])
                else:
                    shape.append(2)
            shape = tuple(shape)
        if int(np.prod(shape, dtype=np.int64)) > MAX_FEED_ELEMS:
            return None, f"input {vi.name!r} would be {shape}"
        if base is not None and base.shape == shape and base.dtype == dtype:
            feed[vi.name] = base
        elif dtype.kind == "f":
            feed[vi.name] = rng.standard_normal(shape).astype(dtype)
        elif dtype.kind == "b":
            feed[vi.name] = rng.random(shape) < 0.5
        elif dtype.kind in "iu":
            feed[vi.name] = rng.integers(0, 3, shape).astype(dtype)
        elif dtype.kind == "c":
            feed[vi.name] = (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)
        else:
            return None, f"input {vi.name!r} has dtype {dtype}"
    return feed, ""


# --- running ----------------------------------------------------------------------------------

def _error(exc: BaseException) -> dict[str, str]:
    return {"type": f"{type(exc).__module__}.{type(exc).__qualname__}", "message": str(exc)[:600],
            "traceback": traceback.format_exc()[-2500:]}


def run_ort(data: bytes, feed: dict | None) -> dict[str, Any]:
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.log_severity_level = 4
    try:
        sess = ort.InferenceSession(data, so, providers=["CPUExecutionProvider"])
    except Exception as exc:  # noqa: BLE001
        return {"status": "reject", "stage": "load", "error": _error(exc)}
    if feed is None:
        return {"status": "ok", "stage": "load"}
    try:
        outs = sess.run(None, feed)
    except Exception as exc:  # noqa: BLE001
        return {"status": "reject", "stage": "run", "error": _error(exc)}
    return {"status": "ok", "stage": "run", "outputs": outs}


def run_onnxjit(data: bytes, feed: dict | None, providers: list[str]) -> dict[str, Any]:
    import onnxjit

    so = onnxjit.SessionOptions()
    so.intra_op_num_threads = 1
    so.add_session_config_entry("onnxjit.parallel_compile", "0")
    so.add_session_config_entry("onnxjit.plan_cache", "0")
    stage = "load"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sess = onnxjit.InferenceSession(data, sess_options=so, providers=providers)
            if feed is None:
                return {"status": "ok", "stage": "load"}
            stage = "run"
            outs = sess.run(None, feed)
    except onnxjit.OnnxJitError as exc:
        return {"status": "reject", "stage": stage, "error": _error(exc)}
    except Exception as exc:  # noqa: BLE001 - what the fuzzer is looking for
        return {"status": "untyped", "stage": stage, "error": _error(exc)}
    return {"status": "ok", "stage": "run", "outputs": outs}


def without_value_info(data: bytes) -> bytes:
    """The model with its declared value_info (the main graph's) removed; `data` itself if it does
    not parse."""
    import onnx

    try:
        model = onnx.load_from_string(data)
        del model.graph.value_info[:]
        return model.SerializeToString()
    except Exception:  # noqa: BLE001
        return data


def run_reference(data: bytes, feed: dict) -> list | None:
    """onnx's reference evaluator's outputs, or None when it refuses the model."""
    import onnx
    from onnx.reference import ReferenceEvaluator

    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            model = onnx.load_from_string(data)
            return list(ReferenceEvaluator(model).run(None, feed))
    except Exception:  # noqa: BLE001
        return None


# --- comparing --------------------------------------------------------------------------------

def compare(expected: list, actual: list, nan_tolerant: bool = False) -> str | None:
    """None when `actual` equals `expected` (same count, dtype, shape; values within RTOL/ATOL,
    NaN where NaN, infinities where infinities), else what differs. `nan_tolerant`: an output
    where `expected` is not finite somewhere ignores the places where either side is NaN (whether
    Max, MaxPool, Relu... propagate NaN is not specified by ONNX, and onnxruntime's ops differ) and
    those where both are past 1e30 with one sign (an infinity against a huge finite value: where a
    sum overflows depends on the order and precision it is accumulated in)."""
    if len(expected) != len(actual):
        return f"{len(actual)} outputs, expected {len(expected)}"
    for k, (e, a) in enumerate(zip(expected, actual)):
        e, a = np.asarray(e), np.asarray(a)
        if e.dtype != a.dtype:
            return f"output {k}: dtype {a.dtype}, expected {e.dtype}"
        if e.shape != a.shape:
            return f"output {k}: shape {a.shape}, expected {e.shape}"
        if e.dtype.kind in "fc":
            if nan_tolerant and not np.isfinite(e).all():
                with np.errstate(all="ignore"):
                    near_overflow = (np.abs(e) > 1e30) & (np.abs(a) > 1e30) & (np.sign(e) == np.sign(a))
                keep = ~(np.isnan(e) | np.isnan(a) | near_overflow)
                e, a = e[keep], a[keep]
            try:
                np.testing.assert_allclose(a, e, rtol=RTOL, atol=ATOL, equal_nan=True)
            except AssertionError as exc:
                return f"output {k}: values differ{str(exc)[:800]}"
        elif not np.array_equal(a, e):
            bad = np.argwhere(a != e)[:5].tolist() if a.shape == e.shape else []
            return f"output {k}: values differ at {bad}: got {a.ravel()[:8].tolist()}, expected {e.ravel()[:8].tolist()}"
    return None


def classify(ort_res: dict, jit: dict, oracles: list[tuple[str, list]], fed: bool = True) -> tuple[str, str]:
    """One onnxjit configuration's class and a detail line:
    untyped       onnxjit raised an exception outside onnxjit's error classes
    none-output   onnxjit's run returned None in place of an output
    match         both accept (load, and run when a feed was built) and the results are equal
    mismatch      both ran and the results differ
    nonfinite-differs  they differ only where one side has NaN or both overflow, and onnxruntime's
                  output is not finite somewhere: reported, not a failure (see `compare`)
    both-reject   both refuse the model (at load or at run)
    only-ort-accepts / only-onnxjit-accepts
    only-onnxjit-wrong  onnxruntime refuses, onnxjit runs, and its result disagrees with an oracle
                  (onnxruntime on the model without its value_info, else onnx's reference
                  evaluator, else the other onnxjit configuration)
    *-load        the same where no feed could be built (only loading was compared)"""
    if jit["status"] == "untyped":
        e = jit["error"]
        return "untyped", f"{jit['stage']}: {e['type']}: {e['message']}"
    missing = [k for k, out in enumerate(jit.get("outputs", [])) if out is None]
    if missing:
        return "none-output", f"run returned None for outputs {missing}"
    suffix = "" if fed else "-load"
    if ort_res["status"] == "ok" and jit["status"] == "ok":
        if "outputs" in ort_res and "outputs" in jit:
            diff = compare(ort_res["outputs"], jit["outputs"])
            if diff and compare(ort_res["outputs"], jit["outputs"], nan_tolerant=True) is None:
                return "nonfinite-differs", diff
            return ("mismatch", diff) if diff else ("match", "")
        return "both-accept-load", ""
    if ort_res["status"] != "ok" and jit["status"] != "ok":
        return "both-reject", f"onnxjit: {jit['error']['message'][:200]}"
    if ort_res["status"] == "ok":
        return "only-ort-accepts" + suffix, f"onnxjit ({jit['stage']}): {jit['error']['message'][:300]}"
    detail = f"onnxruntime ({ort_res['stage']}): {ort_res['error']['message'][:300]}"
    if "outputs" in jit:
        for name, outs in oracles:
            diff = compare(outs, jit["outputs"], nan_tolerant=True)
            if diff:
                return "only-onnxjit-wrong", f"vs {name}: {diff}; {detail}"
    return "only-onnxjit-accepts" + suffix, detail


# --- the batch --------------------------------------------------------------------------------

def evaluate(run_seed: int, idx: int, emit) -> dict[str, Any]:
    from tests.fuzz.mutators import make_mutant
    from tests.fuzz.seeds import SEEDS

    emit({"idx": idx, "stage": "mutate"})
    mutant = make_mutant(run_seed, idx)
    seed = next(s for s in SEEDS if s.name == mutant.seed_name)
    rng = np.random.default_rng([run_seed, idx])
    # one mutant in four runs with other sizes for its free dims (one size a name; 0 and 1 among them)
    free_sizes = {} if rng.random() < 0.25 else None
    feed, why_no_feed = build_feed(mutant.data, seed.feeds(rng), rng, free_sizes)
    if free_sizes:
        mutant.steps.append(f"free dims fed as {free_sizes}")
    emit({"idx": idx, "stage": "ort"})
    ort_res = run_ort(mutant.data, feed)
    jits = {}
    for name, providers in JIT_CONFIGS.items():
        emit({"idx": idx, "stage": f"onnxjit:{name}"})
        jits[name] = run_onnxjit(mutant.data, feed, providers)
    oracles: list[tuple[str, list]] = []
    if ort_res["status"] != "ok" and feed is not None and any("outputs" in j for j in jits.values()):
        # onnxjit never trusts declared value_info (onnxruntime may refuse a model over it): onnxruntime
        # on the model without it is the first oracle, onnx's reference evaluator the next
        emit({"idx": idx, "stage": "ort-undeclared"})
        relaxed = run_ort(without_value_info(mutant.data), feed)
        if relaxed["status"] == "ok":
            oracles.append(("onnxruntime (value_info dropped)", relaxed["outputs"]))
        else:
            emit({"idx": idx, "stage": "reference"})
            ref = run_reference(mutant.data, feed)
            if ref is not None:
                oracles.append(("onnx.reference", ref))
    classes = {}
    for name, jit in jits.items():
        others = [(f"onnxjit {o}", j["outputs"]) for o, j in jits.items() if o != name and "outputs" in j]
        order = oracles + others[:1]
        # the Numba configuration answers to the CPU one when no other oracle ran; not the reverse
        if not oracles and name == "cpu":
            order = []
        cls, detail = classify(ort_res, jit, order[:1], feed is not None)
        classes[name] = {"class": cls, "detail": detail[:1500],
                         "error": {k: v for k, v in jit.get("error", {}).items()}, "stage": jit["stage"]}
    return {"idx": idx, "seed": mutant.seed_name, "steps": mutant.steps, "feed": why_no_feed or "built",
            "ort": {"status": ort_res["status"], "stage": ort_res["stage"],
                    "error": ort_res.get("error", {}).get("message", "")[:300]},
            "classes": classes}


def _limit_memory() -> None:
    """Cap the address space so that an allocation sized from a hostile model fails (MemoryError)
    instead of taking the machine's memory."""
    gb = float(os.environ.get("ONNXJIT_FUZZ_MEM_GB", "8"))
    try:
        import resource

        limit = int(gb * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except Exception:  # noqa: BLE001, S110
        pass


def main(argv: list[str]) -> int:
    run_seed, report = int(argv[0]), Path(argv[1])
    indices = [int(a) for a in argv[2:]]
    _limit_memory()
    with open(report, "a", encoding="utf-8") as fh:
        def emit(record: dict) -> None:
            record["t"] = round(time.time(), 3)
            fh.write(json.dumps(record) + "\n")
            fh.flush()

        import onnxjit  # noqa: F401 - imported before the first stage line, so that startup is not a stage
        import onnxruntime  # noqa: F401
        emit({"ready": True})
        for idx in indices:
            result = evaluate(run_seed, idx, emit)
            emit({"idx": idx, "result": result})
        emit({"done": True})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
