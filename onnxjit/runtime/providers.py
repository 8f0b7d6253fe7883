"""Provider names, availability and the user's provider list resolved in priority order."""
from __future__ import annotations

import warnings
from typing import Any

from onnxjit.errors import OrtRuntimeError
from onnxjit.providers.base import ALIASES, CPU_ALIAS, ProviderName

# every name a session takes: onnxjit's three providers and onnxruntime's CPU name (the Numba
# provider answers to it; see providers/base.py ALIASES)
ALL_PROVIDERS = [ProviderName.TRITON.value, ProviderName.NUMBA.value, CPU_ALIAS, ProviderName.REFERENCE.value]


def gpu_available() -> bool:
    """A CUDA GPU that torch can see (answered without importing torch where there is no NVIDIA device)."""
    from onnxjit.providers.triton.device import cuda_available

    return cuda_available()


def triton_available() -> bool:
    """TritonExecutionProvider runs on a CUDA GPU, or on the CPU in Triton's interpreter when
    TRITON_INTERPRET=1 is set (slow: for tests)."""
    from onnxjit.providers.triton.device import triton_available as available

    return available()


def numba_available() -> bool:
    try:
        import numba  # noqa: F401, PLC0415

        from onnxjit.providers import numba as _nb  # noqa: F401, PLC0415

        return hasattr(_nb, "NumbaProvider")
    except Exception:  # noqa: BLE001
        return False


def available_providers() -> list[str]:
    out = []
    if triton_available():
        out.append(ProviderName.TRITON.value)
    if numba_available():
        out.append(ProviderName.NUMBA.value)
    out.append(CPU_ALIAS)  # always: the Numba provider where numba imports, else the reference kernels
    out.append(ProviderName.REFERENCE.value)
    return out


# onnxruntime's other providers (onnxruntime.get_all_providers() of 1.32): a name it knows but was not built
# with is dropped with a warning everywhere; any other name is "Unknown Provider Type" to set_providers
ONNXRUNTIME_PROVIDER_NAMES = frozenset({
    "TensorrtExecutionProvider", "CUDAExecutionProvider", "MIGraphXExecutionProvider", "OpenVINOExecutionProvider",
    "DnnlExecutionProvider", "VitisAIExecutionProvider", "QNNExecutionProvider", "NnapiExecutionProvider",
    "VSINPUExecutionProvider", "JsExecutionProvider", "CoreMLExecutionProvider", "DmlExecutionProvider",
    "RknpuExecutionProvider", "WebNNExecutionProvider", "WebGpuExecutionProvider", "XnnpackExecutionProvider",
    "CANNExecutionProvider", "AzureExecutionProvider", "CPUExecutionProvider"})


def resolve(providers: list[Any] | None, provider_options: list[dict] | None,
            refuse_unknown: bool = False) -> list[tuple[ProviderName, dict]]:
    """[(provider, options)] in priority order, unknown or unavailable ones dropped with a warning.

    With `refuse_unknown` (set_providers), a name that neither onnxjit nor onnxruntime knows raises
    RuntimeError after the warning, as onnxruntime's set_providers does; its constructor falls back instead.
    """
    available = available_providers()
    if providers is None:
        # the compiled CPU provider first, the reference kernels for whatever it does not take
        names: list[tuple[str, dict]] = [(p.value, {}) for p in (ProviderName.NUMBA, ProviderName.REFERENCE)
                                         if p.value in available]
    else:
        if provider_options is not None and len(provider_options) != len(providers):
            raise ValueError("'providers' and 'provider_options' should be the same length if both are given.")
        names = []
        for k, p in enumerate(providers):
            if isinstance(p, tuple):
                name, opts = p[0], dict(p[1])
            else:
                name, opts = p, dict(provider_options[k]) if provider_options else {}
            if not isinstance(name, str):
                raise ValueError(f"Invalid provider entry {p!r}: expected a name or (name, options)")
            names.append((name, opts))
    out: list[tuple[ProviderName, dict]] = []
    for name, opts in names:
        canonical = ALIASES.get(name)
        if canonical is None:
            try:
                canonical = ProviderName(name)
            except ValueError:
                warnings.warn(f"Specified provider '{name}' is not in available provider names."
                              f"Available providers: '{', '.join(available)}'", stacklevel=3)
                if refuse_unknown and name not in ONNXRUNTIME_PROVIDER_NAMES:
                    raise OrtRuntimeError(f"Unknown Provider Type: {name}") from None
                continue
        if name == CPU_ALIAS and canonical.value not in available:
            warnings.warn(f"{CPU_ALIAS} runs the numpy reference kernels here: the Numba provider is not "
                          f"available ({_unavailable_reason(canonical)})", stacklevel=3)
            canonical = ProviderName.REFERENCE
        if canonical.value not in available:
            warnings.warn(f"{name} is not available on this machine ({_unavailable_reason(canonical)}); "
                          "falling back to the next provider.", stacklevel=3)
            continue
        if all(c is not canonical for c, _ in out):
            out.append((canonical, opts))
    if not out and providers is not None:  # nothing named is usable: the default, never only the slow kernels
        return resolve(None, None)
    if all(c is not ProviderName.REFERENCE for c, _ in out):
        out.append((ProviderName.REFERENCE, {}))
    return out


def shown_names(requested: list[Any] | None, resolved: list[tuple[ProviderName, dict]]) -> list[str]:
    """What get_providers() reports, one name per entry of `resolved`: onnxjit's own names, except that a
    session asked for "CPUExecutionProvider" (and not for Numba or the reference kernels by name)
    reports that name for its CPU part, the compiled kernels and the reference kernels behind them, as
    code written for onnxruntime expects."""
    asked = {p[0] if isinstance(p, tuple) else p for p in requested or ()}
    cpu = (ProviderName.NUMBA, ProviderName.REFERENCE)
    as_cpu = CPU_ALIAS in asked and not asked & {p.value for p in cpu}
    return [CPU_ALIAS if as_cpu and p in cpu else p.value for p, _ in resolved]


def _unavailable_reason(provider: ProviderName) -> str:
    if provider is ProviderName.TRITON:
        from onnxjit.providers.triton.device import unavailable_reason

        return unavailable_reason()
    return "dependency missing"
