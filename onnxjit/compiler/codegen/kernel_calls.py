"""What a Numba driver passes each kernel, as data: so that profile mode can call the kernels one by one
from Python, with exactly the arguments the driver would give them, and time each.

A driver (numba_gen.render_numba) calls every kernel on views of its own parameters (the parameter
table P, the kernel-address table K, the arenas, the segment's argument arrays): `view(X, start,
length)`, where start and length are constants of the plan or entries of P (known per input-shape
binding). `KernelCall` records those views; `bind` turns them into plain (parameter, start, length)
integers for one binding, and `operands` slices them out of one run's parameters. Calling the kernel
dispatchers, compiled (or loaded) for their one signature with the normal module, compiles nothing:
profile mode is the normal module run differently, not another module.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Sequence


class RefKind(enum.IntEnum):
    CONST = 0    # the value itself
    P = 1        # P[value]
    P_SPAN = 2   # P[value + 1] - P[value] (a kernel's slice of the launch parameters)


Ref = tuple[RefKind, int]


@dataclass(frozen=True)
class Operand:
    """One kernel argument: the driver's parameter `param` (its position), whole (start None) or the
    view [start, start + length) of it."""

    param: int
    start: Ref | None = None
    length: Ref | None = None


@dataclass(frozen=True)
class KernelCall:
    """Plan step `step` calls the kernel function `kernel` (compiled for the signature `entry` of the
    module's kernel_table) on `operands`."""

    step: int
    entry: int
    kernel: str
    operands: tuple[Operand, ...]
    # the function the driver calls, when it is not `kernel` itself: a parallel kernel's shared wrapper
    # (numba_gen's parallel modules), which runs the kernel's jobs at the addresses its first operand holds
    function: str = ""

    @property
    def called(self) -> str:
        return self.function or self.kernel


# (parameter, start, length) of one operand for one binding; start -1: the whole parameter
BoundOperand = tuple[int, int, int]


def _value(ref: Ref, P: Any) -> int:
    kind, v = ref
    if kind is RefKind.CONST:
        return v
    if kind is RefKind.P:
        return int(P[v])
    return int(P[v + 1]) - int(P[v])


def bind(call: KernelCall, P: Any) -> list[BoundOperand]:
    """The call's operands for the binding whose parameter table is `P`. A negative start or length
    is refused here (IndexError, as the driver's `view`); one past its array's end at `operands`."""
    out: list[BoundOperand] = []
    for op in call.operands:
        if op.start is None:
            out.append((op.param, -1, 0))
            continue
        start, length = _value(op.start, P), _value(op.length, P)  # type: ignore[arg-type]
        if start < 0 or length < 0:
            raise IndexError("kernel operand outside its arena")
        out.append((op.param, start, length))
    return out


def operands(bound: Sequence[BoundOperand], params: Sequence[Any]) -> list[Any]:
    """The kernel's arguments: views of one run's driver parameters (numpy slices share memory, as
    the driver's views do). A view that would pass its array's end raises IndexError rather than
    being cut short, as the driver's `view` does."""
    args = []
    for param, start, length in bound:
        arr = params[param]
        if start < 0:
            args.append(arr)
            continue
        v = arr[start:start + length]
        if v.shape[0] != length:
            raise IndexError("kernel operand outside its arena")
        args.append(v)
    return args
