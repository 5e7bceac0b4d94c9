"""Reductions and scans against NumPy: methods and functions, every dtype, layouts, axes.

    a.sum(), np.mean(a, axis=0), a.argmax(axis=-1), np.cumsum(a, axis=1) ...
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest

from jitcore import njit

from .npcheck import DTYPES, assert_np_same, layouts, result_type, tol, values

KINDS = ["sum", "prod", "mean", "var", "std", "min", "max", "argmin", "argmax", "all", "any",
         "cumsum", "cumprod"]
NO_COMPLEX = {"min", "max", "argmin", "argmax"}


def _method(kind: str, axis: object) -> object:
    if axis is None:
        return njit(eval(f"lambda a: a.{kind}()"))
    return njit(eval(f"lambda a: a.{kind}(axis={axis})"))


def _expected(kind: str, a: np.ndarray, axis: object) -> object:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return getattr(a, kind)() if axis is None else getattr(a, kind)(axis=axis)


def _check(f: object, kind: str, a: np.ndarray, axis: object) -> None:
    try:
        expected = _expected(kind, a, axis)
    except ValueError as exc:
        with pytest.raises(ValueError) as info:
            f(a)  # type: ignore[operator]
        assert str(info.value) == str(exc)
        return
    got = f(a)  # type: ignore[operator]
    ret = result_type(f, a)
    assert_np_same(got, expected, tol(a.dtype) * 10, ret if not isinstance(
        expected, np.ndarray) else None)


@pytest.mark.parametrize("kind", KINDS)
def test_whole_array_every_dtype(kind, no_leaks):
    f = _method(kind, None)
    for dtype in DTYPES:
        if kind in NO_COMPLEX and np.issubdtype(dtype, np.complexfloating):
            continue
        for a in layouts(values(dtype, (3, 4), seed=1)):
            _check(f, kind, a, None)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("axis", [0, 1])  # negative axes: test_axis_3d_and_1d (-2, -1)
def test_axis_2d(kind, axis, no_leaks):
    f = _method(kind, axis)
    for dtype in (np.bool_, np.int8, np.uint32, np.float32, np.float64):
        for a in layouts(values(dtype, (3, 4), seed=2)):
            _check(f, kind, a, axis)


@pytest.mark.parametrize("kind", KINDS)
def test_axis_3d_and_1d(kind, no_leaks):
    for axis in (0, 1, 2, -2):
        f = _method(kind, axis)
        for a in layouts(values(np.int64, (2, 3, 4), seed=3)):
            _check(f, kind, a, axis)
    for axis in (0, -1):
        _check(_method(kind, axis), kind, values(np.float64, (5,)), axis)


@pytest.mark.parametrize("kind", KINDS)
def test_empty_arrays(kind, no_leaks):
    for axis in (None, 0, 1):
        f = _method(kind, axis)
        for shape in ((0, 3), (3, 0), (0, 0)):
            _check(f, kind, np.zeros(shape), axis)
    _check(_method(kind, None), kind, np.zeros(0, np.int32), None)


def test_empty_messages():
    with pytest.raises(ValueError, match="zero-size array to reduction operation minimum"):
        njit(lambda a: a.min())(np.zeros(0))
    with pytest.raises(ValueError, match="attempt to get argmax of an empty sequence"):
        njit(lambda a: np.argmax(a))(np.zeros(0))
    assert njit(lambda a: a.sum())(np.zeros(0)) == 0.0
    assert njit(lambda a: np.prod(a))(np.zeros(0, np.int8)) == 1


def test_axis_out_of_bounds():
    with pytest.raises(np.exceptions.AxisError, match="axis 2 is out of bounds for array of "
                       "dimension 2"):
        njit(lambda a: a.sum(axis=2))(np.zeros((2, 2)))
    with pytest.raises(np.exceptions.AxisError, match="axis -3 is out of bounds"):
        njit(lambda a: np.max(a, axis=-3))(np.zeros((2, 2)))


@pytest.mark.parametrize("kind", ["min", "max", "argmin", "argmax", "sum", "mean"])
def test_nan_propagation(kind):
    f = _method(kind, None)
    for data in ([1.0, np.nan, 0.0], [np.nan, 2.0], [3.0, 1.0, np.nan, np.nan], [np.inf, 1.0],
                 [-np.inf, np.inf], [-0.0, 0.0]):
        for dtype in (np.float32, np.float64):
            _check(f, kind, np.array(data, dtype), None)
    g = _method(kind, 1)
    _check(g, kind, np.array([[1.0, np.nan], [np.nan, 2.0], [0.5, -1.0]]), 1)


def test_integer_extremes():
    for dtype in (np.int64, np.uint64, np.int8, np.uint8):
        info = np.iinfo(dtype)
        a = np.array([info.max, info.min, info.max], dtype)
        for kind in ("min", "max", "argmin", "argmax", "sum"):
            _check(_method(kind, None), kind, a, None)


@pytest.mark.parametrize("name", ["sum", "prod", "mean", "var", "std", "min", "max", "argmin",
                                  "argmax", "all", "any", "cumsum", "cumprod", "amin", "amax"])
def test_numpy_functions(name, no_leaks):
    fn = getattr(np, name)
    f1 = njit(lambda a: fn(a))
    f2 = njit(lambda a: fn(a, 1))
    f3 = njit(lambda a: fn(a, axis=-2))
    a = values(np.float64, (3, 4), seed=4)
    for f, axis in ((f1, None), (f2, 1), (f3, -2)):
        expected = fn(a) if axis is None else fn(a, axis=axis)
        assert_np_same(f(a), expected)


def test_var_std_ddof():
    a = values(np.float64, (4, 5), seed=5)
    assert_np_same(njit(lambda a: a.var(ddof=1))(a), a.var(ddof=1))
    assert_np_same(njit(lambda a: np.std(a, 0, ddof=1))(a), np.std(a, 0, ddof=1))
    assert_np_same(njit(lambda a: a.std(axis=1, ddof=2))(a), a.std(axis=1, ddof=2))
    c = values(np.complex128, (6,), seed=6)
    assert_np_same(njit(lambda a: a.var())(c), c.var())


def test_zero_d_and_large():
    assert_np_same(njit(lambda a: a.sum())(np.array(2.5)), 2.5)
    big = np.random.default_rng(0).random(100_001)
    assert_np_same(njit(lambda a: a.sum())(big), big.sum(), 1e-12)
    assert_np_same(njit(lambda a: a.mean())(big.astype(np.float32)),
                   big.astype(np.float32).mean(), 1e-5)


def test_fastmath_sum_vectorises():
    f = njit(fastmath=True)(lambda a: a.sum())
    a = np.ones(1000)
    assert f(a) == 1000.0
    asm = f.inspect_asm(f.signatures[0])
    assert "vaddpd" in asm and ("ymm" in asm or "zmm" in asm)


def test_bound_method_object_no_leak(no_leaks):
    @njit
    def f(n):
        a = np.ones((n, 2))
        s = a.sum
        return s() + a.sum(axis=0)[1] + a.cumsum()[-1]

    assert f(3) == 6.0 + 3.0 + 6.0
