"""Every public name of the installed onnxruntime exists in onnxjit, or is a deliberate exclusion.

Walked: the module's public names (``dir(onnxruntime)`` without ``_`` names); the public methods and
properties of the classes in ``CLASSES`` (plus the array/DLPack protocol methods); every member of
every enum, with its value. Each must exist in onnxjit with the same callable-ness (a method is
callable, a property or enum member is not), or be listed in ``exclusions.txt`` as
``name  # reason``. An exclusion whose name onnxjit now has fails too, so the list only shrinks, and
one that onnxruntime does not have is stale. Excluding a class excludes its members.
"""
from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any, Callable

import numpy as np
import onnx
import onnxruntime
import pytest
from onnx import TensorProto, helper

import onnxjit

CLASSES = ("InferenceSession", "SessionOptions", "RunOptions", "OrtValue", "SparseTensor", "IOBinding",
           "SessionIOBinding", "OrtDevice", "OrtMemoryInfo", "NodeArg", "ModelMetadata")
PROTOCOL_DUNDERS = ("__array__", "__dlpack__", "__dlpack_device__")
EXCLUSIONS_FILE = Path(__file__).with_name("exclusions.txt")


def _is_enum(obj: Any) -> bool:
    return isinstance(obj, type) and hasattr(obj, "__members__")


def _class_members(cls: type) -> list[str]:
    return [m for m in dir(cls) if not m.startswith("_") or (m in PROTOCOL_DUNDERS and hasattr(cls, m))]


def _static_callable(cls: type, member: str) -> bool | None:
    """Whether `member` of `cls` is callable (a method), judged on the class: None if the class does not
    define it (it may still be an instance attribute)."""
    try:
        static = inspect.getattr_static(cls, member)
    except AttributeError:
        return None
    if isinstance(static, property) or (hasattr(type(static), "__set__") and not callable(static)):
        return False  # a property / data descriptor: an attribute, not a method
    return callable(getattr(cls, member))


def onnxruntime_names() -> dict[str, tuple[bool, int | None]]:
    """Qualified public name -> (callable, enum value or None), as the installed onnxruntime has them."""
    names: dict[str, tuple[bool, int | None]] = {}
    for name in dir(onnxruntime):
        if name.startswith("_"):
            continue
        obj = getattr(onnxruntime, name)
        names[name] = (callable(obj), None)
        if _is_enum(obj):
            for member, value in obj.__members__.items():
                names[f"{name}.{member}"] = (False, int(value))
        elif name in CLASSES:
            for member in _class_members(obj):
                names[f"{name}.{member}"] = (bool(_static_callable(obj, member)), None)
    return names


def read_exclusions(path: Path = EXCLUSIONS_FILE) -> dict[str, str]:
    """name -> reason, from lines `name  # reason` (blank lines and lines starting with '#' skipped)."""
    out: dict[str, str] = {}
    for k, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, sep, reason = line.partition("#")
        name, reason = name.strip(), reason.strip()
        assert sep and reason, f"exclusions.txt:{k}: '{line}' has no '# reason'"
        assert name not in out, f"exclusions.txt:{k}: {name} is listed twice"
        assert " " not in name, f"exclusions.txt:{k}: '{name}' is not one name"
        out[name] = reason
    return out


ORT_NAMES = onnxruntime_names()
EXCLUDED = read_exclusions()


def _excluded(name: str) -> bool:
    return name in EXCLUDED or name.split(".")[0] in EXCLUDED


# --- onnxjit instances, for members that are instance attributes rather than class attributes -------
def _tiny_model() -> bytes:
    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString()


class Instances:
    """One onnxjit instance per walked class, built on first need (a session costs a compile)."""

    def __init__(self) -> None:
        self._made: dict[str, Any] = {}

    def session(self) -> Any:
        return self["InferenceSession"]

    def _factories(self) -> dict[str, Callable[[], Any]]:
        j = onnxjit
        return {
            "InferenceSession": lambda: j.InferenceSession(_tiny_model(), providers=["NumbaExecutionProvider"]),
            "SessionOptions": j.SessionOptions,
            "RunOptions": j.RunOptions,
            "NodeArg": lambda: self.session().get_inputs()[0],
            "ModelMetadata": lambda: self.session().get_modelmeta(),
            "OrtValue": lambda: j.OrtValue.ortvalue_from_numpy(np.zeros(2, np.float32)),
            "IOBinding": lambda: self.session().io_binding(),
            "SparseTensor": lambda: j.SparseTensor.sparse_coo_from_numpy(
                [4], np.ones(2, np.float32), np.array([0, 2], np.int64), j.OrtDevice.make("cpu", 0)),
            "SessionIOBinding": lambda: j.SessionIOBinding(self.session()),
            "OrtDevice": lambda: j.OrtDevice.make("cpu", 0),
            "OrtMemoryInfo": lambda: j.OrtMemoryInfo("Cpu", j.OrtAllocatorType.ORT_DEVICE_ALLOCATOR, 0,
                                                     j.OrtMemType.DEFAULT),
        }

    def __getitem__(self, cls_name: str) -> Any:
        if cls_name not in self._made:
            try:
                self._made[cls_name] = self._factories()[cls_name]()
            except Exception:  # noqa: BLE001 - the class or its constructor is missing: judged on the class alone
                self._made[cls_name] = None
        return self._made[cls_name]


