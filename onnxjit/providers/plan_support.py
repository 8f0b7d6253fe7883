"""What every compiling provider needs around a kernel plan: importing generated modules from the
cache, the reference kernels of host steps, and the shape steps each segment evaluates."""
from __future__ import annotations

import functools
import importlib.util
import py_compile
import sys
from pathlib import Path
from typing import Any

from onnxjit.compiler.fusion.plan import KernelPlan, StepKind
from onnxjit.compiler.ir import Model
from onnxjit.compiler.ops.registry import lookup
from onnxjit.errors import NotImplemented as OrtNotImplemented
from onnxjit.providers.cpu.interpreter import run_subgraph


def import_generated(name: str, path: Path) -> Any:
    """Import a generated module from its file (Numba's cache and Triton's compiler need a real file).

    Its bytecode is kept beside it in the cache (`__pycache__`), written even where Python writes none
    (PYTHONDONTWRITEBYTECODE): the cache is onnxjit's, and a warm session would otherwise compile each
    module's source again. Bytecode that cannot be read is deleted and the source imported."""
    if name in sys.modules:
        return sys.modules[name]
    pyc = Path(importlib.util.cache_from_source(str(path)))
    if not pyc.exists():
        try:
            py_compile.compile(str(path), cfile=str(pyc), doraise=True)
        except (py_compile.PyCompileError, OSError):
            pass  # importing the source reports what is wrong with it
    try:
        return _exec_module(name, path)
    except (EOFError, ValueError, TypeError, ImportError):
        if not pyc.exists():
            raise
        pyc.unlink(missing_ok=True)  # truncated or damaged bytecode: compile the source instead
        return _exec_module(name, path)


def _exec_module(name: str, path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def host_op(plan: KernelPlan, model: Model, k: int) -> Any:
    """The reference kernel that runs host step `k`; control-flow ops get the subgraph runner."""
    node = plan.steps[k].nodes[0]
    opset = node.opset or model.opset(node.domain)
    cls = lookup(node.domain, node.op_type, opset)
    if cls is None:
        raise OrtNotImplemented(f"Could not find an implementation for {node.op_type}({opset}) node with name '{node.name}'")
    return cls(node, opset, runner=functools.partial(run_subgraph, opsets=model.opsets))


def shape_steps_per_segment(plan: KernelPlan) -> list[list]:
    """The SHAPE steps of each segment (segments are separated by host steps)."""
    per: list[list] = [[]]
    for s in plan.steps:
        if s.kind is StepKind.HOST:
            per.append([])
        elif s.kind is StepKind.SHAPE:
            per[-1].append(s)
    return per
