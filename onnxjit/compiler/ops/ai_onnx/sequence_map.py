"""SequenceMap: apply a body subgraph to each element of a sequence (extra inputs: sequences zip, tensors broadcast)."""
from __future__ import annotations

from typing import Any

from onnxjit.compiler.ops.registry import REQUIRED, Fusion, OpDef, register


@register("SequenceMap", since=17)
class SequenceMap(OpDef):
    fusion = Fusion.OPAQUE
    attrs = {"body": REQUIRED}
    needs_env = True

    def run_with_env(self, inputs: list[Any], env: dict[str, Any]) -> list[Any]:
        body = self.a.body
        seq, extras = inputs[0], inputs[1:]
        results: list[list[Any]] = [[] for _ in body.outputs]
        for i, item in enumerate(seq):
            args = [item] + [x[i] if isinstance(x, list) else x for x in extras]
            for acc, out in zip(results, self.run_subgraph(body, args, env)):
                acc.append(out)
        return results
