"""Show the code a session generates, kernel by kernel (as torch's ``TORCH_LOGS=output_code``).

    ONNXJIT_LOGS=output_code   each kernel's source on stderr, headed by its plan step's name (as
                               `onnxjit explain` and the profile name it) and the ONNX nodes it runs
    ONNXJIT_DUMP_CODE=DIR      the same text, one file per kernel step: DIR/<step name>.py (a later
                               session's step of the same name overwrites it)

Both providers call `emit` once, when a session has its generated source (rendered, or restored
from the plan cache). Kernels are shared by content: steps that run the same kernel show the same
source under their own names. Names from the model reach these files only as comments, printable
characters only, like everywhere in generated code.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Mapping

from onnxjit.compiler.fusion.plan import KernelPlan

LOGS_ENV = "ONNXJIT_LOGS"
DUMP_ENV = "ONNXJIT_DUMP_CODE"
OUTPUT_CODE = "output_code"


def _comment(text: str, limit: int = 80) -> str:
    """Model text fit for one comment line: printable characters only (no newline ends the comment)."""
    return "".join(c if c.isprintable() else "?" for c in text)[:limit]


def logging_code() -> bool:
    """ONNXJIT_LOGS names output_code (a comma-separated list, as TORCH_LOGS; '+output_code' too)."""
    wanted = {w.strip().lstrip("+") for w in os.environ.get(LOGS_ENV, "").split(",")}
    return OUTPUT_CODE in wanted


def step_text(plan: KernelPlan, k: int, kernel: str, source: str, provider: str) -> str:
    """One kernel step's source with a header: the step, its kind, its kernel and its ONNX nodes."""
    step = plan.steps[k]
    kind = step.kind.value + (f":{step.op}" if step.op else "")
    nodes = [f"#   {_comment(n.op_type, 40)} '{_comment(n.name)}'" for n in step.nodes]
    head = [f"# onnxjit generated code ({provider}): plan step [{k}] {step.name} ({kind})",
            f"# kernel: {kernel} (shared by every step with the same source)", "# ONNX nodes:", *nodes]
    return "\n".join(head) + "\n" + source.rstrip("\n") + "\n"


def emit(plan: KernelPlan, step_code: Mapping[int, tuple[str, str]] | None, provider: str) -> None:
    """Log and/or dump each kernel step's source, as the environment asks (nothing otherwise).
    `step_code`: plan step index -> (kernel function name, the source that defines it)."""
    log, folder = logging_code(), os.environ.get(DUMP_ENV)
    if not (log or folder) or not step_code:
        return
    out = Path(folder) if folder else None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    for k, (kernel, source) in sorted(step_code.items()):
        text = step_text(plan, k, kernel, source, str(provider))
        if log:
            sys.stderr.write(f"[onnxjit output_code] {plan.steps[k].name}\n{text}\n")
        if out is not None:
            # step names are sanitised identifiers (planner.sanitize): a plain file name
            (out / f"{plan.steps[k].name}.py").write_text(text)
    if log:
        sys.stderr.flush()
