"""NumPy functions against NumPy: creation, joining, sorting and searching, histogram,
round, isclose and allclose, over dtypes and layouts, with leak checks.
"""
from __future__ import annotations

import numpy as np
import pytest

from jitcore import njit

from .npcheck import REAL, assert_np_same, layouts, values


def check(pyfunc, *args, rtol=1e-12):
    """Compiled and NumPy results equal (values, dtypes, shapes), or the same error."""
    compiled = njit(pyfunc)
    try:
        expected = pyfunc(*args)
    except Exception as exc:  # noqa: BLE001 - the compiled call must raise the same
        with pytest.raises(type(exc)) as info:
            compiled(*args)
        assert str(info.value) == str(exc)
        return
    got = compiled(*args)
    if isinstance(expected, tuple):
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            assert_np_same(g, e, rtol)
    else:
        assert_np_same(got, expected, rtol)


# --- creation ---------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [(5,), (0,), (-3,), (2, 9), (9, 2), (1, 10, 3), (10, 1, -3),
                                  (1.0, 2.0, 0.3), (0.5, 4), (-1.5,), (3, 3), (0, 5, 0),
                                  (0.0, 5.0, 0.0)])
def test_arange(args, no_leaks):
    fn = {1: lambda a: np.arange(a), 2: lambda a, b: np.arange(a, b),
          3: lambda a, b, c: np.arange(a, b, c)}[len(args)]
    check(fn, *args)


def test_arange_dtype(no_leaks):
    check(lambda n: np.arange(n, dtype=np.float32), 5)
    check(lambda n: np.arange(1, n, 2, np.int8), 9)
    check(lambda: np.arange(0.5, 3.0, dtype=np.int32))


@pytest.mark.parametrize("args", [(0.0, 1.0, 5), (2, 3, 1), (2, 3, 0), (1, 0, 7), (0, 1, -1),
                                  (-5.0, 5.0, 11)])
def test_linspace(args, no_leaks):
    check(lambda a, b, n: np.linspace(a, b, n), *args)
    check(lambda a, b, n: np.linspace(a, b, n, endpoint=False), *args)
    check(lambda a, b, n: np.linspace(a, b, num=n, endpoint=True), *args)
    check(lambda: np.linspace(0, 1))


def test_eye_identity(no_leaks):
    for n in (0, 1, 3):
        check(lambda n: np.eye(n), n)
        check(lambda n: np.identity(n), n)
        check(lambda n: np.identity(n, np.int16), n)
    for k in (-4, -1, 0, 2, 5):
        check(lambda k: np.eye(3, 4, k), k)
        check(lambda k: np.eye(4, M=2, k=k, dtype=np.bool_), k)
    check(lambda: np.eye(3, dtype=np.complex128))
    check(lambda n: np.eye(n), -1)


def test_array_of_tuples(no_leaks):
    check(lambda: np.array((1.0, 2.0)))
    check(lambda x: np.array((x, 2, 3)), 7)
    check(lambda: np.array(((1, 2), (3, 4))))
    check(lambda: np.array(((1, 2), (3, 4.5))))
    check(lambda: np.array((True, 2)))
    check(lambda: np.array((True, False)))
    check(lambda: np.array(((1, 2), (3, 4)), dtype=np.float32))
    check(lambda: np.array((((1, 2),), ((3, 4),))))
    check(lambda x: np.array((x, 1j)), 2.0)


def test_copy_and_array_of_array(no_leaks):
    for dtype in (np.bool_, np.int8, np.float32, np.complex128):
        for a in layouts(values(dtype, (3, 4))):
            got = njit(lambda a: np.copy(a))(a)
            assert_np_same(got, np.copy(a))
            assert got.flags.f_contiguous == np.copy(a).flags.f_contiguous
            assert_np_same(njit(lambda a: np.array(a))(a), np.array(a))
    check(lambda a: np.copy(a), np.zeros((0, 3)))


