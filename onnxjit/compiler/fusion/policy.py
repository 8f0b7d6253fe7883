"""The fusion policy's knobs, as one small immutable value.

A `FusionPolicy` says *how much* the default planner (`GreedyFusion`, planner.py) may fuse: fusion on
or off, epilogue fusion on or off, and how big one fused group may grow. It is data, so it can be
compared, printed, keyed into the plan cache and set from session config entries; the planner that
reads it stays a class that research code can subclass (`GreedyFusion(policy=...)`).

Where the knobs come from, first match wins:
1. the provider option ``fusion_policy``: a `FusionPolicy`, or any object with ``plan(model)``
   (a `GreedyFusion` subclass, say), used as it is;
2. the session config entries ``onnxjit.disable_fusion`` = "1", ``onnxjit.fusion.epilogues`` = "0",
   ``onnxjit.fusion.max_group_nodes`` / ``max_group_depth`` / ``max_group_operands`` = "N";
3. the defaults below.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from onnxjit.errors import InvalidArgument

# The deepest expression one fused kernel computes: a longer elementwise chain is split into several
# kernels, so that generated functions, their compile time and every walk over an expression stay
# bounded (onnxruntime runs chains of thousands of nodes). One op deeper than this runs on the host.
MAX_FUSED_DEPTH = 64
# The most nodes and operands (inputs plus outputs: a kernel's array arguments) one fused group takes:
# a value read by hundreds of elementwise consumers would otherwise make one kernel with hundreds of
# outputs, whose compile time grows much faster than the sum of smaller kernels'.
MAX_FUSED_NODES = 64
MAX_FUSED_OPERANDS = 64

# session config entries (SessionOptions.add_session_config_entry) that set the knobs
CONFIG_DISABLE_FUSION = "onnxjit.disable_fusion"
CONFIG_PREFIX = "onnxjit.fusion."
_INT_KNOBS = ("max_group_nodes", "max_group_depth", "max_group_operands")


@dataclass(frozen=True)
class FusionPolicy:
    """Knobs of the default greedy planner.

    fuse:               False: every node is its own step (one kernel per compiled node).
    epilogues:          False: MatMul/Gemm/Conv/pooling/reductions/copies take no elementwise
                        epilogue (bias, activation, residual add run as separate kernels).
    max_group_nodes:    the most ONNX nodes one fused group (kernel) takes.
    max_group_depth:    the deepest expression one group computes (longer chains are split).
    max_group_operands: the most array arguments (inputs + written outputs) one group takes.
    """

    fuse: bool = True
    epilogues: bool = True
    max_group_nodes: int = MAX_FUSED_NODES
    max_group_depth: int = MAX_FUSED_DEPTH
    max_group_operands: int = MAX_FUSED_OPERANDS

    def __post_init__(self) -> None:
        for name in ("fuse", "epilogues"):
            if not isinstance(getattr(self, name), bool):
                raise InvalidArgument(f"FusionPolicy.{name} must be True or False, got {getattr(self, name)!r}")
        for name in _INT_KNOBS:
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise InvalidArgument(f"FusionPolicy.{name} must be an integer >= 1, got {v!r}")

    @classmethod
    def from_config(cls, config: Mapping[str, str]) -> FusionPolicy:
        """The policy a session's config entries ask for (unknown ``onnxjit.fusion.*`` keys are an error:
        a misspelt knob must not be silently ignored)."""
        kw: dict[str, Any] = {}
        if config.get(CONFIG_DISABLE_FUSION, "0") == "1":
            kw["fuse"] = False
        for key, value in config.items():
            if not key.startswith(CONFIG_PREFIX):
                continue
            knob = key[len(CONFIG_PREFIX):]
            if knob == "epilogues":
                if value not in ("0", "1"):
                    raise InvalidArgument(f"session config {key!r} must be '0' or '1', got {value!r}")
                kw["epilogues"] = value == "1"
            elif knob in _INT_KNOBS:
                try:
                    kw[knob] = int(value)
                except ValueError:
                    raise InvalidArgument(f"session config {key!r} must be an integer, got {value!r}") from None
            else:
                known = ", ".join([CONFIG_PREFIX + "epilogues"] + [CONFIG_PREFIX + k for k in _INT_KNOBS])
                raise InvalidArgument(f"unknown session config entry {key!r}; fusion knobs: {known}")
        return cls(**kw)

    def config_entries(self) -> dict[str, str]:
        """The session config entries that ask for this policy (the inverse of `from_config`)."""
        out = {}
        if not self.fuse:
            out[CONFIG_DISABLE_FUSION] = "1"
        if not self.epilogues:
            out[CONFIG_PREFIX + "epilogues"] = "0"
        for name in _INT_KNOBS:
            if getattr(self, name) != getattr(FusionPolicy, name):
                out[CONFIG_PREFIX + name] = str(getattr(self, name))
        return out

    def planner(self, supports: Callable[[Any], bool] | None = None):
        """The default planner with these knobs; `supports(step)` says what the backend compiles."""
        from onnxjit.compiler.fusion.planner import GreedyFusion

        return GreedyFusion(supports=supports, policy=self)

    def plan(self, model):
        """So that a FusionPolicy is itself a policy object (provider option ``fusion_policy``)."""
        return self.planner().plan(model)


def resolve_planner(policy: Any, config: Mapping[str, str], supports: Callable[[Any], bool] | None = None):
    """The object whose ``plan(model)`` plans a provider's part: `policy` (provider option
    ``fusion_policy``) when it is a planner, the default planner with its knobs when it is a
    `FusionPolicy`, else the default planner with the knobs of the session `config`. `supports`
    is the backend's test of what it compiles (steps it refuses become host steps)."""
    if policy is None:
        return FusionPolicy.from_config(config).planner(supports)
    if type(policy) is FusionPolicy:
        return policy.planner(supports)
    if not callable(getattr(policy, "plan", None)):
        raise InvalidArgument(f"provider option 'fusion_policy' must be a FusionPolicy or have plan(model); "
                              f"got {type(policy).__name__}")
    return policy


def cache_key(policy: Any) -> str | None:
    """A stable text for the plan cache's key, or None when `policy` cannot be keyed (an arbitrary
    object: its behaviour is code, not data)."""
    if policy is None:
        return ""
    if type(policy) is FusionPolicy:
        return repr(policy)
    return None
