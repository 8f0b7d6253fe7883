"""The default fusion policy: a greedy pass over the nodes in topological order.

Rules (DESIGN.md "The kernel plan"):
- values computable from shapes and constants alone (Shape, Size and what follows from them) are
  SHAPE steps, evaluated once per input-shape binding;
- reshape-like ops are VIEW steps: the output aliases the input buffer;
- elementwise nodes join the group that produced one of their inputs when the loop domain (the
  output shape) is the same, else start a group;
- an elementwise consumer of a template/reduction/copy result that nobody else reads becomes that
  step's epilogue (bias, activation, residual add, ...);
- everything a backend cannot compile is a HOST step.
The policy is an object: research code can subclass it or pass another one to `build_plan`; its
knobs (fusion on/off, epilogues on/off, group bounds) are a `FusionPolicy` (policy.py). Every node
that starts a step of its own instead of joining a neighbour's kernel is logged with the reason in
`KernelPlan.decisions` (the "why not fused" log).
"""
from __future__ import annotations

import re
from typing import Any, Callable

import numpy as np

from onnxjit.compiler.fusion.plan import FusionDecision, KernelPlan, Step, StepKind, ValueType, Why
from onnxjit.compiler.fusion.policy import MAX_FUSED_DEPTH, MAX_FUSED_NODES, MAX_FUSED_OPERANDS, FusionPolicy
from onnxjit.compiler.ir import Graph, Model, Node, subgraphs, topological_order
from onnxjit.compiler.ops.registry import Fusion, lookup
from onnxjit.compiler.prims import Expr, Prim, inputs_of
from onnxjit.compiler.fusion.templates import classify_template, same_shape_static

COMPILED_DTYPES = {np.dtype(t) for t in (np.float32, np.float64, np.int8, np.int16, np.int32, np.int64,
                                          np.uint8, np.uint16, np.uint32, np.uint64, np.bool_)}
VIEW_OPS = {"Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity", "Dropout"}
SHAPE_SOURCES = {"Shape", "Size"}
MAX_SHAPE_VALUE_ELEMENTS = 1 << 16
__all__ = ["GreedyFusion", "build_plan", "MAX_FUSED_DEPTH", "MAX_FUSED_NODES", "MAX_FUSED_OPERANDS"]


def sanitize(name: str, used: set[str]) -> str:
    """A python identifier derived from a model string; never the raw string itself."""
    base = re.sub(r"[^0-9a-zA-Z_]", "_", name)[:40].strip("_") or "k"
    if base[0].isdigit():
        base = "k_" + base
    base = base.lower()
    out, i = base, 1
    while out in used:
        out, i = f"{base}_{i}", i + 1
    used.add(out)
    return out


def static_types(graph: Graph) -> dict[str, ValueType]:
    types: dict[str, ValueType] = {}
    for name, arr in graph.initializers.items():
        if isinstance(arr, np.ndarray):
            types[name] = ValueType(arr.dtype, arr.ndim, tuple(arr.shape))
    from onnxjit.compiler.dtypes import to_numpy_dtype

    # an output's inferred type is in value_info (passes/shape_inference.py): its declared shape, kept on
    # the output for NodeArg, may be wrong and is never what a kernel is sized from
    outputs = [vi for vi in graph.outputs if vi.name not in graph.value_info]
    for vi in list(graph.value_info.values()) + graph.inputs + outputs:
        if vi.name in types or vi.elem_type is None or vi.shape is None:
            continue
        try:
            types[vi.name] = ValueType(to_numpy_dtype(vi.elem_type), len(vi.shape), vi.shape)
        except ValueError:
            pass
    return types


def substitute(e: Expr, mapping: dict[int, Expr]) -> Expr:
    if e.prim is Prim.INPUT:
        return mapping[e.value]
    if not e.args:
        return e
    return Expr(e.prim, tuple(substitute(a, mapping) for a in e.args), e.dtype, e.value)


def expr_operands(node: Node, types: dict[str, ValueType]) -> list[Expr | None]:
    """An op's `expr` arguments: INPUT(k) for input position k, None for a missing optional input
    (so Clip(x, '', max) passes max as `hi`, not as `lo`); trailing missing inputs are dropped."""
    args: list[Expr | None] = [Expr.input(k, types[i].dtype) if i else None for k, i in enumerate(node.inputs)]
    while args and args[-1] is None:
        args.pop()
    return args


