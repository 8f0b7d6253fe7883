"""Fusion planning: an optimised graph becomes a `KernelPlan` (data, printable, diffable)."""
from onnxjit.compiler.fusion.plan import FusionDecision, KernelPlan, Step, StepKind, Why
from onnxjit.compiler.fusion.planner import GreedyFusion, build_plan
from onnxjit.compiler.fusion.policy import FusionPolicy, resolve_planner

__all__ = ["KernelPlan", "Step", "StepKind", "GreedyFusion", "build_plan", "FusionPolicy", "FusionDecision", "Why",
           "resolve_planner"]
