"""Print a scalar `Expr` as straight-line code with common subexpressions shared.

A dialect maps each primitive to a format string; Numba and Triton each supply one. Format
strings see the operands as {0}, {1}, {2}, and `{one}` (the literal 1 of the result's dtype),
`{bits}` (its width) and `{ty}` (the dialect's name of its dtype).
"""
from __future__ import annotations

import math
import re
from typing import Callable

import numpy as np

from onnxjit.compiler.prims import Expr, Prim

Dialect = dict[Prim, str]

NUMBA: Dialect = {
    Prim.NEG: "(-{0})", Prim.ABS: "abs({0})", Prim.EXP: "np.exp({0})", Prim.LOG: "np.log({0})",
    Prim.SQRT: "np.sqrt({0})", Prim.RECIP: "({one} / {0})", Prim.ERF: "math.erf({0})", Prim.TANH: "np.tanh({0})",
    Prim.SIN: "np.sin({0})", Prim.COS: "np.cos({0})", Prim.TAN: "np.tan({0})", Prim.ASIN: "np.arcsin({0})",
    Prim.ACOS: "np.arccos({0})", Prim.ATAN: "np.arctan({0})", Prim.SINH: "np.sinh({0})", Prim.COSH: "np.cosh({0})",
    Prim.ASINH: "np.arcsinh({0})", Prim.ACOSH: "np.arccosh({0})", Prim.ATANH: "np.arctanh({0})",
    Prim.FLOOR: "np.floor({0})", Prim.CEIL: "np.ceil({0})", Prim.ROUND: "np.rint({0})", Prim.SIGN: "np.sign({0})",
    Prim.NOT: "(not {0})", Prim.ISNAN: "np.isnan({0})", Prim.ISINF_POS: "({0} == np.inf)",
    Prim.ISINF_NEG: "({0} == -np.inf)",
    Prim.ADD: "({0} + {1})", Prim.SUB: "({0} - {1})", Prim.MUL: "({0} * {1})", Prim.DIV: "({0} / {1})",
    Prim.POW: "_pow({0}, {1})",
    Prim.MAX: "_max({0}, {1})", Prim.MIN: "_min({0}, {1})", Prim.FMOD: "_fmod({0}, {1})", Prim.IMOD: "_imod({0}, {1})",
    Prim.LT: "({0} < {1})", Prim.LE: "({0} <= {1})", Prim.GT: "({0} > {1})", Prim.GE: "({0} >= {1})",
    Prim.EQ: "({0} == {1})", Prim.AND: "({0} and {1})", Prim.OR: "({0} or {1})", Prim.XOR: "({0} != {1})",
    Prim.BITAND: "({0} & {1})", Prim.BITOR: "({0} | {1})", Prim.BITXOR: "({0} ^ {1})", Prim.BITNOT: "(~{0})",
    Prim.SHL: "({0} << {1})", Prim.SHR: "({0} >> {1})",
    Prim.WHERE: "({1} if {0} else {2})",
}

# Integer overrides of the dialect. Python's // and % floor; ONNX Div truncates and Mod(fmod=1)
# keeps the dividend's sign. Unsigned types use bare operators: a helper's int literals mixed with
# uint64 would make Numba compute in float64.
# Shifts by a count outside [0, bits) give 0 (-1 for a negative value shifted right), as numpy's do.
NUMBA_SIGNED: Dialect = {Prim.DIV: "_idiv({0}, {1})", Prim.FMOD: "_ifmod({0}, {1})", Prim.IMOD: "({0} % {1})",
                         Prim.POW: "_ipow({0}, {1})", Prim.SHL: "_shl({0}, {1}, {bits})",
                         Prim.SHR: "_sshr({0}, {1}, {bits})"}
NUMBA_UNSIGNED: Dialect = {Prim.DIV: "({0} // {1})", Prim.FMOD: "({0} % {1})", Prim.IMOD: "({0} % {1})",
                           Prim.POW: "({0} ** {1})", Prim.SHL: "_shl({0}, {1}, {bits})",
                           Prim.SHR: "_ushr({0}, {1}, {bits})"}

