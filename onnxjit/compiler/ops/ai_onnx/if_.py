"""If: run the then- or else-branch subgraph depending on a boolean scalar condition."""
from __future__ import annotations

from typing import Any

import numpy as np

from onnxjit.compiler.ops.registry import REQUIRED, Fusion, OpDef, register


@register("If", since=1)
class If(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"then_branch": REQUIRED, "else_branch": REQUIRED}
    needs_env = True

    def run_with_env(self, inputs: list[Any], env: dict[str, Any]) -> list[Any]:
        cond = np.asarray(inputs[0])
        if cond.size != 1:
            raise ValueError(f"If condition must hold one element, got shape {cond.shape}")
        branch = self.a.then_branch if bool(cond.reshape(-1)[0]) else self.a.else_branch
        return list(self.run_subgraph(branch, [], env))
