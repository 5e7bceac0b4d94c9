"""Threads: nogil functions from several threads, exceptions there, thread-safe compilation."""
from __future__ import annotations


import numpy as np
import pytest

from jitcore import njit
from tests.conftest import run_threads



def mix(n, seed):
    s = seed
    for i in range(n):
        s = (s * 31 + i) % 1000003
    return s


@pytest.mark.parametrize("nthreads", [2, 8])
def test_nogil_results_from_threads(nthreads):
    f = njit(nogil=True)(mix)
    f(10, 1)
    results, errors = run_threads(nthreads, lambda i: f(20000, i))
    assert not errors
    assert results == [mix(20000, i) for i in range(nthreads)]


def test_nogil_exception_reaches_each_caller():
    @njit(nogil=True)
    def guarded(n):
        if n > 5:
            raise ValueError("n too large")
        return n

    @njit(nogil=True)
    def divides(a, b):
        return a // b

    assert guarded(3) == 3 and divides(7, 2) == 3

    def call(i):
        for _ in range(50):
            with pytest.raises(ValueError, match="^n too large$"):
                guarded(10 + i)
            with pytest.raises(ZeroDivisionError):
                divides(i, 0)
        return guarded(i % 5)

    results, errors = run_threads(8, call)
    assert not errors and results == [i % 5 for i in range(8)]


def test_nogil_callee_exception_propagates():
    @njit
    def inner(x):
        if x < 0:
            raise ArithmeticError("negative")
        return x

    @njit(nogil=True)
    def outer(x):
        return inner(x) + 1

    results, errors = run_threads(4, lambda i: outer(i))
    assert not errors and results == [1, 2, 3, 4]
    with pytest.raises(ArithmeticError, match="negative"):
        outer(-1)


@pytest.mark.parametrize("nogil", [False, True])
def test_eight_threads_share_one_compilation(compiles, nogil):
    f = njit(nogil=nogil)(mix)
    results, errors = run_threads(8, lambda i: f(1000, i))
    assert not errors
    assert results == [mix(1000, i) for i in range(8)]
    assert len(compiles) == 1 and len(f.signatures) == 1


def test_threads_compiling_different_functions_and_types():
    fns = [njit(mix) for _ in range(4)]

    def call(i):
        f = fns[i % 4]
        return f(100, i) if i < 4 else f(100, np.int32(i))

    results, errors = run_threads(8, call)
    assert not errors
    assert results == [mix(100, i) for i in range(8)]
    assert all(len(f.signatures) == 2 for f in fns)
