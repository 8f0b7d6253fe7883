"""`onnxjit.plan`: a model's kernel plan, as a session would build it, without compiling anything.

The same steps as `InferenceSession` up to the plan: load (path, bytes or ModelProto), the session
options' initializer overrides and dim pins, shape inference, the schema checks, the optimisation
passes of `graph_optimization_level` (session.optimized_model), then the provider's planner with the
fusion knobs of the `policy` argument, the provider option or the session config (fusion/policy.py).
No source is generated, nothing is written to the cache and Numba is never imported, so it takes
about as long as the graph passes (light_resnet50: well under a second).
"""
from __future__ import annotations

import os
from typing import Any

from onnx import ModelProto

from onnxjit.compiler import loader
from onnxjit.compiler.fusion.plan import KernelPlan
from onnxjit.compiler.fusion.planner import build_plan
from onnxjit.compiler.fusion.policy import FusionPolicy, resolve_planner
from onnxjit.errors import Fail, InvalidArgument
from onnxjit.providers.base import ALIASES, ProviderName
from onnxjit.runtime.model_config import loads_config_from_model, options_from_model
from onnxjit.runtime.options import SessionOptions
from onnxjit.runtime.session import _untyped_as, optimized_model, with_session_options

# short names the command line takes besides the providers' own
SHORT_NAMES = {"numba": ProviderName.NUMBA, "cpu": ProviderName.NUMBA, "triton": ProviderName.TRITON,
               "cuda": ProviderName.TRITON, "reference": ProviderName.REFERENCE}


def provider_named(name: str) -> ProviderName:
    """The provider a name means (its own name, onnxruntime's alias, or a short name); InvalidArgument
    listing the known names otherwise."""
    if name in ALIASES:
        return ALIASES[name]
    for p in ProviderName:
        if name == p.value:
            return p
    short = SHORT_NAMES.get(name.lower()) if isinstance(name, str) else None
    if short is not None:
        return short
    known = [p.value for p in ProviderName] + list(ALIASES) + sorted(SHORT_NAMES)
    raise InvalidArgument(f"unknown provider {name!r}; known: {', '.join(known)}")


def plan(model: str | os.PathLike | bytes | ModelProto, policy: Any = None,
         provider: str = ProviderName.NUMBA.value, sess_options: SessionOptions | None = None,
         provider_options: dict[str, Any] | None = None) -> KernelPlan:
    """The kernel plan a session on `provider` would compile for `model`, without compiling it.

    policy: a `FusionPolicy` (knobs), or a planner object with ``plan(model)`` (a `GreedyFusion`
        subclass); None takes the provider option ``fusion_policy``, else the session config's
        ``onnxjit.disable_fusion`` / ``onnxjit.fusion.*`` entries, else the defaults.
    provider: "NumbaExecutionProvider" (also "CPUExecutionProvider") or "TritonExecutionProvider"
        (also "CUDAExecutionProvider"; planning needs no GPU). The reference provider has no plan.
    sess_options: its graph_optimization_level, add_initializer values and config entries apply.

    The plan's `describe()`, `to_dict()`, `to_json()`, `to_dot()` and `decisions` ("why not fused")
    are what `onnxjit explain --no-compile` prints.
    """
    which = provider_named(provider)
    if which is ProviderName.REFERENCE:
        raise InvalidArgument(f"{which.value} runs the graph node by node: it has no kernel plan")
    if policy is not None and not isinstance(policy, FusionPolicy) and not callable(getattr(policy, "plan", None)):
        raise InvalidArgument(f"policy must be a FusionPolicy or have plan(model); got {type(policy).__name__}")
    so = (sess_options or SessionOptions())._copy()
    proto, _ = loader.load_model_proto(model)
    if loads_config_from_model(so):
        so = options_from_model(proto)
    proto = with_session_options(proto, so)
    optimised = optimized_model(proto, int(so.graph_optimization_level))[0]
    supports = None
    if which is ProviderName.TRITON:
        from onnxjit.compiler.codegen import triton_gen  # source text only: imports no triton

        supports = triton_gen.supports
    planner = resolve_planner(policy if policy is not None else (provider_options or {}).get("fusion_policy"),
                              so._config, supports)
    with _untyped_as(Fail, "model cannot be planned"):  # as a session's "model cannot be compiled"
        return build_plan(optimised, planner)
