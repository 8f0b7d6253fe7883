"""The op registry: every ONNX op is declared once, in its own file, with `@register`.

An op file declares a subclass of `OpDef` per semantic version of the op:

    @register("Relu", since=6)
    class Relu(OpDef):
        fusion = Fusion.ELEMENTWISE
        def reference(self, x):             # numpy kernel: CPU fallback and test oracle
            return np.maximum(x, x.dtype.type(0))
        def expr(self, x):                  # scalar expression over Prims (elementwise ops)
            return prims.maximum(x, 0)

Attributes are declared with their defaults in `attrs` (`REQUIRED` for mandatory ones) and read as
`self.a.<name>`. `reference` takes the node's inputs positionally (None for a missing optional
input) and returns one array or a tuple/list of outputs (None for an output not produced).
"""
from __future__ import annotations

import enum
import os
import re
from types import SimpleNamespace
from typing import Any, Callable, ClassVar

import numpy as np

from onnxjit.errors import InvalidGraph, NotImplemented as OrtNotImplemented


class Fusion(enum.Enum):
    """How the fusion planner may treat an op."""

    ELEMENTWISE = "elementwise"
    REDUCTION = "reduction"
    INDEX = "index"        # transpose/slice/gather/concat/reshape…: index maps
    TEMPLATE = "template"  # MatMul, Gemm, Conv, pooling: hand-written skeleton + epilogue
    OPAQUE = "opaque"      # host kernel between compiled groups


class Domain(str, enum.Enum):
    AI_ONNX = ""
    AI_ONNX_ML = "ai.onnx.ml"
    MICROSOFT = "com.microsoft"


REQUIRED = object()


class OpDef:
    """One version of one ONNX op. Instantiated per node with its attributes resolved."""

    domain: ClassVar[str] = ""
    op_type: ClassVar[str] = ""
    since: ClassVar[int] = 1
    fusion: ClassVar[Fusion] = Fusion.OPAQUE
    attrs: ClassVar[dict[str, Any]] = {}
    # Deterministic ops may be constant-folded; random generators may not.
    deterministic: ClassVar[bool] = True

    def __init__(self, node: Any = None, opset: int | None = None, runner: Any = None):
        self.node = node
        self.opset = opset if opset is not None else self.since
        self.runner = runner  # executes subgraphs for control-flow ops (If/Loop/Scan)
        given = dict(node.attrs) if node is not None else {}
        values = {}
        for name, default in self.attrs.items():
            if name in given:
                values[name] = _checked_attribute(self, name, given.pop(name), default)
            elif default is REQUIRED:
                raise InvalidGraph(f"node {self.node_name} ({self.op_type}) lacks required attribute {name!r}")
            else:
                values[name] = default
        values.update(given)  # undeclared attributes stay visible (ops may read them)
        self.a = SimpleNamespace(**values)

    @property
    def node_name(self) -> str:
        return self.node.name if self.node is not None else self.op_type

    def reference(self, *inputs: Any) -> Any:
        raise OrtNotImplemented(f"{self.op_type} has no reference kernel")

    def run(self, inputs: list[Any]) -> list[Any]:
        """Call `reference` and normalise its result to a list of outputs."""
        out = self.reference(*inputs)
        if isinstance(out, tuple):
            return list(out)
        if isinstance(out, list) and self.returns_list:
            return out
        return [out]

    # Control-flow ops read outer-scope values: they set needs_env and implement run_with_env.
    needs_env: ClassVar[bool] = False

    def run_with_env(self, inputs: list[Any], env: dict[str, Any]) -> list[Any]:
        raise OrtNotImplemented(f"{self.op_type} does not implement run_with_env")

    # An op whose single output is a sequence returns a python list: set returns_list = False
    # there so the list is not taken as several outputs.
    returns_list: ClassVar[bool] = True

    def run_subgraph(self, graph: Any, inputs: list[Any], outer: dict[str, Any] | None = None) -> list[Any]:
        """Run a nested graph (If/Loop/Scan bodies) with positional inputs; outer-scope values visible."""
        if self.runner is None:
            raise OrtNotImplemented(f"{self.op_type} needs a subgraph runner")
        return self.runner(graph, inputs, outer or {})


