"""Arrays created in compiled code: values, dtypes, and no leaked memory.

The runtime counts allocations and frees of native memory; every test checks that
the two counts move together once the arrays it returned are gone.
"""
from __future__ import annotations

import gc
import sys

import numpy as np
import pytest

from jitcore import njit


@njit
def make(n):
    a = np.zeros(n)
    b = np.ones((n, 2), np.int32)
    c = np.full(n, 2.5, np.float32)
    d = np.empty_like(a)
    for i in range(n):
        d[i] = i + b[i, 1] + c[i] + a[i]
    return d


def test_creation_values_and_dtypes(no_leaks):
    assert make(5).tolist() == [3.5, 4.5, 5.5, 6.5, 7.5]
    for maker, args, expected in [
            (lambda n: np.zeros(n), (3,), np.zeros(3)),
            (lambda n: np.ones((n, 2), np.int8), (3,), np.ones((3, 2), np.int8)),
            (lambda n: np.full((n,), True), (2,), np.full((2,), True)),
            (lambda n: np.full(n, 7), (2,), np.full(2, 7)),
            (lambda n: np.zeros_like(np.ones(n, np.uint16)), (4,), np.zeros(4, np.uint16)),
            (lambda n: np.ones(n, dtype=np.complex64), (2,), np.ones(2, np.complex64)),
            (lambda n: np.empty((n, 0)).shape, (3,), (3, 0))]:
        got = njit(maker)(*args)
        if isinstance(expected, tuple):
            assert got == expected
        else:
            assert got.dtype == expected.dtype and np.array_equal(got, expected)
            assert got.flags.c_contiguous and got.flags.writeable and got.flags.owndata is False


def test_negative_dimension_raises(no_leaks):
    with pytest.raises(ValueError, match="negative dimensions"):
        njit(lambda n: np.zeros(n))(-1)


def test_loop_of_allocations_does_not_leak(no_leaks):
    @njit
    def churn(n):
        total = 0.0
        for i in range(n):
            x = np.empty(3)
            x[0] = i
            y = x
            total += y[0]
        return total

    assert churn(100_000) == sum(range(100_000))


def test_returned_arrays_are_freed_by_python(no_leaks):
    for _ in range(10_000):
        r = make(3)
    del r


def test_ownership_through_calls_tuples_swaps_and_branches(no_leaks):
    @njit
    def callee(n):
        return np.full(n, 2.0)

    @njit
    def caller(n):
        a = callee(n)
        b = callee(n + 1)
        return a, b[0] + a[0], b

    @njit
    def swapper(n, sweeps):
        src, dst = np.zeros(n), np.ones(n)
        for _ in range(sweeps):
            for i in range(n):
                dst[i] = src[i] + 1
            src, dst = dst, src
        return src

    @njit
    def early_return(n, flag):
        a = np.zeros(n)
        if flag:
            return 1.0
        b = a
        return b[0] + 2

    a, s, b = caller(3)
    assert a.tolist() == [2.0] * 3 and s == 4.0 and b.tolist() == [2.0] * 4
    assert swapper(4, 5).tolist() == [5.0] * 4
    assert (early_return(3, True), early_return(3, False)) == (1.0, 2.0)


def test_python_arrays_keep_their_identity_and_refcount(no_leaks):
    @njit
    def ident(a):
        return a

    @njit
    def row(a, i):
        return a[i]

    a = np.arange(12.0).reshape(3, 4)
    assert ident(a) is a
    before = sys.getrefcount(a)
    for _ in range(1000):
        r = row(a, 1)
    assert r.tolist() == [4.0, 5.0, 6.0, 7.0] and np.shares_memory(r, a)
    del r
    assert sys.getrefcount(a) == before


def test_exceptions_release_the_arrays_held(no_leaks):
    @njit
    def fails_midway(n, k):
        a = np.ones(n)
        b = np.zeros(n)
        total = 0.0
        for i in range(n):
            total += a[i] + b[i] // k  # ZeroDivisionError when k == 0
        return total, a

    @njit
    def callee_raises(n):
        a = np.ones(n)
        if n > 2:
            raise ValueError("too big")
        return a

    @njit
    def caller(n):
        keep = np.zeros(n)
        got = callee_raises(n)
        return keep, got

    for _ in range(50):
        with pytest.raises(ZeroDivisionError):
            fails_midway(5, 0.0)
        with pytest.raises(ValueError, match="too big"):
            caller(3)
    assert fails_midway(3, 1.0)[0] == 3.0


def _rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        import os

        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/statm")
def test_a_million_arrays_do_not_grow_memory(no_leaks):
    import tracemalloc

    @njit
    def churn(n):
        total = 0.0
        for i in range(n):
            x = np.empty(16)
            x[0] = i
            total += x[0]
        return total

    @njit
    def fresh(i):
        out = np.empty(4)
        out[0] = i
        return out

    churn(10), fresh(0)  # compile first
    for _ in range(20_000):
        fresh(1)
    gc.collect()
    tracemalloc.start()
    rss_before = _rss_bytes()
    traced_before = tracemalloc.get_traced_memory()[0]
    assert churn(1_000_000) == sum(range(1_000_000))
    for i in range(250_000):  # boxed into Python: a leaked array (>100 bytes) is > 24 MiB
        fresh(i)
    gc.collect()
    grown = _rss_bytes() - rss_before
    traced = tracemalloc.get_traced_memory()[0] - traced_before
    tracemalloc.stop()
    assert grown < 8 * 2**20, f"RSS grew by {grown / 2**20:.1f} MiB"
    assert traced < 64 * 2**10, f"Python allocations grew by {traced} bytes"


def test_unused_block_argument_holding_an_array_is_released(no_leaks):
    @njit
    def first_positive(x, out):
        for v in x:  # the array iterator reaches the raising block unused
            if v > 0:
                out[0] = v
                return
        raise ValueError("no positive value")

    out = np.zeros(1)
    first_positive(np.array([-1.0, 2.0, 3.0]), out)
    assert out[0] == 2.0
    for _ in range(20):
        with pytest.raises(ValueError, match="no positive value"):
            first_positive(np.zeros(3) - 1.0, out)
        with pytest.raises(ValueError, match="no positive value"):
            first_positive(np.full(2, -1.0), out)
