"""Scalar primitives: the only vocabulary code generators print.

Elementwise ONNX ops describe themselves as an `Expr` over these primitives (see an op file's
`expr`), so a new elementwise op costs no code-generator lines and every backend gets it at once.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

import numpy as np


class Prim(enum.Enum):
    # leaves
    INPUT = "input"      # value = input index
    CONST = "const"      # value = python scalar, dtype = its numpy dtype
    # unary
    NEG = "neg"; ABS = "abs"; EXP = "exp"; LOG = "log"; SQRT = "sqrt"; RECIP = "recip"
    ERF = "erf"; TANH = "tanh"; SIN = "sin"; COS = "cos"; TAN = "tan"
    ASIN = "asin"; ACOS = "acos"; ATAN = "atan"; SINH = "sinh"; COSH = "cosh"
    ASINH = "asinh"; ACOSH = "acosh"; ATANH = "atanh"
    FLOOR = "floor"; CEIL = "ceil"; ROUND = "round"  # ROUND: half to even
    SIGN = "sign"; NOT = "not"; ISNAN = "isnan"; ISINF_POS = "isinf_pos"; ISINF_NEG = "isinf_neg"
    CAST = "cast"        # dtype = target dtype
    # binary
    ADD = "add"; SUB = "sub"; MUL = "mul"; DIV = "div"; POW = "pow"
    MAX = "max"; MIN = "min"; FMOD = "fmod"; IMOD = "imod"  # IMOD: sign of divisor (python %)
    LT = "lt"; LE = "le"; GT = "gt"; GE = "ge"; EQ = "eq"
    AND = "and"; OR = "or"; XOR = "xor"
    BITAND = "bitand"; BITOR = "bitor"; BITXOR = "bitxor"; BITNOT = "bitnot"
    SHL = "shl"; SHR = "shr"
    # ternary
    WHERE = "where"


BOOL = np.dtype(bool)
_COMPARE = {Prim.LT, Prim.LE, Prim.GT, Prim.GE, Prim.EQ, Prim.ISNAN, Prim.ISINF_POS, Prim.ISINF_NEG,
            Prim.AND, Prim.OR, Prim.XOR, Prim.NOT}


@dataclass(frozen=True, eq=False)
class Expr:
    """A node of a scalar expression tree. Operators build new trees.

    A fused chain of thousands of ops is a tree thousands deep, so nothing here recurses over it:
    the hash and the depth are computed once, from the children's, when a node is built, and
    equality walks the two trees with an explicit stack."""

    prim: Prim
    args: tuple["Expr", ...] = ()
    dtype: np.dtype = np.dtype(np.float32)
    value: Any = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", hash((self.prim, self.args, str(self.dtype), repr(self.value))))
        object.__setattr__(self, "depth", 1 + max((a.depth for a in self.args), default=0))

    def __reduce__(self):
        # rebuilt through the constructor: the cached hash of strings and enums differs between processes
        return (Expr, (self.prim, self.args, self.dtype, self.value))

    # leaves -----------------------------------------------------------------------------------
    @staticmethod
    def input(index: int, dtype: np.dtype) -> "Expr":
        return Expr(Prim.INPUT, (), np.dtype(dtype), index)

    def const(self, value: Any) -> "Expr":
        """A constant of this expression's dtype."""
        return Expr(Prim.CONST, (), self.dtype, self.dtype.type(value).item())

    # builders ---------------------------------------------------------------------------------
    def _un(self, prim: Prim) -> "Expr":
        return Expr(prim, (self,), BOOL if prim in _COMPARE else self.dtype)

    def _bin(self, prim: Prim, other: "Expr | float | int") -> "Expr":
        other = other if isinstance(other, Expr) else self.const(other)
        return Expr(prim, (self, other), BOOL if prim in _COMPARE else self.dtype)

    def __add__(self, o): return self._bin(Prim.ADD, o)
    def __sub__(self, o): return self._bin(Prim.SUB, o)
    def __mul__(self, o): return self._bin(Prim.MUL, o)
    def __truediv__(self, o): return self._bin(Prim.DIV, o)
    def __pow__(self, o): return self._bin(Prim.POW, o)
    def __neg__(self): return self._un(Prim.NEG)
    def __radd__(self, o): return self.const(o)._bin(Prim.ADD, self)
    def __rsub__(self, o): return self.const(o)._bin(Prim.SUB, self)
    def __rmul__(self, o): return self.const(o)._bin(Prim.MUL, self)
    def __rtruediv__(self, o): return self.const(o)._bin(Prim.DIV, self)
    def __lt__(self, o): return self._bin(Prim.LT, o)
    def __le__(self, o): return self._bin(Prim.LE, o)
    def __gt__(self, o): return self._bin(Prim.GT, o)
    def __ge__(self, o): return self._bin(Prim.GE, o)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        """Structural equality (`eq` builds the EQ primitive), iterative; shared subtrees are compared once."""
        if self is other:
            return True
        if not isinstance(other, Expr):
            return NotImplemented
        stack, seen = [(self, other)], set()
        while stack:
            a, b = stack.pop()
            if a is b or (id(a), id(b)) in seen:
                continue
            seen.add((id(a), id(b)))
            if a._hash != b._hash or a.prim is not b.prim or a.dtype != b.dtype or len(a.args) != len(b.args) \
                    or not (a.value == b.value or repr(a.value) == repr(b.value)):
                return False
            stack.extend(zip(a.args, b.args))
        return True

    def eq(self, o): return self._bin(Prim.EQ, o)


def unary(prim: Prim, x: Expr) -> Expr:
    return x._un(prim)


def binary(prim: Prim, a: Expr, b: Expr | float | int) -> Expr:
    return a._bin(prim, b)


def maximum(a: Expr, b: Expr | float | int) -> Expr: return a._bin(Prim.MAX, b)
def minimum(a: Expr, b: Expr | float | int) -> Expr: return a._bin(Prim.MIN, b)
def exp(x: Expr) -> Expr: return x._un(Prim.EXP)
def log(x: Expr) -> Expr: return x._un(Prim.LOG)
def sqrt(x: Expr) -> Expr: return x._un(Prim.SQRT)
def tanh(x: Expr) -> Expr: return x._un(Prim.TANH)
def erf(x: Expr) -> Expr: return x._un(Prim.ERF)
def absolute(x: Expr) -> Expr: return x._un(Prim.ABS)


def where(cond: Expr, a: Expr, b: Expr | float | int) -> Expr:
    b = b if isinstance(b, Expr) else a.const(b)
    return Expr(Prim.WHERE, (cond, a, b), a.dtype)


def cast(x: Expr, dtype: np.dtype) -> Expr:
    return Expr(Prim.CAST, (x,), np.dtype(dtype))


def sigmoid(x: Expr) -> Expr:
    return 1.0 / (1.0 + exp(-x))


def walk(e: Expr):
    """Every distinct node of `e` once (shared subtrees once), without recursion."""
    stack, seen = [e], set()
    while stack:
        x = stack.pop()
        if id(x) in seen:
            continue
        seen.add(id(x))
        yield x
        stack.extend(x.args)


def inputs_of(e: Expr) -> set[int]:
    return {x.value for x in walk(e) if x.prim is Prim.INPUT}
