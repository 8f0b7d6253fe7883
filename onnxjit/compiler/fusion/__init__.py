"""Fusion planning: an optimised graph becomes a `KernelPlan` (data, printable, diffable)."""
from onnxjit.compiler.fusion.plan import KernelPlan, Step, StepKind
from onnxjit.compiler.fusion.planner import GreedyFusion, build_plan

__all__ = ["KernelPlan", "Step", "StepKind", "GreedyFusion", "build_plan"]