# float32 overrides: math.erf is a scalar libm call that keeps a fused loop from vectorising (a
# GELU epilogue ran ~10x slower than its matmul's other epilogues); _erf32 is Eigen's rational
# approximation, a few ulp from it.
NUMBA_FLOAT32: Dialect = {Prim.ERF: "_erf32({0})"}

# float -> uint32/uint64 as numpy converts on x86: negative values go through a signed integer and
# wrap (-2.7 -> 2**32 - 2) where LLVM's fptoui would saturate them to the largest value.
NUMBA_FLOAT_TO_UNSIGNED: dict[np.dtype, str] = {np.dtype(np.uint32): "_f2u32({0})",
                                                np.dtype(np.uint64): "_f2u64({0})"}

# Integer results Numba computes in a wider type (int8 + int8 is an int64): wrapped back into the
# value's dtype so that a fused expression overflows exactly where numpy's would.
WIDENING = {Prim.ADD, Prim.SUB, Prim.MUL, Prim.NEG, Prim.ABS, Prim.DIV, Prim.IMOD, Prim.FMOD, Prim.POW,
            Prim.SHL, Prim.SHR, Prim.BITNOT, Prim.BITAND, Prim.BITOR, Prim.BITXOR, Prim.SIGN}

# How every generated function is compiled. error_model="numpy": float x/0 gives inf/nan and integer
# x/0 gives 0, as numpy (the reference) does, instead of raising ZeroDivisionError.
NUMBA_JIT = '@nb.njit(cache=True, error_model="numpy")'

# Helpers the Numba dialect's format strings call; a generated module starts with those it calls
# (numba_prelude).
NUMBA_PRELUDE = '''
@nb.njit(inline="always", cache=True, error_model="numpy")
def _erf32(a):
    """float32 erf as Eigen computes it: odd/even polynomials on [-4, 4] (erf is +-1 beyond in
    float32); only multiplies, adds and one division, so loops calling it vectorise. NaN stays NaN."""
    x = np.float32(4.0) if a > 4 else (np.float32(-4.0) if a < -4 else a)
    x2 = x * x
    p = x2 * np.float32(-2.72614225801306e-10) + np.float32(2.77068142495902e-08)
    p = x2 * p + np.float32(-2.10102402082508e-06)
    p = x2 * p + np.float32(-5.69250639462346e-05)
    p = x2 * p + np.float32(-7.34990630326855e-04)
    p = x2 * p + np.float32(-2.95459980854025e-03)
    p = x2 * p + np.float32(-1.60960333262415e-02)
    q = x2 * np.float32(-1.45660718464996e-05) + np.float32(-2.13374055278905e-04)
    q = x2 * q + np.float32(-1.68282697438203e-03)
    q = x2 * q + np.float32(-7.37332916720468e-03)
    q = x2 * q + np.float32(-1.42647390514189e-02)
    return x * p / q


@nb.njit(inline="always", cache=True, error_model="numpy")
def _max(a, b):
    return a if (a > b or a != a) else b


@nb.njit(inline="always", cache=True, error_model="numpy")
def _min(a, b):
    return a if (a < b or a != a) else b


@nb.njit(inline="always", cache=True, error_model="numpy")
def _fmod(a, b):
    return np.fmod(a, b)


@nb.njit(inline="always", cache=True, error_model="numpy")
def _imod(a, b):
    return a % b


@nb.njit(inline="always", cache=True, error_model="numpy")
def _pow(a, b):
    return a ** b


@nb.njit(inline="always", cache=True, error_model="numpy")
def _idiv(a, b):
    """Signed integer a / b truncated toward zero (C, ONNX); x / 0 is 0 and MIN / -1 wraps, as in numpy."""
    if b == -1:
        return -a
    q = a // b
    if q < 0 and q * b != a:
        q += 1
    return q


@nb.njit(inline="always", cache=True, error_model="numpy")
def _ifmod(a, b):
    """Signed integer remainder with the dividend's sign (C fmod); x fmod 0 is 0, as in numpy."""
    r = a % b
    if r != 0 and (r < 0) != (a < 0):
        r -= b
    return r


@nb.njit(inline="always", cache=True, error_model="numpy")
def _shl(a, b, bits):
    return a << b if (b >= 0 and b < bits) else a - a


@nb.njit(inline="always", cache=True, error_model="numpy")
def _ushr(a, b, bits):
    return a >> b if b < bits else a - a


@nb.njit(inline="always", cache=True, error_model="numpy")
def _sshr(a, b, bits):
    if b >= 0 and b < bits:
        return a >> b
    return a - a - 1 if a < 0 else a - a


@nb.njit(inline="always", cache=True, error_model="numpy")
def _f2u32(x):
    """float -> uint32 as numpy: x >= 0 through int64, negative (and NaN) through int32."""
    return np.uint32(np.int64(x)) if x >= 0 else np.uint32(np.int32(x))


@nb.njit(inline="always", cache=True, error_model="numpy")
def _f2u64(x):
    """float -> uint64 as numpy: [2**63, 2**64) directly, 2**64 and up 0, below through int64."""
    if x >= 18446744073709551616.0:
        return np.uint64(0)
    if x >= 9223372036854775808.0:
        return np.uint64(x)
    return np.uint64(np.int64(x))


@nb.njit(inline="always", cache=True, error_model="numpy")
def _ipow(a, b):
    """Integer power; a negative exponent is computed in double and truncated, as the reference does."""
    if b < 0:
        return np.int64(np.float64(a) ** np.float64(b))
    return a ** b
'''

