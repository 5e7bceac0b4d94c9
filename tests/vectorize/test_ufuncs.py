"""@vectorize with signatures: genuine NumPy ufuncs, checked element by element against Python."""
from __future__ import annotations

import math

import numpy as np
import pytest

from jitcore import vectorize

from .reference import SHAPES, assert_same, elementwise, layouts, sample


@vectorize(["int32(int32, int32)", "int64(int64, int64)", "uint8(uint8, uint8)",
            "float32(float32, float32)", "float64(float64, float64)",
            "complex128(complex128, complex128)"])
def poly(a, b):
    """a*b + a - b"""
    return a * b + a - b


@vectorize(["float32(float32)", "float64(float64)"])
def ramp(x):
    if x < 0:
        return 0.0
    if x > 1:
        return 1.0
    return x * x


@vectorize(["boolean(boolean, boolean)", "boolean(int64, int64)", "boolean(float64, float64)"])
def differ(x, y):
    return x != y


@vectorize(["float64(float64, float64, float64)"])
def logistic(x, k, x0):
    return 1.0 / (1.0 + math.exp(-k * (x - x0)))


def test_is_a_real_ufunc():
    assert isinstance(poly, np.ufunc)
    assert (poly.nin, poly.nout, poly.nargs) == (2, 1, 3)
    assert poly.types == ["ii->i", "ll->l", "BB->B", "ff->f", "dd->d", "DD->D"]
    assert poly.__name__ == "poly"
    assert "a*b + a - b" in poly.__doc__
    assert poly.py_func(2, 3) == 5
    assert logistic.nin == 3


@pytest.mark.parametrize("dtype", ["int32", "int64", "uint8", "float32", "float64",
                                   "complex128"])
def test_poly_over_shapes_and_layouts(dtype):
    for k, (sa, sb) in enumerate(SHAPES):
        for a in layouts(sample(dtype, sa, k)):
            b = sample(dtype, sb, k + 100)
            expected = elementwise(poly, poly.py_func, a, b)
            assert_same(poly(a, b), expected, rtol=1e-6 if dtype == "float32" else 1e-13)


def test_mixed_dtypes_use_numpy_loop_selection():
    a = sample("int8", (4,), 1)
    b = sample("float32", (4,), 2)
    for x, y in ((a, b), (b, a), (a, a), (a.astype(np.uint16), a)):
        assert_same(poly(x, y), elementwise(poly, poly.py_func, x, y), rtol=1e-6)
    assert poly(a, a).dtype == np.int32  # int8 converts safely to the first loop: int32
    assert poly(a.astype(np.uint16), a).dtype == np.int32


def test_branches_bool_and_three_inputs():
    x = np.linspace(-0.5, 1.5, 41)
    for a in layouts(x):
        assert_same(ramp(a), elementwise(ramp, ramp.py_func, a))
        assert_same(ramp(a.astype(np.float32)),
                    elementwise(ramp, ramp.py_func, a.astype(np.float32)), rtol=1e-6)
    for dtype in ("bool", "int64", "float64"):
        p, q = sample(dtype, (3, 4), 5), sample(dtype, (4,), 6)
        assert_same(differ(p, q), elementwise(differ, differ.py_func, p, q))
    xs, ks, x0 = sample("float64", (3, 1, 1), 7), sample("float64", (1, 4, 1), 8), 0.5
    assert_same(logistic(xs, ks, np.float64(x0)),
                elementwise(logistic, logistic.py_func, xs, ks, np.float64(x0)))


def test_scalars_in_give_scalars_out():
    assert_same(poly(np.float64(2.5), np.float64(4.0)), np.float64(2.5 * 4 + 2.5 - 4))
    assert_same(poly(np.int32(3), np.int32(-2)), np.int32(-1))
    assert_same(poly(3, 4), np.int64(11))  # Python ints: NumPy picks the int64 loop
    assert_same(ramp(0.5), np.float64(0.25))
    assert_same(differ(True, False), np.True_)


def test_edge_values():
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e308, -1e-308])
    with np.errstate(all="ignore"):
        assert_same(poly(x, x[::-1]), elementwise(poly, poly.py_func, x, x[::-1]))
    info = np.iinfo(np.int64)
    big = np.array([info.min, info.max, -1, 0])
    with np.errstate(all="ignore"):
        expected = elementwise(poly, poly.py_func, big, big[::-1])
    assert_same(poly(big, big[::-1]), expected)  # int64 arithmetic wraps as NumPy's


def test_out_where_dtype_and_casting():
    a, b = np.arange(6.0).reshape(2, 3), np.array([1.0, 2.0, 3.0])
    out = np.full((2, 3), -7.0)
    assert poly(a, b, out=out) is out
    assert_same(out, poly(a, b))
    mask = np.array([True, False, True])
    out = np.full((2, 3), -7.0)
    poly(a, b, out=out, where=mask)
    assert_same(out, np.where(mask, poly(a, b), -7.0))
    ints = np.arange(4)
    assert_same(poly(ints, ints, dtype=np.float64), poly(ints.astype(float), ints.astype(float)))
    assert_same(poly(ints, ints, dtype=np.float32).dtype, np.dtype(np.float32))
    with pytest.raises(TypeError, match="Cannot cast ufunc 'poly' output"):
        poly(a, b, out=np.empty((2, 3), np.int64))
    with pytest.raises(TypeError, match="poly"):
        poly(ints, ints, casting="no", dtype=np.float64)
    out = np.empty((2, 3), np.float32)  # same_kind: float64 results into float32 are fine
    poly(a, b, out=out)
    assert_same(out, poly(a, b).astype(np.float32))


def test_no_loop_for_dtype_names_the_ufunc():
    with pytest.raises(TypeError, match="ufunc 'ramp'"):
        ramp(np.array([1 + 2j]))
    with pytest.raises(TypeError, match="ufunc 'poly'"):
        poly(np.array(["a"]), np.array(["b"]))


def test_kernel_exception_reaches_python():
    @vectorize(["float64(float64)"])
    def checked(x):
        if x < 0:
            raise ValueError("negative input")
        return math.sqrt(x)

    assert_same(checked(np.array([4.0, 9.0])), np.array([2.0, 3.0]))
    with pytest.raises(ValueError, match="negative input"):
        checked(np.array([1.0, -1.0, 4.0]))
    with pytest.raises(ValueError, match="negative input"):
        checked(np.array([[1.0, 2.0], [3.0, -4.0]])[:, ::-1])


def test_error_model_numpy_by_default_python_on_request():
    @vectorize(["float64(float64, float64)", "int64(int64, int64)"])
    def div(a, b):
        return a / b

    @vectorize(["float64(float64, float64)"], error_model="python")
    def strict_div(a, b):
        return a / b

    with np.errstate(divide="ignore", invalid="ignore"):
        assert_same(div(np.array([1.0, 0.0]), np.array([0.0, 0.0])), np.array([np.inf, np.nan]))
    with pytest.raises(ZeroDivisionError):
        strict_div(np.array([1.0, 2.0]), np.array([1.0, 0.0]))


def test_options_reach_the_kernel():
    @vectorize(["float64(float64, float64)"], fastmath=True, cache=True, nogil=True)
    def fma(a, b):
        return a * b + a

    options = fma._jitcore_ufunc.kernel.dispatcher.targetoptions
    assert options["fastmath"] is True and options["cache"] is True
    assert_same(fma(np.array([2.0]), np.array([3.0])), np.array([8.0]))
