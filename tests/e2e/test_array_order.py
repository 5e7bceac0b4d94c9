"""`order=` against NumPy: creation functions, *_like, copy/flatten/ravel/reshape/astype,
np.ascontiguousarray/asfortranarray. Values, shapes, strides and contiguity flags must all
match, and the compile-time layout must agree with what the array turns out to be."""
from __future__ import annotations

import numpy as np
import pytest

from jitcore import errors, njit
from jitcore.typeinfer import types as t

pytestmark = pytest.mark.usefixtures("no_leaks")  # native memory balances in every test

M = np.arange(24.0).reshape(4, 6)
ARRAYS = {
    "C": M, "F": np.asfortranarray(M), "T": M.T, "strided": M[::2, ::-1],
    "strided_T": M[::2].T, "F_part": np.asfortranarray(M)[:, 1:], "1d": np.arange(5.0),
    "0d": np.array(3.0), "3d_F": np.asfortranarray(np.arange(24).reshape(2, 3, 4)),
    "empty_F": np.asfortranarray(M[:0]),
}


def layout(arr):
    return {(1, 0): "C", (0, 1): "F"}.get((arr.flags.c_contiguous, arr.flags.f_contiguous), "")


def check_layout(pyfunc, *args, values=True):
    """Same shape, strides, flags, dtype (and values) as NumPy; the layout the compiler
    typed the result with holds for the array it returned."""
    expected = pyfunc(*args)
    f = njit(pyfunc)
    got = f(*args)
    assert (got.shape, got.dtype) == (expected.shape, expected.dtype), (got, expected)
    if expected.size:  # NumPy's strides of empty arrays follow no rule worth copying
        assert got.strides == expected.strides, (got.strides, expected.strides)
    assert got.flags.c_contiguous == expected.flags.c_contiguous
    assert got.flags.f_contiguous == expected.flags.f_contiguous
    if values:
        assert np.array_equal(got, expected)
    ret = next(iter(f.overloads.values())).signature.return_type
    assert isinstance(ret, t.Array)
    if ret.layout == "C":
        assert got.flags.c_contiguous
    elif ret.layout == "F":
        assert got.flags.f_contiguous


CREATE = [
    lambda n: np.zeros((n, 3), order="F"),
    lambda n: np.ones((n, 3), np.float32, "F"),
    lambda n: np.full((n, 2, 2), 7, np.int8, "F"),
    lambda n: np.full((n, 2), dtype=np.int16, fill_value=3, order="F"),
    lambda n: np.full((n, 2), order="C", fill_value=1.5),
    lambda n: np.zeros(n, order="F"),
    lambda n: np.empty((n, 4), order="F").shape,
]


@pytest.mark.parametrize("k", range(len(CREATE)))
@pytest.mark.parametrize("n", [0, 1, 5])
def test_creation(k, n):
    fn = CREATE[k]
    if isinstance(fn(n), tuple):
        assert njit(fn)(n) == fn(n)
        return
    check_layout(fn, n)


LIKE = [
    lambda a: np.zeros_like(a), lambda a: np.ones_like(a, order="C"),
    lambda a: np.full_like(a, 2, order="F"), lambda a: np.zeros_like(a, order="A"),
    lambda a: np.full_like(a, fill_value=1, dtype=np.int32, order="K"),
    lambda a: np.empty_like(a),
]


@pytest.mark.parametrize("k", range(len(LIKE)))
@pytest.mark.parametrize("name", ARRAYS)
def test_like(k, name):
    check_layout(LIKE[k], ARRAYS[name], values=k != len(LIKE) - 1)


METHODS = {
    "copy": lambda a: a.copy(), "copy_F": lambda a: a.copy(order="F"),
    "copy_A": lambda a: a.copy("A"), "copy_K": lambda a: a.copy(order="K"),
    "flatten_F": lambda a: a.flatten("F"), "flatten_A": lambda a: a.flatten(order="A"),
    "flatten_K": lambda a: a.flatten("K"),
    "ravel_F": lambda a: a.ravel("F"), "ravel_A": lambda a: a.ravel(order="A"),
    "ravel_K": lambda a: a.ravel("K"),
    "astype": lambda a: a.astype(np.float32), "astype_F": lambda a: a.astype(np.int16, "F"),
    "astype_C": lambda a: a.astype(np.float32, order="C"),
    "astype_A": lambda a: a.astype(np.complex64, order="A"),
    "reshape_F": lambda a: a.reshape(-1, order="F"),
    "reshape_F2": lambda a: a.reshape((2, -1), order="F"),
    "reshape_A": lambda a: a.reshape(1, -1, order="A"),
    "ascontiguous": lambda a: np.ascontiguousarray(a),
    "ascontiguous_dtype": lambda a: np.ascontiguousarray(a, dtype=np.float32),
    "asfortran": lambda a: np.asfortranarray(a),
    "asfortran_dtype": lambda a: np.asfortranarray(a, np.int64),
}


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", ARRAYS)
def test_methods(method, name):
    a = ARRAYS[name]
    if method == "reshape_F2" and a.size % 2:
        return
    if method.startswith("reshape") and not (a.flags.c_contiguous or a.flags.f_contiguous):
        # NumPy returns a strided view when the new shape allows one; we copy (a C or F
        # result type), so only the values can agree.
        assert np.array_equal(njit(METHODS[method])(a), METHODS[method](a))
        return
    check_layout(METHODS[method], a)


def test_views_and_copies_as_numpy():
    f = njit(lambda a: np.asfortranarray(a))
    a = ARRAYS["F"]
    assert f(a) is a  # already F: the same array, as NumPy returns it
    assert not np.shares_memory(f(M), M)
    g = njit(lambda a: a.ravel(order="F"))
    assert np.shares_memory(g(a), a)  # F order of an F array is a view
    assert not np.shares_memory(g(M), M)
    h = njit(lambda a: a.reshape((3, 8), order="F"))
    assert np.shares_memory(h(a), a)


def test_reshape_errors_name_the_shape_asked_for():
    def bad(a):
        return a.reshape((5, -1), order="F")

    with pytest.raises(ValueError) as info:
        bad(M)
    with pytest.raises(ValueError, match=str(info.value).replace("(", r"\(").replace(")", r"\)")):
        njit(bad)(M)


def test_bad_orders_are_typing_errors():
    with pytest.raises(errors.TypingError, match="order must be one of"):
        njit(lambda n: np.zeros(n, order="X"))(3)
    with pytest.raises(errors.TypingError, match="only 'C' or 'F'"):
        njit(lambda n: np.zeros(n, order="K"))(3)
    with pytest.raises(errors.TypingError, match="'K' is not permitted"):
        njit(lambda a: a.reshape(-1, order="K"))(M)