@pytest.fixture(scope="module")
def instances() -> Instances:
    return Instances()


def onnxjit_lookup(name: str, instances: Instances) -> tuple[bool, bool, Any]:
    """(found, callable, object) for a qualified name in onnxjit."""
    head, _, member = name.partition(".")
    if not hasattr(onnxjit, head):
        return False, False, None
    obj = getattr(onnxjit, head)
    if not member:
        return True, callable(obj), obj
    if _is_enum(ORT_NAMES_OBJ.get(head)):
        if not hasattr(obj, member):
            return False, False, None
        return True, False, getattr(obj, member)
    judged = _static_callable(obj, member) if isinstance(obj, type) else None
    if judged is not None:
        return True, judged, getattr(obj, member)
    inst = instances[head] if head in CLASSES else None
    if inst is not None and hasattr(inst, member):
        value = getattr(inst, member)
        return True, callable(value), value
    return False, False, None


ORT_NAMES_OBJ = {n: getattr(onnxruntime, n) for n in dir(onnxruntime) if not n.startswith("_")}
WALKED = sorted(n for n in ORT_NAMES if not _excluded(n))


@pytest.mark.parametrize("name", WALKED)
def test_onnxruntime_public_name_exists_in_onnxjit(name: str, instances: Instances) -> None:
    ort_callable, ort_value = ORT_NAMES[name]
    found, is_callable, obj = onnxjit_lookup(name, instances)
    assert found, (f"onnxjit lacks onnxruntime's public name {name}: add it, or list it in "
                   "tests/api_parity/exclusions.txt with the reason")
    assert is_callable == ort_callable, (f"{name}: callable in onnxruntime: {ort_callable}, "
                                         f"in onnxjit: {is_callable}")
    if ort_value is not None:
        assert int(obj) == ort_value, f"{name}: onnxruntime's value is {ort_value}, onnxjit's {int(obj)}"


def test_walk_covers_the_public_api() -> None:
    """The walk is not vacuous: it reaches module names, class members and enum members."""
    assert "InferenceSession.run" in ORT_NAMES and "SessionOptions.graph_optimization_level" in ORT_NAMES
    assert ORT_NAMES["InferenceSession.run"][0] is True
    assert ORT_NAMES["SessionOptions.graph_optimization_level"][0] is False
    assert ORT_NAMES["GraphOptimizationLevel.ORT_ENABLE_ALL"] == (False, 99)
    assert len(WALKED) > 150


def test_exclusions_name_onnxruntime_names() -> None:
    stale = sorted(n for n in EXCLUDED if n not in ORT_NAMES)
    assert not stale, f"exclusions.txt lists names the installed onnxruntime does not have: {stale}"


def test_exclusions_are_still_missing_from_onnxjit(instances: Instances) -> None:
    present = sorted(n for n in EXCLUDED if onnxjit_lookup(n, instances)[0])
    assert not present, f"onnxjit now has these excluded names: remove them from exclusions.txt: {present}"


def test_exclusions_parse_strictly(tmp_path: Path) -> None:
    bad = tmp_path / "x.txt"
    bad.write_text("LoraAdapter\n")
    with pytest.raises(AssertionError, match="no '# reason'"):
        read_exclusions(bad)
    good = tmp_path / "y.txt"
    good.write_text("# comment\n\nLoraAdapter  # not supported\n")
    assert read_exclusions(good) == {"LoraAdapter": "not supported"}


def test_onnx_is_the_walked_onnxruntime_companion() -> None:
    """The model the instances use loads in onnxruntime too (the walk compares like with like)."""
    sess = onnxruntime.InferenceSession(_tiny_model(), providers=["CPUExecutionProvider"])
    assert [i.name for i in sess.get_inputs()] == ["x"]
    assert onnx.load_from_string(_tiny_model()).graph.node[0].op_type == "Relu"
