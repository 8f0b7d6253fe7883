"""Runs a graph node by node with the ops' numpy reference kernels (ReferenceExecutionProvider)."""
from __future__ import annotations

from typing import Any

import numpy as np

from onnxjit.compiler.ir import Graph, Node, outer_scope_names, topological_order
from onnxjit.compiler.ops.registry import OpDef, lookup
from onnxjit.compiler.ops.unimplemented import unimplemented_op_error
from onnxjit.errors import Fail, OnnxJitError
from onnxjit.providers import run_control


class PreparedNode:
    __slots__ = ("node", "op", "inputs", "outputs", "release")

    def __init__(self, node: Node, op: OpDef):
        self.node, self.op = node, op
        self.inputs, self.outputs = node.inputs, node.outputs
        self.release: list[str] = []  # values whose last use is this node


class GraphInterpreter:
    """A graph prepared for repeated runs: ops resolved once, values freed after their last use."""

    def __init__(self, graph: Graph, opsets: dict[str, int]):
        self.graph = graph
        self.opsets = opsets
        self.steps = [PreparedNode(n, self._resolve(n)) for n in topological_order(graph)]
        self._plan_release()

    def profile_with(self, profiler: Any) -> None:
        """Record a "Node" event per node run in `profiler` (runtime/profiling.py): each op is wrapped
        in a timing one, so a session that does not profile runs the loop below untouched."""
        from onnxjit.providers.base import ProviderName  # noqa: PLC0415
        from onnxjit.providers.profile_events import TimedOp  # noqa: PLC0415

        for k, s in enumerate(self.steps):
            s.op = TimedOp(s.op, s.node, k, ProviderName.REFERENCE.value, profiler)

    def _resolve(self, node: Node) -> OpDef:
        opset = node.opset or self.opsets.get(node.domain, self.opsets.get("", 1) if node.domain == "" else 1)
        cls = lookup(node.domain, node.op_type, opset)
        if cls is None:
            raise unimplemented_op_error(node.domain, node.op_type, opset, node.name)
        return cls(node, opset, runner=self.run_subgraph)

    def _plan_release(self) -> None:
        keep = set(self.graph.output_names())
        last: dict[str, int] = {}
        for k, s in enumerate(self.steps):
            for name in list(s.inputs) + sorted(outer_scope_names(s.node)):
                if name:
                    last[name] = k
        for name, k in last.items():
            if name not in keep:
                self.steps[k].release.append(name)

    # --- running ---------------------------------------------------------------------------
    def run(self, feeds: dict[str, Any], outer: dict[str, Any] | None = None) -> dict[str, Any]:
        env: dict[str, Any] = dict(outer) if outer else {}
        env.update(self.graph.initializers)
        env.update(feeds)
        control = run_control.active()  # RunOptions.terminate is checked before every node
        for s in self.steps:
            if control is not None and control.terminate:
                run_control.check(control)
            args = [env[i] if i else None for i in s.inputs]
            try:
                outs = s.op.run(args) if not s.op.needs_env else s.op.run_with_env(args, env)
            except OnnxJitError:
                raise
            except Exception as exc:  # noqa: BLE001 - surface as ORT does, naming the node
                raise Fail(  # a kernel's failure, as onnxruntime classes it
                    f"Non-zero status code returned while running {s.node.op_type} node. "
                    f"Name:'{s.node.name}' Status Message: {type(exc).__name__}: {exc}") from exc
            for name, val in zip(s.outputs, outs):
                if name:
                    env[name] = val
            for name in s.release:
                if name not in feeds:
                    env.pop(name, None)
        try:
            return {name: env[name] for name in self.graph.output_names()}
        except KeyError as exc:
            raise Fail(f"graph output {exc.args[0]!r} was not produced") from exc

    def run_subgraph(self, graph: Graph, inputs: list[Any], outer: dict[str, Any]) -> list[Any]:
        return run_subgraph(graph, inputs, outer, self.opsets)


def run_subgraph(graph: Graph, inputs: list[Any], outer: dict[str, Any], opsets: dict[str, int]) -> list[Any]:
    """Run a nested graph (If/Loop/Scan body) with positional inputs and outer-scope values."""
    sub = _cached_interpreter(graph, opsets)
    feeds = {vi.name: v for vi, v in zip(graph.inputs, inputs)}
    out = sub.run(feeds, outer)
    return [out[n] for n in graph.output_names()]


def _cached_interpreter(graph: Graph, opsets: dict[str, int]) -> GraphInterpreter:
    interp = getattr(graph, "_interpreter", None)
    if interp is None:
        interp = GraphInterpreter(graph, opsets)
        graph._interpreter = interp  # type: ignore[attr-defined]
    return interp
