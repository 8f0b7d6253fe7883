"""Shape and dtype inference: onnx's own inference, results kept as the graph's value_info.

Models are untrusted, so the shapes a model *declares* for its intermediate values and outputs are
never what compiled kernels are sized from: they may be wrong (onnxruntime warns and computes the
right result). Inference therefore runs on a copy whose value_info is dropped and whose outputs carry
no shape, so every shape it records follows from the graph's inputs and initializers. The inferred
types of node-produced graph outputs are kept in value_info (the planner reads types there first);
the graph's outputs keep the declared shape merged with the inferred one the way onnxruntime merges
them, for NodeArg only.

onnx's C++ inference can abort the process on malformed shapes (a libstdc++ assertion in Slice's
inference on a negative dim). Declared negative dims are read as unknown (as onnxruntime reads them),
and where the platform can fork, inference runs in a forked child: an abort there costs the model its
inferred shapes (the rank probe and the run-time checks cover for them), not the caller's process.
"""
from __future__ import annotations

import os
import select
import signal
import time

import onnx
from onnx import GraphProto, ModelProto, TypeProto

from onnxjit.errors import InvalidGraph

INFER_TIMEOUT_S = 600.0


def infer_shapes(proto: ModelProto) -> ModelProto:
    """Best-effort inference with data propagation, from inputs and initializers only (see module doc).
    A model onnx cannot infer comes back with its declared intermediate and output shapes dropped."""
    work = ModelProto()
    work.CopyFrom(proto)
    declared_outputs = {o.name: _copy_type(o.type) for o in work.graph.output}
    _check_initializer_inputs(work.graph)
    _sanitize_graph(work.graph)
    for f in work.functions:
        for vi in getattr(f, "value_info", ()):
            _sanitize_type(vi.type)
    inferred = _run_inference(work)
    _keep_output_types(inferred.graph, declared_outputs)
    return inferred


# --- before inference ------------------------------------------------------------------------------

def _copy_type(tp: TypeProto) -> TypeProto:
    out = TypeProto()
    out.CopyFrom(tp)
    return out


def _check_initializer_inputs(g: GraphProto) -> None:
    """An input that names an initializer must declare the initializer's shape (onnxruntime refuses the
    model otherwise; inference would take the declared shape for the real one)."""
    dims = {t.name: list(t.dims) for t in g.initializer}
    for vi in g.input:
        if vi.name not in dims or not vi.type.HasField("tensor_type") or not vi.type.tensor_type.HasField("shape"):
            continue
        declared = vi.type.tensor_type.shape.dim
        real = dims[vi.name]
        if len(declared) != len(real) or any(d.HasField("dim_value") and d.dim_value != r for d, r in zip(declared, real)):
            shown = [d.dim_value if d.HasField("dim_value") else (d.dim_param or "?") for d in declared]
            raise InvalidGraph(f"Type Error: Shape of initializer {vi.name} does not match. {shown} != {real}")


def _sanitize_type(tp: TypeProto) -> None:
    """Negative dim_values (-1 is a common way of writing 'unknown') become unknown dims."""
    kind = tp.WhichOneof("value")
    if kind in ("tensor_type", "sparse_tensor_type"):
        t = getattr(tp, kind)
        if t.HasField("shape"):
            for d in t.shape.dim:
                if d.HasField("dim_value") and d.dim_value < 0:
                    d.ClearField("dim_value")
    elif kind in ("sequence_type", "optional_type"):
        _sanitize_type(getattr(tp, kind).elem_type)
    elif kind == "map_type":
        _sanitize_type(tp.map_type.value_type)


def _sanitize_graph(g: GraphProto) -> None:
    """Inputs: negative dims made unknown. value_info: dropped and outputs' shapes dropped (declared,
    never trusted: inferred afresh, subgraph outputs by If/Loop/Scan's inference of their bodies)."""
    del g.value_info[:]
    for vi in g.input:
        _sanitize_type(vi.type)
    for vi in g.output:
        if vi.type.HasField("tensor_type"):
            vi.type.tensor_type.ClearField("shape")
        else:
            _sanitize_type(vi.type)
    for node in g.node:
        for a in node.attribute:
            if a.type == onnx.AttributeProto.GRAPH:
                _sanitize_graph(a.g)
            elif a.type == onnx.AttributeProto.GRAPHS:
                for sub in a.graphs:
                    _sanitize_graph(sub)
            elif a.type == onnx.AttributeProto.TYPE_PROTO:
                _sanitize_type(a.tp)
            elif a.type == onnx.AttributeProto.TYPE_PROTOS:
                for tp in a.type_protos:
                    _sanitize_type(tp)