def _attribute_kind(value: Any) -> str | None:
    """'number', 'string' or 'list' for the plain attribute kinds; None for anything else (tensors,
    graphs, type protos, an op's own default objects), which is not checked."""
    if isinstance(value, (bool, int, float, np.integer, np.floating)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "list"
    return None


def _checked_attribute(op: OpDef, name: str, value: Any, default: Any) -> Any:
    """A model's attribute whose kind (number, string, list) is not the kind of the declared default
    is an invalid graph (an INT given as STRING or FLOATS), refused here instead of failing with a
    TypeError deep inside a kernel. Defaults of None or REQUIRED accept anything."""
    want, got = _attribute_kind(default), _attribute_kind(value)
    if want is not None and got is not None and want != got:
        raise InvalidGraph(f"node {op.node_name} ({op.op_type}): attribute {name!r} must be a {want}, "
                           f"got a {got}")
    return value


_REGISTRY: dict[tuple[str, str], list[type[OpDef]]] = {}


def register(op_type: str, since: int = 1, domain: str = "") -> Callable[[type[OpDef]], type[OpDef]]:
    """Class decorator: declare `cls` as version `since` of `domain::op_type`."""

    def deco(cls: type[OpDef]) -> type[OpDef]:
        cls.op_type, cls.since, cls.domain = op_type, since, domain
        versions = _REGISTRY.setdefault((domain, op_type), [])
        if any(v.since == since for v in versions):
            raise ValueError(f"{domain}::{op_type} since {since} registered twice")
        versions.append(cls)
        versions.sort(key=lambda c: c.since)
        return cls

    return deco


def lookup(domain: str, op_type: str, opset: int) -> type[OpDef] | None:
    """The newest registered version of the op not newer than `opset`."""
    domain = "" if domain == "ai.onnx" else domain
    if not _loaded and op_type not in _imported_ops:
        _load_op(op_type)
        if (domain, op_type) not in _REGISTRY:  # not declared where the index says: import everything
            _ensure_loaded()
    versions = _REGISTRY.get((domain, op_type))
    found = None
    for cls in versions or ():
        if cls.since <= opset:
            found = cls
    return found


def registered() -> dict[tuple[str, str], list[type[OpDef]]]:
    _ensure_loaded()
    return _REGISTRY


# Op modules are imported when their op is first looked up, not all at once: a session imports the
# few dozen files its model needs instead of every op (and the scipy/etc. imports some of them make).
# The index maps each op type to the files whose `@register("<op type>", ...)` lines name it; the
# registration itself still happens by importing the file. An op the index misses falls back to
# importing everything, so the index can only cost time, never change a lookup's answer.
_REGISTER_LINE = re.compile(r'@register\(\s*"([^"]+)"')
_index: dict[str, list[str]] | None = None
_imported_ops: set[str] = set()  # op types whose modules (per the index) are imported
_loaded = False                  # every op module is imported


def _op_modules() -> list[tuple[str, str]]:
    """(module name, file path) of every op module: `<domain package>.<op file>` (files starting
    with '_' are helpers)."""
    from onnxjit.compiler import ops

    out = []
    for base in ops.__path__:
        for pkg in sorted(os.listdir(base)):
            folder = os.path.join(base, pkg)
            if pkg.startswith("_") or not os.path.isfile(os.path.join(folder, "__init__.py")):
                continue
            out += [(f"{ops.__name__}.{pkg}.{f[:-3]}", os.path.join(folder, f)) for f in sorted(os.listdir(folder))
                    if f.endswith(".py") and not f.startswith("_")]
    return out


def _op_index() -> dict[str, list[str]]:
    """op type -> the op modules that register it (read from their source: a few ms for all)."""
    global _index
    if _index is None:
        index: dict[str, list[str]] = {}
        for module, path in _op_modules():
            with open(path, encoding="utf-8") as f:
                for op_type in sorted(set(_REGISTER_LINE.findall(f.read()))):
                    index.setdefault(op_type, []).append(module)
        _index = index
    return _index


def _load_op(op_type: str) -> None:
    import importlib

    for module in _op_index().get(op_type, ()):
        importlib.import_module(module)
    _imported_ops.add(op_type)


def _ensure_loaded() -> None:
    """Import every op module once; each registers its ops."""
    global _loaded
    if not _loaded:
        import importlib

        for module, _ in _op_modules():
            importlib.import_module(module)
        _loaded = True


def as_np(x: Any) -> np.ndarray:
    return x if isinstance(x, np.ndarray) else np.asarray(x)
