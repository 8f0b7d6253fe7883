"""Drivers call kernels at their addresses (numba_calls.call_kernel): results, exceptions raised in a
kernel, and the point of it all: a driver's compiled code holds none of its kernels' code."""
from __future__ import annotations

import numba
import numpy as np
import pytest
from numba import types

from onnxjit.compiler.codegen.numba_calls import call_kernel, native_address, view

F32 = types.Array(types.float32, 1, "C")
I64 = types.Array(types.int64, 1, "C")


@numba.njit
def scale(P, x, y):
    if P[0] < 0:
        raise ValueError("scale must not be negative")
    for i in range(x.shape[0]):
        y[i] = x[i] * P[0]


@numba.njit
def shift(P, x, y):
    for i in range(x.shape[0]):
        y[i] = x[i] + P[0]


@numba.njit
def driver(K, P, x, y):  # two kernels on halves of the buffers, the second reading the first's output
    call_kernel(K[0], P[0:1], x[0:4], y[0:4])
    call_kernel(K[1], P[1:2], y[0:4], y[4:8])


@pytest.fixture(scope="module")
def table() -> np.ndarray:
    sig = types.void(I64, F32, F32)
    scale.compile(sig)
    shift.compile(sig)
    return np.array([native_address(scale, sig), native_address(shift, sig)], dtype=np.int64)


def test_driver_calls_each_kernel_at_its_address(table) -> None:
    x = np.arange(8, dtype=np.float32)
    y = np.zeros(8, np.float32)
    driver(table, np.array([3, 10]), x, y)
    np.testing.assert_array_equal(y, np.concatenate([x[:4] * 3, x[:4] * 3 + 10]))
    # the table, not the source, picks the kernel: swapped entries swap the work
    y[:] = 0
    driver(table[::-1].copy(), np.array([3, 10]), x, y)
    np.testing.assert_array_equal(y[:4], x[:4] + 3)
    np.testing.assert_array_equal(y[4:], y[:4] * 10)


def test_kernel_exception_propagates_out_of_the_driver(table) -> None:
    y = np.zeros(8, np.float32)
    with pytest.raises(ValueError, match="scale must not be negative"):
        driver(table, np.array([-1, 0]), np.ones(8, np.float32), y)
    assert not y.any()  # the second kernel did not run


def test_driver_links_no_kernel_code(table) -> None:
    sig = (I64, I64, F32, F32)
    driver.compile(types.void(*sig))
    ir = driver.overloads[sig].library.get_llvm_str()
    for kernel in (scale, shift):
        name = next(iter(kernel.overloads.values())).fndesc.llvm_func_name
        assert f"@{name}(" not in ir and f"@\"{name}\"(" not in ir, f"{kernel.__name__} was linked in"
    assert "scale must not be negative" not in ir


@numba.njit
def fill_view(arena, start, n, value):
    v = view(arena, start, n)
    for i in range(v.shape[0]):
        v[i] = value
    return v.shape[0]


def test_view_is_a_window_of_its_arena_and_checks_its_bounds() -> None:
    arena = np.zeros(10, np.float32)
    for _ in range(1000):  # shares the arena's memory: a refcount slip would free it under us
        assert fill_view(arena, 3, 4, 2.0) == 4
    np.testing.assert_array_equal(arena, [0, 0, 0, 2, 2, 2, 2, 0, 0, 0])
    assert fill_view(arena, 10, 0, 1.0) == 0  # empty, at the end
    for start, n in ((8, 3), (-1, 2), (2, -1)):
        with pytest.raises(IndexError, match="outside its arena"):
            fill_view(arena, start, n, 1.0)
    np.testing.assert_array_equal(arena, [0, 0, 0, 2, 2, 2, 2, 0, 0, 0])