# --- inference -------------------------------------------------------------------------------------

def _infer_in_process(work: ModelProto) -> ModelProto:
    try:
        return onnx.shape_inference.infer_shapes(work, check_type=False, strict_mode=False, data_prop=True)
    except Exception:  # noqa: BLE001 - inference is advisory; the runtime checks real shapes
        return work


def _run_inference(work: ModelProto) -> ModelProto:
    """onnx's inference, in a forked child where the platform has fork (an abort in onnx's C++ then
    costs only the inferred shapes), else in this process."""
    if not hasattr(os, "fork") or os.environ.get("ONNXJIT_INFER_IN_PROCESS") == "1":
        return _infer_in_process(work)
    try:
        data = work.SerializeToString()
    except Exception:  # noqa: BLE001 - over 2 GB: onnx's inference could not take it either
        return work
    try:
        rfd, wfd = os.pipe()
    except OSError:
        return _infer_in_process(work)
    try:
        pid = os.fork()
    except OSError:
        os.close(rfd)
        os.close(wfd)
        return _infer_in_process(work)
    if pid == 0:  # the child: infer, write the result, leave without running any parent cleanup
        code = 1
        try:
            os.close(rfd)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 2)  # an assertion's message would read as the session's own failure
            result = onnx.shape_inference.infer_shapes(onnx.load_from_string(data), check_type=False,
                                                       strict_mode=False, data_prop=True).SerializeToString()
            view = memoryview(result)
            while view:
                n = os.write(wfd, view)
                view = view[n:]
            code = 0
        except BaseException:  # noqa: BLE001
            code = 1
        finally:
            os._exit(code)
    os.close(wfd)
    chunks: list[bytes] = []
    deadline = time.monotonic() + INFER_TIMEOUT_S
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                os.kill(pid, signal.SIGKILL)
                break
            ready, _, _ = select.select([rfd], [], [], min(left, 1.0))
            if not ready:
                continue
            chunk = os.read(rfd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(rfd)
        status = _reap(pid)
    if status != 0 or not chunks:
        return work
    out = ModelProto()
    try:
        out.ParseFromString(b"".join(chunks))
    except Exception:  # noqa: BLE001
        return work
    return out


def _reap(pid: int) -> int:
    """The child's exit status (non-zero when it failed or was killed by a signal)."""
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:
        return 1
    return os.waitstatus_to_exitcode(status)


# --- after inference -------------------------------------------------------------------------------

def _keep_output_types(g: GraphProto, declared: dict[str, TypeProto]) -> None:
    """value_info gets the inferred type of each node-produced output (what the planner reads);
    the output itself gets the declared shape merged with the inferred one, as onnxruntime reports it."""
    produced = {o for n in g.node for o in n.output if o}
    sources = {vi.name for vi in g.input} | {t.name for t in g.initializer}
    have = {vi.name for vi in g.value_info}
    for out in g.output:
        if out.name in produced and out.name not in sources and out.name not in have:
            vi = g.value_info.add()
            vi.name = out.name
            vi.type.CopyFrom(out.type)
            have.add(out.name)
        decl = declared.get(out.name)
        if decl is not None:
            _merge_declared(out.type, decl)


def _merge_declared(inferred: TypeProto, declared: TypeProto) -> None:
    """onnxruntime's merge of a declared output shape into the inferred one: a declared dim wins unless
    both are ints that differ (then the dim is unknown); a rank mismatch leaves the shape unknown."""
    if not (inferred.HasField("tensor_type") and declared.HasField("tensor_type")):
        return
    d_tt, i_tt = declared.tensor_type, inferred.tensor_type
    if not d_tt.HasField("shape"):
        return
    if not i_tt.HasField("shape"):
        i_tt.shape.CopyFrom(d_tt.shape)
        for d in i_tt.shape.dim:
            if d.HasField("dim_value") and d.dim_value < 0:
                d.ClearField("dim_value")
        return
    if len(d_tt.shape.dim) != len(i_tt.shape.dim):
        i_tt.ClearField("shape")
        return
    for di, dd in zip(i_tt.shape.dim, d_tt.shape.dim):
        if dd.HasField("dim_value") and dd.dim_value >= 0:
            if di.HasField("dim_value"):
                if di.dim_value != dd.dim_value:
                    di.Clear()
            else:
                di.Clear()
                di.dim_value = dd.dim_value
        elif dd.HasField("dim_param") and dd.dim_param and not di.HasField("dim_value"):
            di.Clear()
            di.dim_param = dd.dim_param
