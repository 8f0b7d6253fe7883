"""The ONNX backend node cases of the installed onnx package, per provider.

Every case runs through `run_case` (onnxjit.backend.prepare + session.run, compared like onnx's backend
runner). Cases listed in `expected_failures/<provider>.txt` are strict xfails: one that starts passing
fails the suite until its line is removed, so the data file never goes stale.
"""
from __future__ import annotations

import warnings

import pytest

from tests.conformance.cases import FAILURES_DIR, expected_failures, node_cases, run_case

# Providers the node cases run on; extend as providers land (each has its own expected-failures file).
PROVIDERS = ["ReferenceExecutionProvider", "NumbaExecutionProvider", "TritonExecutionProvider"]


def _provider_chain(provider: str) -> list[str]:
    """The providers list a session gets: the provider under test, then CPU for what it does not take."""
    return [provider] if provider == "ReferenceExecutionProvider" else [provider, "ReferenceExecutionProvider"]


def _params() -> list:
    names = sorted(node_cases())
    params = []
    for provider in PROVIDERS:
        known = expected_failures(provider)
        for name in names:
            marks = [pytest.mark.xfail(reason=known[name], strict=True)] if name in known else []
            params.append(pytest.param(provider, name, marks=marks, id=f"{provider}-{name}"))
    return params


def _use_triton(monkeypatch: pytest.MonkeyPatch) -> None:
    """Triton's node cases run on a GPU when there is one, else in Triton's interpreter (TRITON_INTERPRET
    is read when a kernel is defined and launched, so setting it per test is enough)."""
    pytest.importorskip("torch")
    pytest.importorskip("triton")
    from onnxjit.providers.triton.device import cuda_available

    if not cuda_available():
        monkeypatch.setenv("TRITON_INTERPRET", "1")


@pytest.mark.parametrize(("provider", "name"), _params())
def test_node_case(provider: str, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if provider == "TritonExecutionProvider":
        _use_triton(monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_case(node_cases()[name], _provider_chain(provider))


@pytest.mark.parametrize("provider", PROVIDERS)
def test_expected_failures_file_is_well_formed(provider: str) -> None:
    """Every line of the data file is `name: reason`, names an existing case, and appears once."""
    path = FAILURES_DIR / f"{provider}.txt"
    if not path.exists():
        pytest.skip(f"{path.name} does not exist (no expected failures listed)")
    cases = node_cases()
    problems, seen = [], set()
    for lineno, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, reason = line.partition(":")
        name = name.strip()
        if not sep or not reason.strip():
            problems.append(f"line {lineno}: {name!r} has no reason")
        if name not in cases:
            problems.append(f"line {lineno}: {name!r} is not a node case of the installed onnx")
        if name in seen:
            problems.append(f"line {lineno}: {name!r} is listed twice")
        seen.add(name)
    assert not problems, f"{path}:\n" + "\n".join(problems)
