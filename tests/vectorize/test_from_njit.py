"""Ufuncs built by @vectorize called from @njit code, on scalars and arrays."""
from __future__ import annotations

import math

import numpy as np
import pytest

import jitcore
from jitcore import njit, vectorize
from jitcore.frontend.errors import TypingError

from .reference import assert_same, sample


@vectorize(["float32(float32, float32)", "float64(float64, float64)", "int64(int64, int64)"])
def rel(a, b):
    return (a - b) / (abs(a) + abs(b) + 1)


@vectorize
def dyn(a, b):
    return a * b - 1


@vectorize(["float64(float64)"])
def checked(x):
    if x < 0:
        raise ValueError("negative input")
    return math.sqrt(x)


@njit
def call2(f_x, f_y):
    return rel(f_x, f_y)


@njit
def fused(x, y):
    return rel(x, y) * 2.0 + dyn(x, y)


@njit
def scalars(x, y):
    return rel(x, y) + dyn(3, 4) + dyn(x, 2) + checked(x)


@njit
def roots(x):
    return checked(x)


def test_scalar_calls():
    for x, y in ((1.5, -2.0), (0.0, 0.0), (3, 4), (np.float32(1.5), np.float32(2.5))):
        assert call2(x, y) == rel(x, y)
    assert scalars(2.25, 0.5) == pytest.approx(rel(2.25, 0.5) + dyn(3, 4) + dyn(2.25, 2)
                                               + checked(2.25), rel=1e-15)


def test_array_calls_match_the_ufunc(no_leaks):
    for dtype in ("float32", "int8"):
        a, b = sample(dtype, (4, 5), 1), sample(dtype, (5,), 2)
        for x in (a, a[::-1, ::2]):  # C, and a strided view (typed layout A)
            y = b if x.shape[1] == 5 else b[:x.shape[1]]
            assert_same(call2(x, y), rel(x, y), rtol=1e-6)
            assert_same(call2(x, 2), rel(x, 2), rtol=1e-6)  # the loop NumPy picks: weak 2
            assert_same(fused(x, y), rel(x, y) * 2.0 + dyn(x, y), rtol=1e-6)
        assert_same(call2(a[:0], b), rel(a[:0], b))


def test_kernel_exception_from_compiled_caller():
    assert roots(4.0) == 2.0
    with pytest.raises(ValueError, match="negative input"):
        roots(-1.0)
    assert_same(roots(np.array([4.0, 9.0])), np.array([2.0, 3.0]))
    with pytest.raises(ValueError, match="negative input"):
        roots(np.array([4.0, -9.0]))


def test_unsupported_uses_are_typing_errors():
    @njit
    def with_out(x, out):
        return rel(x, x, out=out)

    with pytest.raises(TypingError, match="ufunc 'rel' takes no keyword arguments \\(out\\) "
                                          "in compiled code"):
        with_out(np.ones(3), np.ones(3))

    @njit
    def complex_input(z):
        return rel(z, z)

    with pytest.raises(TypingError, match="ufunc 'rel' has no loop for \\(complex128, "
                                          "complex128\\)"):
        complex_input(1j)


def test_dynamic_ufunc_called_from_compiled_code_compiles_no_loop():
    @vectorize
    def affine(a, b):
        return 3 * a + b

    @njit
    def use(x):
        return affine(x, 1)

    assert_same(use(np.arange(4)), np.arange(4) * 3 + 1)
    assert use(2.5) == 8.5
    assert affine.types == []  # the kernel is called directly; the ufunc's loops stay lazy
    assert jitcore.memory_stats()[0] >= 0


@njit
def outer_sum(x, y):
    return rel(x[:, np.newaxis, :], y) + dyn(x[:, np.newaxis, :], y)


def test_array_calls_broadcast_across_dimensions(no_leaks):
    x, y = sample("float64", (4, 5), 3), sample("float64", (3, 5), 4)[::-1]
    for xv, yv in ((x, y), (np.asfortranarray(x), y.astype(np.float32)), (x[:0], y)):
        expected = rel(xv[:, None, :], yv) + dyn(xv[:, None, :], yv)
        assert_same(outer_sum(xv, yv), expected, rtol=1e-6)
    with pytest.raises(ValueError, match="operands could not be broadcast together"):
        call2(np.ones((3, 4)), np.ones((2, 4)))