# each helper of the prelude, by name
_PRELUDE_BLOCKS = {re.search(r"def (\w+)\(", b).group(1): "@nb.njit" + b.strip("\n")
                   for b in NUMBA_PRELUDE.split("\n@nb.njit")[1:]}


def numba_prelude(src: str) -> str:
    """The prelude's helpers that `src` calls: each is a dispatcher a module's import creates and a
    compile may type, so a module carries only its own."""
    return "".join(f"\n\n{block}\n" for name, block in _PRELUDE_BLOCKS.items()
                   if re.search(rf"(?<![\w.]){name}\(", src))


# Triton: `tl` builtins where the interpreter and the GPU both have them; the `_name(...)` helpers
# are @triton.jit functions of the Triton prelude (triton_prelude.PRELUDE), written with
# those builtins only, so that TRITON_INTERPRET=1 runs the same source a GPU compiles. MAX/MIN
# propagate NaN as numpy does; shifts by a count outside [0, bits) give 0 (or -1), as numpy's do.
TRITON: Dialect = {
    Prim.NEG: "(-{0})", Prim.ABS: "tl.abs({0})", Prim.EXP: "tl.exp({0})", Prim.LOG: "tl.log({0})",
    Prim.SQRT: "tl.sqrt_rn({0})", Prim.RECIP: "({one} / {0})", Prim.ERF: "tl.math.erf({0})", Prim.TANH: "_tanh({0})",
    Prim.SIN: "tl.sin({0})", Prim.COS: "tl.cos({0})", Prim.TAN: "(tl.sin({0}) / tl.cos({0}))",
    Prim.ASIN: "_asin({0})", Prim.ACOS: "_acos({0})", Prim.ATAN: "_atan({0})", Prim.SINH: "_sinh({0})",
    Prim.COSH: "_cosh({0})", Prim.ASINH: "_asinh({0})", Prim.ACOSH: "_acosh({0})", Prim.ATANH: "_atanh({0})",
    Prim.FLOOR: "tl.floor({0})", Prim.CEIL: "tl.ceil({0})", Prim.ROUND: "_rint({0})",
    Prim.SIGN: "tl.where({0} > 0, {one}, tl.where({0} < 0, -{one}, {0} - {0}))",
    Prim.NOT: "({0} == 0)", Prim.ISNAN: "({0} != {0})", Prim.ISINF_POS: "({0} == _INF)",
    Prim.ISINF_NEG: "({0} == _NINF)",
    Prim.ADD: "({0} + {1})", Prim.SUB: "({0} - {1})", Prim.MUL: "({0} * {1})", Prim.DIV: "({0} / {1})",
    Prim.POW: "_pow({0}, {1})",
    Prim.MAX: "tl.where(({0} > {1}) | ({0} != {0}), {0}, {1})",
    Prim.MIN: "tl.where(({0} < {1}) | ({0} != {0}), {0}, {1})",
    Prim.FMOD: "({0} % {1})", Prim.IMOD: "_fmod_py({0}, {1})",
    Prim.LT: "({0} < {1})", Prim.LE: "({0} <= {1})", Prim.GT: "({0} > {1})", Prim.GE: "({0} >= {1})",
    Prim.EQ: "({0} == {1})", Prim.AND: "({0} & {1})", Prim.OR: "({0} | {1})", Prim.XOR: "({0} ^ {1})",
    Prim.BITAND: "({0} & {1})", Prim.BITOR: "({0} | {1})", Prim.BITXOR: "({0} ^ {1})", Prim.BITNOT: "(~{0})",
    Prim.SHL: "tl.where(({1} >= 0) & ({1} < {bits}), {0} << {1}, {0} - {0})",
    Prim.SHR: "tl.where(({1} >= 0) & ({1} < {bits}), {0} >> {1}, {0} - {0})",
    Prim.WHERE: "tl.where({0}, {1}, {2})",
}
# Triton's integer // and % truncate (C); x / 0 and x % 0 give 0 and MIN / -1 wraps, as in numpy.
TRITON_SIGNED: Dialect = {Prim.DIV: "_idiv({0}, {1})", Prim.FMOD: "_irem({0}, {1})", Prim.IMOD: "_imod({0}, {1})",
                          Prim.POW: "_ipow({0}, {1})",
                          Prim.SHR: "tl.where(({1} >= 0) & ({1} < {bits}), {0} >> {1}, "
                                    "tl.where({0} < 0, {0} - {0} - 1, {0} - {0}))"}