def _shape_text(shape: tuple | None) -> str:
    return "[" + ",".join(str(d) for d in shape) + "]" if shape is not None else "[?]"


class GreedyFusion:
    """Default policy. Override `classify` or `can_merge` to experiment; the knobs are `policy`
    (a FusionPolicy; `fuse=False` is short for FusionPolicy(fuse=False))."""

    def __init__(self, supports: Callable[[Step], bool] | None = None, fuse: bool = True,
                 policy: FusionPolicy | None = None):
        self.supports = supports or (lambda step: True)
        self.policy = policy if policy is not None else FusionPolicy(fuse=fuse)
        self.fuse = self.policy.fuse
        self._consumers: dict[str, list[Node]] = {}
        self._graph_outputs: set[str] = set()
        self._host_reason: tuple[Why, str] | None = None   # why classify() chose HOST
        self._refusals: list[tuple[Why, str]] = []          # why the node being planned joined no group

    # --- classification -----------------------------------------------------------------------
    def _host(self, why: Why, detail: str) -> tuple[StepKind, str, dict]:
        self._host_reason = (why, detail)
        return StepKind.HOST, "", {}

    def classify(self, node: Node, opset: int, types: dict[str, ValueType], shape_values: set[str]) -> tuple[StepKind, str, dict]:
        cls = lookup(node.domain, node.op_type, opset)
        if cls is None:
            return self._host(Why.NO_KERNEL, f"op {node.domain + ':' if node.domain else ''}{node.op_type} "
                                             f"(opset {opset}) runs on the host: no compiled kernel")
        if subgraphs(node):
            return self._host(Why.SUBGRAPH, f"{node.op_type} has subgraphs: runs on the host")
        ins = [i for i in node.inputs if i]
        if node.op_type in SHAPE_SOURCES and node.domain == "":
            return StepKind.SHAPE, node.op_type.lower(), {}
        if cls.deterministic and ins and all(i in shape_values for i in ins):
            return StepKind.SHAPE, node.op_type.lower(), {}
        untyped = [v for v in node.outputs if v and v not in types] + [i for i in ins if i not in types]
        if untyped:
            return self._host(Why.UNKNOWN_TYPE, f"type or rank of {untyped[0]!r} not inferred: runs on the host")
        odd = [types[v].dtype for v in [o for o in node.outputs if o] + ins if types[v].dtype not in COMPILED_DTYPES]
        if odd:
            return self._host(Why.DTYPE, f"dtype {odd[0]} not compiled: runs on the host")
        if node.domain == "" and node.op_type in VIEW_OPS and self._is_view(node, types, shape_values):
            return StepKind.VIEW, node.op_type.lower(), {}
        inst = cls(node, opset)
        if inst.fusion is Fusion.ELEMENTWISE and hasattr(inst, "expr") and len([o for o in node.outputs if o]) == 1:
            try:
                e = inst.expr(*expr_operands(node, types))
            except (NotImplementedError, KeyError, TypeError, ValueError) as exc:
                return self._host(Why.NO_KERNEL, f"{node.op_type} has no compiled form here ({type(exc).__name__}): "
                                                 "runs on the host")
            # one node too deep for a kernel of its own (Sum of thousands of inputs) runs on the host
            if e.depth > MAX_FUSED_DEPTH:
                return self._host(Why.TOO_DEEP, f"expression depth {e.depth} > {MAX_FUSED_DEPTH}: runs on the host")
            return StepKind.ELEMENTWISE, "", {}
        found = classify_template(node, inst, types, shape_values)
        if found is not None:
            return found
        return self._host(Why.NO_KERNEL, f"op {node.op_type} runs on the host: no compiled kernel for these "
                                         "attributes or inputs")

    @staticmethod
    def _is_view(node: Node, types: dict[str, ValueType], shape_values: set[str]) -> bool:
        if node.op_type == "Dropout":
            # inference: Y = X; a mask output or training_mode input needs the real kernel
            return len([o for o in node.outputs if o]) == 1 and len([i for i in node.inputs if i]) <= 2 \
                and all(i in shape_values for i in node.inputs[1:] if i)
        return all(i in shape_values for i in node.inputs[1:] if i)

    def can_merge(self, group: Step, node_out_shape: tuple) -> bool:
        domain = group.params.get("domain")
        return self.fuse and domain is not None and same_shape_static(domain, node_out_shape)

    def _merge_refused(self, group: Step, node_out_shape: tuple) -> tuple[Why, str]:
        """Why can_merge(group, node_out_shape) said no, for the log."""
        domain = group.params.get("domain")
        if not self.fuse:
            return Why.FUSION_DISABLED, "fusion disabled"
        if domain is None or not same_shape_static(domain, node_out_shape):
            return Why.DIFFERENT_DOMAIN, (f"different loop domain {_shape_text(node_out_shape)} vs "
                                          f"{_shape_text(domain)} of {group.name}")
        return Why.POLICY, f"{type(self).__name__}.can_merge refused {group.name}"

    def _record(self, plan_decisions: list[FusionDecision], node: Node, step: Step, why: Why, detail: str) -> None:
        plan_decisions.append(FusionDecision(node.name, node.op_type, step.name, why, detail))

    # --- planning -------------------------------------------------------------------------------
    def plan(self, model: Model) -> KernelPlan:
        graph = model.graph
        types = static_types(graph)
        # an initializer also listed as a graph input (IR >= 4) can be fed at run time: it is a plan
        # input (the runtime passes the initializer when it is not fed), never a constant
        overridable = overridable_initializers(model)
        constants = {k: v for k, v in graph.initializers.items() if k not in overridable}
        shape_values: set[str] = set(constants)
        graph_outputs = set(graph.output_names())
        consumers: dict[str, list[Node]] = graph.consumers()
        self._consumers, self._graph_outputs = consumers, graph_outputs  # for the group bounds (_add_expr)
        steps: list[Step] = []
        owner: dict[str, int] = {}          # value -> index of the step that produces it
        used_names: set[str] = set()
        decisions: list[FusionDecision] = []

        def new_step(kind: StepKind, node: Node, op: str = "", params: dict | None = None) -> Step:
            step = Step(kind, sanitize(f"{kind.value[:2]}_{node.op_type}_{node.name}", used_names), [node],
                        [i for i in node.inputs], [o for o in node.outputs], op=op, params=params or {})
            return step

        for node in topological_order(graph):
            opset = node.opset or model.opset(node.domain)
            self._host_reason, self._refusals = None, []
            kind, op, params = self.classify(node, opset, types, shape_values)
            if kind is StepKind.SHAPE:
                shape_values.update(o for o in node.outputs if o)
                if steps and steps[-1].kind is StepKind.SHAPE:
                    steps[-1].nodes.append(node)
                    steps[-1].outputs.extend(o for o in node.outputs if o)
                    for i in node.inputs:
                        if i and i not in steps[-1].inputs:
                            steps[-1].inputs.append(i)
                    for o in node.outputs:
                        owner[o] = len(steps) - 1
                    continue
            if kind is StepKind.ELEMENTWISE:
                merged = self._merge_elementwise(node, opset, types, steps, owner, consumers, graph_outputs)
                if merged:
                    continue
                step = new_step(kind, node)
                step.inputs = []
                step.params["domain"] = types[node.outputs[0]].shape
                self._add_expr(step, node, opset, types, owner, steps)
                step.outputs = [node.outputs[0]]
                refusals = list(dict.fromkeys(self._refusals)) or \
                    [(Why.NO_FUSABLE_PRODUCER, "starts a group: its inputs are graph inputs or constants")]
                self._record(decisions, node, step, refusals[0][0], "; ".join(d for _, d in refusals[:3]))
            else:
                step = new_step(kind, node, op, params)
                if kind in (StepKind.TEMPLATE, StepKind.REDUCTION, StepKind.COPY):
                    step.main_output = node.outputs[0]
                    step.params.setdefault("domain", types[node.outputs[0]].shape if node.outputs[0] in types else None)
                    self._record(decisions, node, step, Why.OWN_KERNEL,
                                 f"{kind.value}:{op} starts its own kernel (its producers are not fused into it)")
                elif kind is StepKind.VIEW:
                    self._record(decisions, node, step, Why.VIEW, f"{node.op_type} aliases its input: no kernel")
                elif kind is StepKind.HOST:
                    why, detail = self._host_reason or (Why.POLICY, f"{type(self).__name__}.classify chose the host")
                    self._record(decisions, node, step, why, detail)
            if not self.supports(step) and kind not in (StepKind.SHAPE, StepKind.VIEW, StepKind.HOST):
                step.kind, step.op = StepKind.HOST, ""
                if decisions and decisions[-1].step == step.name:
                    decisions.pop()
                self._record(decisions, node, step, Why.BACKEND, f"{kind.value}{':' + op if op else ''} "
                             f"({', '.join(step.op_types)}) has no lowering in this backend: runs on the host")
            steps.append(step)
            for o in step.outputs:
                owner[o] = len(steps) - 1
        self._finalize_outputs(steps, consumers, graph_outputs, types)
        plan = KernelPlan(steps=steps, inputs=[i for i in graph.input_names() if i not in constants],
                          outputs=graph.output_names(), types=types, constants=constants, decisions=decisions)
        from onnxjit.compiler.fusion.buffers import assign_slots

        plan.slots = assign_slots(plan)
        return plan

    def _node_expr(self, node: Node, opset: int, types: dict[str, ValueType]) -> Expr:
        op = lookup(node.domain, node.op_type, opset)(node, opset)
        return op.expr(*expr_operands(node, types))

    def _add_expr(self, step: Step, node: Node, opset: int, types: dict[str, ValueType],
                  owner: dict[str, int], steps: list[Step], acc: bool = False) -> bool:
        """Add node's expression to an elementwise group or a kernel's epilogue; False (and the step
        unchanged, the reason in self._refusals) when the group would pass the policy's
        max_group_depth, max_group_nodes or max_group_operands."""
        e = self._node_expr(node, opset, types)
        mapping: dict[int, Expr] = {}
        operands = step.epilogue_inputs if acc else step.inputs
        added: list[str] = []
        used = inputs_of(e)  # CastLike reads only its `like` input's dtype: no operand, no broadcast
        for k, name in enumerate(node.inputs):
            if not name or k not in used:
                continue
            if name in step.exprs:
                mapping[k] = step.exprs[name]
            elif acc and name == step.main_output:
                mapping[k] = Expr.input(0, types[name].dtype)
            else:
                if name not in operands and name not in added:
                    added.append(name)
                idx = (operands + added).index(name) + (1 if acc else 0)
                mapping[k] = Expr.input(idx, types[name].dtype)
        fused = substitute(e, mapping)
        # outputs the kernel is likely to write: returned, or read by more than one node
        written = sum(1 for o in step.outputs if o in self._graph_outputs or len(self._consumers.get(o, ())) > 1)
        if node not in step.nodes:
            p = self.policy
            full = ("max_group_depth", p.max_group_depth) if fused.depth > p.max_group_depth else \
                ("max_group_nodes", p.max_group_nodes) if len(step.nodes) >= p.max_group_nodes else \
                ("max_group_operands", p.max_group_operands) \
                if len(operands) + len(added) + written >= p.max_group_operands else None
            if full is not None:
                self._refusals.append((Why.GROUP_FULL, f"{step.name} is full: {full[0]}={full[1]}"))
                return False
        operands.extend(added)
        step.exprs[node.outputs[0]] = fused
        step.nodes.append(node) if node not in step.nodes else None
        return True

    def _merge_elementwise(self, node: Node, opset: int, types: dict[str, ValueType], steps: list[Step],
                           owner: dict[str, int], consumers: dict[str, list[Node]], graph_outputs: set[str]) -> bool:
        out_shape = types[node.outputs[0]].shape
        ins = [i for i in node.inputs if i]
        candidates = sorted({owner[i] for i in ins if i in owner}, reverse=True)
        full = False
        refuse = self._refusals.append
        for gi in candidates:
            g = steps[gi]
            # every other input must be ready before the group runs
            later = [i for i in ins if owner.get(i) != gi and owner.get(i, -1) > gi]
            if later:
                refuse((Why.NOT_READY, f"{g.name} runs before {later[0]!r} is computed "
                                       f"(by {steps[owner[later[0]]].name})"))
                continue
            if g.kind is StepKind.ELEMENTWISE:
                if not self.can_merge(g, out_shape):
                    refuse(self._merge_refused(g, out_shape))
                    continue
                if not self._add_expr(g, node, opset, types, owner, steps):
                    full = True
                    continue
                g.outputs.append(node.outputs[0])
                owner[node.outputs[0]] = gi
                return True
            if g.kind in (StepKind.TEMPLATE, StepKind.REDUCTION, StepKind.COPY):
                what = f"{g.kind.value}:{g.op} {g.name}"
                if not self.fuse:
                    refuse((Why.FUSION_DISABLED, "fusion disabled"))
                    continue
                if not self.policy.epilogues:
                    refuse((Why.EPILOGUES_OFF, f"epilogue fusion off (would join {what})"))
                    continue
                if not g.params.get("epilogue", True):
                    refuse((Why.NO_EPILOGUE, f"{what} takes no epilogue"))
                    continue
                if not self.can_merge(g, out_shape):
                    refuse(self._merge_refused(g, out_shape))
                    continue
                produced = [i for i in ins if owner.get(i) == gi]
                src = produced[0]
                # the skeleton's own result may feed only this epilogue
                if src == g.main_output and (len(consumers.get(src, [])) != 1 or src in graph_outputs):
                    refuse((Why.SHARED_RESULT, f"{what}: its result {src!r} is a graph output" if src in graph_outputs
                            else f"{what}: its result {src!r} has {len(consumers.get(src, []))} consumers"))
                    continue
                if g.main_output in ins and not g.exprs and g.main_output not in produced:
                    refuse((Why.SHARED_RESULT, f"{what}: reads its result {g.main_output!r} besides the epilogue"))
                    continue
                if not self._add_expr(g, node, opset, types, owner, steps, acc=True):
                    continue
                g.outputs.append(node.outputs[0])
                owner[node.outputs[0]] = gi
                return True
            refuse((Why.NO_FUSABLE_PRODUCER, f"its input comes from {g.kind.value} step {g.name}"))
        # A producer's group is full (the bounds above): join the newest elementwise group instead,
        # which runs after every producer, rather than start one kernel per remaining consumer.
        last = len(steps) - 1
        if full and last not in candidates and steps[last].kind is StepKind.ELEMENTWISE \
                and self.can_merge(steps[last], out_shape) \
                and self._add_expr(steps[last], node, opset, types, owner, steps):
            steps[last].outputs.append(node.outputs[0])
            owner[node.outputs[0]] = last
            return True
        return False

    @staticmethod
    def _finalize_outputs(steps: list[Step], consumers: dict[str, list[Node]], graph_outputs: set[str],
                          types: dict[str, ValueType]) -> None:
        """A fused step writes only values read by other steps or returned to the caller. A skeleton
        whose own result is not written computes into its first written output, which therefore
        must have the result's dtype (MatMul + Cast epilogue: the result keeps its own buffer)."""
        for s in steps:
            if s.kind not in (StepKind.ELEMENTWISE, StepKind.TEMPLATE, StepKind.REDUCTION, StepKind.COPY):
                continue
            inside = {id(n) for n in s.nodes}
            keep = []
            for o in s.outputs:
                if o == s.main_output and s.exprs:
                    # consumed by the epilogue; written only if someone else reads it too
                    if o in graph_outputs or any(id(c) not in inside for c in consumers.get(o, [])):
                        keep.append(o)
                    continue
                if o in graph_outputs or any(id(c) not in inside for c in consumers.get(o, [])):
                    keep.append(o)
            if s.kind is StepKind.ELEMENTWISE and not keep:
                keep = s.outputs[-1:]
            if s.kind is not StepKind.ELEMENTWISE and s.exprs and s.main_output not in keep and keep and \
                    types[keep[0]].dtype != types[s.main_output].dtype:
                keep.insert(0, s.main_output)
            s.outputs = keep if (s.kind is StepKind.ELEMENTWISE or s.exprs) else s.outputs


def overridable_initializers(model: Model) -> set[str]:
    """Initializers also listed as graph inputs: a run may feed them (before IR 4 every initializer
    had to be listed as an input, so they are constants there)."""
    if model.ir_version < 4:
        return set()
    return {n for n in model.graph.input_names() if n in model.graph.initializers}


def build_plan(model: Model, policy: Any = None) -> KernelPlan:
    return (policy or GreedyFusion()).plan(model)
