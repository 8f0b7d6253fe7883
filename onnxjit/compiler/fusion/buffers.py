"""The buffer plan: intermediates that are never live at once share a slot (per dtype)."""
from __future__ import annotations

from onnxjit.compiler.fusion.plan import KernelPlan, Step, StepKind
from onnxjit.compiler.ir import outer_scope_names

KERNEL_KINDS = (StepKind.ELEMENTWISE, StepKind.TEMPLATE, StepKind.REDUCTION, StepKind.COPY)


def alias_root(plan: KernelPlan) -> dict[str, str]:
    """VIEW outputs -> the value whose buffer they share."""
    root: dict[str, str] = {}
    for s in plan.steps:
        if s.kind is StepKind.VIEW:
            src = s.inputs[0]
            root[s.outputs[0]] = root.get(src, src)
    return root


def step_reads(s: Step) -> list[str]:
    """Values a step reads: its inputs, its epilogue's, and what a host step's subgraphs (If/Loop
    bodies) read from the enclosing graph."""
    reads = [i for i in list(s.inputs) + list(s.epilogue_inputs) if i]
    if s.kind is StepKind.HOST:
        reads += sorted({n for node in s.nodes for n in outer_scope_names(node)})
    return reads


def assign_slots(plan: KernelPlan) -> dict[str, int]:
    """value -> slot for every intermediate written by a kernel step and not returned to the caller."""
    outputs = set(plan.outputs)
    root = alias_root(plan)
    # a buffer that a view makes into a graph output is returned too: it gets no shared slot
    returned = outputs | {root[o] for o in outputs if o in root}
    host_read = {i for s in plan.steps if s.kind is StepKind.HOST for i in step_reads(s)}
    returned |= {root.get(i, i) for i in host_read}
    # values read in a later segment (after a host step) live in their own arrays, not a segment's arena
    segment, producer_segment, seg = {}, {}, 0
    for s in plan.steps:
        if s.kind is StepKind.HOST:
            seg += 1
        if s.kind in KERNEL_KINDS:  # a VIEW produces no buffer: its root keeps its producer's segment
            for o in s.outputs:
                producer_segment[o] = seg
        for i in step_reads(s):
            if producer_segment.get(root.get(i, i), seg) != seg:
                returned.add(root.get(i, i))
    last_use: dict[str, int] = {}
    for k, s in enumerate(plan.steps):
        for i in step_reads(s):
            last_use[root.get(i, i)] = k
    slots: dict[str, int] = {}
    slot_dtype: list[str] = []
    free: list[int] = []
    for k, s in enumerate(plan.steps):
        if s.kind in KERNEL_KINDS:
            for o in s.outputs:
                if o in returned or o not in plan.types:
                    continue
                dt = str(plan.types[o].dtype)
                pick = next((f for f in free if slot_dtype[f] == dt), None)
                if pick is None:
                    pick = len(slot_dtype)
                    slot_dtype.append(dt)
                else:
                    free.remove(pick)
                slots[o] = pick
        # release what this step read last (after its outputs took their slots: no in-place hazards)
        for v, last in last_use.items():
            if last == k and v in slots and slots[v] not in free:
                if all(slots.get(w) != slots[v] or last_use.get(w, -1) <= k for w in slots):
                    free.append(slots[v])
    return slots