# --- joining ----------------------------------------------------------------------------------

def test_concatenate(no_leaks):
    a = values(np.float64, (2, 3), 1)
    b = values(np.int32, (1, 3), 2)
    c = values(np.float64, (2, 2), 3)
    for x in layouts(a):
        check(lambda x, y: np.concatenate((x, y)), x, b)
        check(lambda x, y: np.concatenate((x, y), axis=1), x, c)
        check(lambda x, y: np.concatenate((x, y, x), -1), x, c)
    check(lambda x, y: np.concatenate((x, y), 1), a, b)
    check(lambda x, y: np.concatenate((x, y), 2), a, b)
    check(lambda x, y: np.concatenate((x, y)), np.arange(3), np.arange(0))
    check(lambda x: np.concatenate((x,)), np.arange(3)[::-1])


def test_stack(no_leaks):
    a = values(np.float64, (2, 3), 1)
    b = values(np.int64, (2, 3), 2)
    for axis in (0, 1, 2, -1, -3):
        for x in layouts(a):
            check(lambda x, y, k: np.stack((x, y), axis=k), x, b, axis)
    check(lambda x, y: np.stack((x, y, x)), np.arange(4), np.arange(4.0))
    check(lambda x, y: np.stack((x, y)), np.arange(4), np.arange(3))
    check(lambda x, y: np.stack((x, y), 3), a, b)


# --- sorting and searching ----------------------------------------------------------------------