TRITON_UNSIGNED: Dialect = {Prim.DIV: "_udiv({0}, {1})", Prim.FMOD: "_urem({0}, {1})", Prim.IMOD: "_urem({0}, {1})",
                            Prim.POW: "_ipow({0}, {1})"}

TRITON_TYPES = {"float32": "tl.float32", "float64": "tl.float64", "float16": "tl.float16", "int8": "tl.int8",
                "int16": "tl.int16", "int32": "tl.int32", "int64": "tl.int64", "uint8": "tl.uint8",
                "uint16": "tl.uint16", "uint32": "tl.uint32", "uint64": "tl.uint64", "bool": "tl.int1"}


def triton_type_name(dtype: np.dtype) -> str:
    return TRITON_TYPES[np.dtype(dtype).name]


def float_text(value: float, target: str = "numba") -> str:
    """A float as source text that parses back to exactly `value`, for `target` ('numba' or
    'triton'): every float a code generator prints goes through here. repr round-trips finite
    values (a float32 attribute, widened to a Python float, keeps its float32 value); repr of the
    non-finite ones is 'inf'/'nan', a NameError in generated code, so they are spelled with names
    the generated modules define: np.inf/np.nan for Numba, the Triton prelude's _INF/_NINF
    constexprs and math.nan (a NaN constexpr global would fail Triton's launch-time equality check)."""
    v = float(value)
    if math.isfinite(v):
        return repr(v)
    if target == "triton":
        return "math.nan" if math.isnan(v) else "_INF" if v > 0 else "_NINF"
    return "np.nan" if math.isnan(v) else "np.inf" if v > 0 else "(-np.inf)"


