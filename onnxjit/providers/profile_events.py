"""What a provider tells the session profiler (runtime/profiling.py) about the kernels a run executes:
one "Node" event per kernel, named after its plan step (onnxruntime: "<node>_kernel_time"), whose
args name the ONNX nodes it fuses, their op types, the provider and the plan step."""
from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from onnxjit.compiler.fusion.plan import KernelPlan
from onnxjit.compiler.ir import Node

# onnxruntime's names for element types in input_type_shape / output_type_shape; others as numpy's
_ORT_TYPE_NAMES = {"float32": "float", "float64": "double", "float16": "MLFloat16"}


class NodeEventSink(Protocol):
    """The part of runtime.profiling.Profiler a provider uses."""

    enabled: bool

    def now(self) -> int: ...

    def node(self, name: str, begin_ns: int, end_ns: int, args: dict[str, Any]) -> None: ...


def event_name(step_or_node_name: str) -> str:
    return f"{step_or_node_name}_kernel_time"


def type_shape(dtype: Any, shape: Any) -> dict[str, list]:
    name = str(np.dtype(dtype)) if dtype is not None else "unknown"
    return {_ORT_TYPE_NAMES.get(name, name): [int(d) for d in shape]}


def step_args(plan: KernelPlan, k: int, provider: str, kernel: str | None = None,
              shapes: dict[str, tuple] | None = None) -> dict[str, Any]:
    """A plan step's event args: onnxruntime's op_name / provider / node_index, then the fused ONNX
    nodes (names and op types), the step's kind, the generated kernel, and the output shapes where
    the run knows them."""
    step = plan.steps[k]
    args: dict[str, Any] = {"op_name": "+".join(step.op_types), "provider": provider, "node_index": str(k),
                            "plan_step": k, "step_kind": step.kind.value,
                            "fused_nodes": [n.name for n in step.nodes], "fused_op_types": list(step.op_types)}
    if kernel:
        args["kernel"] = kernel
    if shapes:
        outs = []
        for o in step.outputs:
            t = plan.types.get(o)
            if o and o in shapes and t is not None:
                outs.append(type_shape(t.dtype, shapes[o]))
        if outs:
            args["output_type_shape"] = outs
    return args


def node_args(node: Node, index: int, provider: str, inputs: list[Any], outputs: list[Any]) -> dict[str, Any]:
    """A node's event args as onnxruntime gives them (op_name, provider, node_index, input and output
    types and shapes), plus fused_nodes / fused_op_types naming just this node."""
    def shapes(values: list[Any]) -> list[dict[str, list]]:
        return [type_shape(v.dtype, v.shape) for v in values if isinstance(v, np.ndarray)]

    return {"op_name": node.op_type, "provider": provider, "node_index": str(index),
            "input_type_shape": shapes(inputs), "output_type_shape": shapes(outputs),
            "fused_nodes": [node.name], "fused_op_types": [node.op_type]}


class TimedOp:
    """An op's reference kernel that records a "Node" event each time it runs (the reference provider
    swaps these in for its ops while a session profiles, so that the unprofiled loop stays as it is)."""

    def __init__(self, op: Any, node: Node, index: int, provider: str, profiler: NodeEventSink):
        self.op, self.node, self.index, self.provider, self.profiler = op, node, index, provider, profiler
        self.needs_env = op.needs_env

    def __getattr__(self, name: str) -> Any:
        return getattr(self.op, name)

    def run(self, args: list[Any]) -> Any:
        return self._timed(lambda: self.op.run(args), args)

    def run_with_env(self, args: list[Any], env: dict[str, Any]) -> Any:
        return self._timed(lambda: self.op.run_with_env(args, env), args)

    def _timed(self, call: Any, args: list[Any]) -> Any:
        profiler = self.profiler
        if not profiler.enabled:
            return call()
        t0 = profiler.now()
        outs = call()
        t1 = profiler.now()
        profiler.node(event_name(self.node.name or self.node.op_type), t0, t1,
                      node_args(self.node, self.index, self.provider, args, list(outs)))
        return outs


class KernelTimes:
    """Per plan step, how often a profiled session ran it and for how long in all, and how many runs
    it profiled (what InferenceSession.kernel_profile() reports, runtime/kernel_profile.py).

    A run keeps its own list of (step, nanoseconds) and adds it whole when it completes (`add_run`),
    under a lock: runs may overlap on several threads, and a run that fails adds nothing, so the
    counts are always whole runs' counts."""

    def __init__(self) -> None:
        import threading  # noqa: PLC0415

        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Zero every count (after warm-up runs, say)."""
        with self._lock:
            self.runs = 0
            self.run_ns = 0                  # the profiled runs' wall time in the provider, in all
            self.calls: dict[int, int] = {}  # plan step -> times run
            self.ns: dict[int, int] = {}     # plan step -> nanoseconds, in all

    def add_run(self, timed: list[tuple[int, int]], run_ns: int) -> None:
        """One completed run: each (plan step, nanoseconds) it timed, and its own wall time."""
        with self._lock:
            self.runs += 1
            self.run_ns += run_ns
            for k, ns in timed:
                self.calls[k] = self.calls.get(k, 0) + 1
                self.ns[k] = self.ns.get(k, 0) + ns

    def snapshot(self) -> tuple[int, int, dict[int, tuple[int, int]]]:
        """(runs, their wall nanoseconds, plan step -> (calls, nanoseconds)), consistent with each other."""
        with self._lock:
            return self.runs, self.run_ns, {k: (c, self.ns[k]) for k, c in self.calls.items()}