def _sample(dtype, n, seed=0):
    rng = np.random.default_rng(seed)
    if dtype is np.bool_:
        return rng.integers(0, 2, n).astype(bool)
    if np.issubdtype(dtype, np.unsignedinteger):
        return rng.integers(0, 50, n).astype(dtype)
    out = rng.integers(-25, 25, n).astype(dtype)
    if np.issubdtype(dtype, np.floating) and n > 3:
        out[1] = np.nan
        out[n // 2] = np.inf
        out[-1] = -np.inf
        out[2] = -0.0
    return out


@pytest.mark.parametrize("dtype", REAL)
def test_sort_argsort_unique(dtype, no_leaks):
    sort = njit(lambda a: np.sort(a))
    argsort = njit(lambda a: np.argsort(a))
    argsort_m = njit(lambda a: a.argsort())
    unique = njit(lambda a: np.unique(a))

    @njit
    def sort_in_place(a):
        a.sort()

    for n in (0, 1, 2, 15, 17, 100, 1000):
        base = _sample(dtype, n, n)
        for a in layouts(base):
            assert_np_same(sort(a), np.sort(a))
            for idx in (argsort(a), argsort_m(a)):
                # ties may come in any order: the indexed values must be sorted
                assert idx.dtype == np.int64 and sorted(idx.tolist()) == list(range(n))
                assert_np_same(a[idx], np.sort(a))
            assert_np_same(unique(a), np.unique(a))
        b = base.copy()
        sort_in_place(b)
        assert_np_same(b, np.sort(base))
        view = base.copy()
        sort_in_place(view[::-1])
        assert_np_same(view, np.sort(base)[::-1])


def test_sort_many_duplicates_and_sorted_inputs(no_leaks):
    sort = njit(lambda a: np.sort(a))
    for a in (np.zeros(5000), np.arange(5000), np.arange(5000)[::-1].copy(),
              np.tile(np.arange(7), 700), np.random.default_rng(1).random(20000)):
        assert_np_same(sort(a), np.sort(a))
    check(lambda a: np.unique(a), values(np.int8, (4, 5)))


@pytest.mark.parametrize("side", ["left", "right"])
def test_searchsorted(side, no_leaks):
    a = np.sort(_sample(np.float64, 50, 3))
    f = njit(lambda a, v: np.searchsorted(a, v, side=side))
    for v in (-100.0, -25.0, 0.0, 3.0, 24.0, 100.0, np.inf, -np.inf, np.nan):
        assert f(a, v) == np.searchsorted(a, v, side=side)
    vs = np.array([[0.5, 3.0, np.nan], [-30.0, 7.0, 24.0]])
    assert_np_same(f(a, vs), np.searchsorted(a, vs, side=side))
    ints = np.arange(0, 20, 2)
    assert_np_same(f(ints, np.array([1, 2, 3, 30])), np.searchsorted(ints, [1, 2, 3, 30],
                                                                      side=side))
    assert njit(lambda a, v: np.searchsorted(a, v))(ints, 4) == 2


def test_histogram(no_leaks):
    rng = np.random.default_rng(5)
    data = rng.normal(size=1000)
    check(lambda a: np.histogram(a), data)
    check(lambda a: np.histogram(a, 7), data)
    check(lambda a: np.histogram(a, bins=20, range=(-1.0, 1.5)), data)
    check(lambda a: np.histogram(a, 4), data.reshape(20, 50)[::2])
    check(lambda a: np.histogram(a, 3), np.array([1, 2, 2, 3, 5, 5, 5], np.int16))
    check(lambda a: np.histogram(a, 3), np.array([2.0, 2.0]))
    check(lambda a: np.histogram(a, 3), np.zeros(0))
    check(lambda a: np.histogram(a, 0), data)
    check(lambda a: np.histogram(a, 3, (2, 1)), data)


# --- round, isclose, allclose -----------------------------------------------------------------

@pytest.mark.parametrize("decimals", [0, 1, 2, -1, -2])
def test_round(decimals, no_leaks):
    f = njit(lambda a, d: np.round(a, d))
    g = njit(lambda a, d: np.around(a, decimals=d))
    for a in (np.array([0.5, 1.5, 2.5, -0.5, 1.25, 1.35, 123.456, -0.0, np.nan, np.inf]),
              np.array([15, 25, 1234, -151], np.int64), np.array([125, -35], np.int16),
              np.array([1.255, 2.5], np.float32), np.array([1.25 + 2.35j])):
        for x in layouts(a):
            assert_np_same(f(x, decimals), np.round(x, decimals))
            assert_np_same(g(x, decimals), np.around(x, decimals=decimals))
    for x in (2.5, 3.5, -2.45, 1234.5678):
        assert f(x, decimals) == np.round(x, decimals)
    check(lambda: np.round(7, -1))


def test_isclose_allclose(no_leaks):
    a = np.array([1.0, 2.0, np.nan, np.inf, -np.inf, 0.0, 1e-9])
    b = np.array([1.0 + 1e-9, 2.1, np.nan, np.inf, np.inf, 1e-9, 0.0])
    check(lambda x, y: np.isclose(x, y), a, b)
    check(lambda x, y: np.isclose(x, y, equal_nan=True), a, b)
    check(lambda x, y: np.isclose(x, y, rtol=0.1, atol=0.0), a, b)
    check(lambda x, y: np.isclose(x, y, 0.0, 1e-6), a, b)
    check(lambda x, y: np.isclose(x, y), a[::-1], 1.0)
    check(lambda x, y: np.isclose(x, y), 1.0, 1.0 + 1e-6)
    check(lambda x, y: np.isclose(x, y), np.arange(6).reshape(2, 3), np.arange(3) * 1.0 + 1e-9)
    m = values(np.float64, (3, 4))
    for x in layouts(m):
        check(lambda x, y: np.isclose(x, y), x, m[:1])
        check(lambda x, y: np.allclose(x, y), x, m)
        check(lambda x, y: np.allclose(x, y), x, m + 1e-3)
    check(lambda x, y: np.allclose(x, y, equal_nan=True), a, a)
    check(lambda x, y: np.allclose(x, y), a, a)
    check(lambda x, y: np.allclose(x, y), 1.0, 2.0)
    check(lambda x, y: np.allclose(x, y), m, m[:2, :1])
    with pytest.raises(ValueError):
        njit(lambda x, y: np.isclose(x, y))(m, m[:2])
