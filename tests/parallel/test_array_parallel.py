"""Whole-array expressions in parallel=True functions: large contiguous loops run on the
pool, everything else as in the serial function; results equal NumPy's."""
from __future__ import annotations

import numpy as np

from jitcore import njit
from jitcore.lowering.impls.prange import PARALLEL_MIN_ITEMS

SIZES = [0, 1, 7, PARALLEL_MIN_ITEMS - 1, PARALLEL_MIN_ITEMS, PARALLEL_MIN_ITEMS * 3 + 5]


def fused(a, b, c):
    return np.sqrt(a * b + c) * 2.0 - np.sin(a)


def inplace(a, b):
    a += b * 3
    return a


def mixed(a, k):
    return np.where(a > 0.5, a * k, -a) + (a // 0.25)


def test_fused_expression_matches_serial_and_numpy(no_leaks):
    par, ser = njit(parallel=True)(fused), njit(fused)
    rng = np.random.default_rng(1)
    for n in SIZES:
        a, b, c = (rng.random(n) for _ in range(3))
        got = par(a, b, c)
        assert np.array_equal(got, ser(a, b, c))
        assert np.allclose(got, fused(a, b, c), rtol=1e-14, atol=0)
        assert got.dtype == np.float64 and got.shape == (n,)


def test_inplace_and_where(no_leaks):
    par_inplace, par_mixed = njit(parallel=True)(inplace), njit(parallel=True)(mixed)
    rng = np.random.default_rng(2)
    for n in SIZES:
        a, b = rng.random(n), rng.random(n)
        want = a.copy()
        want += b * 3
        got = a.copy()
        assert par_inplace(got, b) is got
        assert np.array_equal(got, want)
        assert np.array_equal(par_mixed(a, 2.5), mixed(a, 2.5))


def test_two_d_broadcast_views_and_integers(no_leaks):
    f = njit(parallel=True)(lambda x, y: x * y + 1)
    rng = np.random.default_rng(3)
    big = rng.integers(-100, 100, (300, 400))
    row = rng.integers(-5, 5, 400)
    for x, y in [(big, big), (big, row), (big.T, big.T), (big[::2], big[1::2]),
                 (np.asfortranarray(big), big)]:
        assert np.array_equal(f(x, y), x * y + 1)
    floats = rng.random((400, 300)).astype(np.float32)
    assert np.array_equal(f(floats, np.float32(2)), floats * np.float32(2) + 1)


def test_overlapping_inplace_update():
    f = njit(parallel=True)(inplace)
    a = np.arange(float(PARALLEL_MIN_ITEMS * 2 + 1))
    want = a.copy()
    want[1:] += want[:-1] * 3
    got = a.copy()
    f(got[1:], got[:-1])
    assert np.array_equal(got, want)


def test_strided_and_broadcast_results_split_by_rows(no_leaks):
    outer = njit(parallel=True)(lambda x, y: np.sqrt(np.abs(x[:, None] - y[None, :])))
    rng = np.random.default_rng(4)
    for n, m in [(1, 5), (3, 3), (300, 200), (1000, 40), (7, 20000)]:
        x, y = rng.random(n), rng.random(m)
        assert np.array_equal(outer(x, y), np.sqrt(np.abs(x[:, None] - y[None, :])))
    f = njit(parallel=True)(fused)
    a = rng.random((600, 500))
    for args in [(a.T, a.T, a.T), (a[::2], a[1::2], a[::2, ::-1]), (a, a[0], 1.0),
                 (np.asfortranarray(a), a, a[:, :1])]:
        assert np.array_equal(f(*args), njit(fused)(*args)), [x.shape for x in args[:1]]
        assert np.allclose(f(*args), fused(*args), rtol=1e-14, atol=0)
    g = njit(parallel=True)(inplace)
    t1, t2 = a.T.copy(order="C").T, a.T.copy(order="C").T  # F-ordered targets
    g(t1, a[::-1])
    inplace(t2, a[::-1])
    assert np.array_equal(t1, t2)
