"""nogil=True really lets other Python threads run; parallel functions from many threads.

The existing tests/e2e/test_threads.py covers nogil results from 2 and 8 threads and
thread-safe compilation of plain functions; here: the GIL is observably released, and
parallel=True functions are called from several threads at once (the pool serves one
of them, the others run their chunks serially), compile once, and raise per caller.
"""
from __future__ import annotations

import sys
import threading

import numpy as np
import pytest

from tests.conftest import run_threads
from jitcore import njit, prange


def spin(n):
    x = 1
    for i in range(n):
        x = (x * 48271 + i) % 2147483647
    return x


def count_while(f, n):
    """How far this thread counts while another thread runs f(n)."""
    done = threading.Event()
    result = []

    def worker():
        started.set()
        result.append(f(n))
        done.set()

    started = threading.Event()
    th = threading.Thread(target=worker)
    th.start()
    started.wait()
    count = 0
    while not done.is_set():
        count += 1
    th.join()
    return count, result[0]


def test_nogil_lets_python_threads_run():
    free = njit(nogil=True)(spin)
    held = njit(spin)
    n = 15_000_000  # ~0.3 s of native work
    assert free(1000) == held(1000) == spin(1000)
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-4)  # short hand-overs of the GIL at the call's edges
    try:
        free_count, r1 = count_while(free, n)
        held_count, r2 = count_while(held, n)
    finally:
        sys.setswitchinterval(interval)
    assert r1 == r2
    # Holding the GIL, this thread runs only at the call's edges; released, all along.
    assert free_count > 10 * max(held_count, 100), (free_count, held_count)


@njit(parallel=True)
def par_sum(a):
    s = 0.0
    for i in prange(a.size):
        s += a[i] * 0.5
    return s


@njit(parallel=True, nogil=True)
def par_scale(a, out, k):
    for i in prange(a.size):
        out[i] = a[i] * k



@pytest.mark.parametrize("nthreads", [2, 8])
def test_parallel_functions_from_many_threads(nthreads):
    arrays = [np.arange(i, i + 50_000, dtype=np.float64) for i in range(nthreads)]
    outs = [np.empty(50_000) for _ in range(nthreads)]
    par_sum(arrays[0])

    def call(i):
        total = 0.0
        for _ in range(20):
            total = par_sum(arrays[i])
            par_scale(arrays[i], outs[i], float(i))
        return total

    results, errors = run_threads(nthreads, call)
    assert not errors
    assert results == [par_sum(a) for a in arrays]
    for i in range(nthreads):
        assert np.array_equal(outs[i], arrays[i] * float(i))


def test_eight_threads_compile_a_parallel_function_once(compiles):
    def total(a):
        s = 0
        for i in prange(a.size):
            s += a[i]
        return s

    f = njit(parallel=True)(total)
    data = np.arange(1000)
    results, errors = run_threads(8, lambda i: f(data[i:]))
    assert not errors
    assert results == [int(data[i:].sum()) for i in range(8)]
    assert len(compiles) == 1


def test_exceptions_from_parallel_functions_in_threads():
    @njit(parallel=True)
    def checked(a, limit):
        for i in prange(a.size):
            if a[i] > limit:
                raise OverflowError("element above the limit")
        return a.size

    a = np.arange(10_000.0)

    def call(i):
        for _ in range(10):
            with pytest.raises(OverflowError, match="^element above the limit$"):
                checked(a, float(i * 100))
        return checked(a, 1e9)

    results, errors = run_threads(8, call)
    assert not errors and results == [10_000] * 8