def triton_literal(value, dtype: np.dtype) -> str:
    """A typed scalar (`tl.full([], v, dtype)`): strongly typed like Numba's `np.float32(v)`, exact for
    float64, and usable where a Python number is not (`.to(...)`)."""
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        text = "1" if value else "0"
    elif dtype.kind == "f":
        text = float_text(value, "triton")
    else:
        text = str(int(value))
    return f"tl.full([], {text}, {triton_type_name(dtype)})"


def numpy_type_name(dtype: np.dtype) -> str:
    return "np.bool_" if dtype == np.bool_ else f"np.{np.dtype(dtype).name}"


def literal(value, dtype: np.dtype) -> str:
    """A typed Numba scalar: `np.float32(0.5)`, `np.int64(3)`, `True`."""
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return "True" if value else "False"
    if dtype.kind == "f":
        return f"{numpy_type_name(dtype)}({float_text(value)})"
    return f"{numpy_type_name(dtype)}({int(value)})"


def print_exprs(roots: list[Expr], leaf: Callable[[int], str], dialect: Dialect = NUMBA,
                cast: Callable[[str, np.dtype], str] | None = None, prefix: str = "t",
                signed: Dialect | None = None, unsigned: Dialect | None = None,
                wrap_integers: bool | None = None, lit: Callable[[object, np.dtype], str] | None = None,
                type_name: Callable[[np.dtype], str] | None = None) -> tuple[list[str], list[str]]:
    """(lines assigning temporaries, the name holding each root). Shared subtrees are computed once.

    `signed` / `unsigned` override `dialect` for integer-typed primitives (default: Numba's when the
    dialect is NUMBA); `wrap_integers` converts integer arithmetic back to its dtype (WIDENING);
    `lit` prints a constant and `type_name` a dtype (default: numpy spellings)."""
    numba = dialect is NUMBA
    signed = signed if signed is not None else (NUMBA_SIGNED if numba else {})
    unsigned = unsigned if unsigned is not None else (NUMBA_UNSIGNED if numba else {})
    wrap_integers = numba if wrap_integers is None else wrap_integers
    memo: dict[Expr, str] = {}
    lines: list[str] = []
    cast = cast or (lambda src, dt: f"{numpy_type_name(dt)}({src})")
    lit = lit or literal
    type_name = type_name or numpy_type_name

    def emit(e: Expr) -> None:
        """Print `e`, whose operands are printed already."""
        if e.prim is Prim.INPUT:
            text = leaf(e.value)
        elif e.prim is Prim.CONST:
            text = lit(e.value, e.dtype)
        elif e.prim is Prim.CAST:
            src = memo[e.args[0]]
            if e.dtype == np.bool_:
                text = f"({src} != 0)"
            elif numba and e.args[0].dtype.kind == "f" and e.dtype in NUMBA_FLOAT_TO_UNSIGNED:
                text = NUMBA_FLOAT_TO_UNSIGNED[e.dtype].format(src)
            else:
                text = cast(src, e.dtype)
        else:
            args = [memo[x] for x in e.args]
            one = lit(1, e.dtype)
            kind = e.dtype.kind
            table = signed if kind == "i" else unsigned if kind == "u" else \
                NUMBA_FLOAT32 if numba and e.dtype == np.float32 else {}
            text = table.get(e.prim, dialect[e.prim]).format(*args, one=one, bits=8 * e.dtype.itemsize,
                                                             ty=type_name(e.dtype))
            if wrap_integers and kind in "iu" and e.prim in WIDENING and e.dtype != np.int64:
                text = cast(text, e.dtype)
        name = f"{prefix}{len(memo)}"
        lines.append(f"{name} = {text}")
        memo[e] = name

    def visit(root: Expr) -> str:
        """Operands before the node that uses them, in the order a recursive walk would print them,
        with an explicit stack: a fused chain can be thousands deep."""
        stack: list[tuple[Expr, bool]] = [(root, False)]
        while stack:
            e, ready = stack.pop()
            if e in memo:
                continue
            if ready:
                emit(e)
                continue
            stack.append((e, True))
            stack.extend((a, False) for a in reversed(e.args))
        return memo[root]

    return lines, [visit(r) for r in roots]
