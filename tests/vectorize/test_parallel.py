"""target="parallel": the native thread pool gives results identical to the serial target."""
from __future__ import annotations

import math
import multiprocessing
import os
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest

import jitcore
from jitcore import guvectorize, vectorize
from jitcore.targets import threadpool

from .reference import assert_same, sample

SIGS = ["int64(int64, int64)", "float32(float32, float32)", "float64(float64, float64)"]


def kernel(a, b):
    return a * b + (a - b) // 3


serial = vectorize(SIGS)(kernel)
parallel = vectorize(SIGS, target="parallel")(kernel)


def logistic(x, k):
    return 1.0 / (1.0 + math.exp(-k * x))


serial_logistic = vectorize(["float64(float64, float64)"])(logistic)
parallel_logistic = vectorize(["float64(float64, float64)"], target="parallel")(logistic)


def core(x, y, out):
    acc = 0.0
    for i in range(x.shape[0]):
        acc += x[i] * y[i]
    out[0] = acc


GUSIG = ["void(float64[:], float64[:], float64[:])"]
serial_dot = guvectorize(GUSIG, "(n),(n)->()")(core)
parallel_dot = guvectorize(GUSIG, "(n),(n)->()", target="parallel")(core)


_ONE_POOL = textwrap.dedent("""
    import os
    import numpy as np
    import jitcore
    from jitcore import njit, prange, vectorize

    def threads():
        return len(os.listdir("/proc/self/task"))

    @vectorize(["float64(float64)"], target="parallel")
    def half(x):
        return x * 0.5

    @njit(parallel=True)
    def total(a):
        s = 0.0
        for i in prange(a.shape[0]):
            s += a[i]
        return s

    a = np.arange(1_000_000.0)
    before = threads()
    small = np.arange(20_000.0)  # under two chunks: runs inline, the pool stays unstarted
    assert np.array_equal(half(small), small * 0.5)
    assert threads() == before
    assert np.array_equal(half(a), a * 0.5)
    after_ufunc = threads()
    assert total(a) == a.sum()
    after_prange = threads()
    print(before, after_ufunc, after_prange, jitcore.get_num_threads())
""")


def test_ufuncs_and_prange_share_one_pool_sized_by_the_environment():
    env = {**os.environ, "JITCORE_NUM_THREADS": "3"}
    out = subprocess.run([sys.executable, "-c", _ONE_POOL], env=env, capture_output=True,
                         text=True, timeout=120, check=True).stdout
    before, after_ufunc, after_prange, active = map(int, out.split())
    assert after_ufunc - before == 2  # the pool's workers, started by the ufunc's first run
    assert after_prange == after_ufunc  # prange found them: no second pool
    assert active == 3


def test_results_do_not_depend_on_set_num_threads():
    a, b = sample("float64", (300_000,), 1), sample("float64", (300_000,), 2)
    expected = serial(a, b)
    old = jitcore.get_num_threads()
    try:
        for n in range(1, threadpool.pool_size() + 1):
            jitcore.set_num_threads(n)
            assert_same(parallel(a, b), expected, rtol=0)
    finally:
        jitcore.set_num_threads(old)


@pytest.mark.parametrize("dtype", ["int64", "float32", "float64"])
def test_same_results_as_serial_over_sizes(dtype):
    for n in (0, 1, 7, 4095, 4096, 8193, 100_003):
        a, b = sample(dtype, (n,), n), sample(dtype, (n,), n + 1)
        assert_same(parallel(a, b), serial(a, b), rtol=0)
        assert_same(parallel(a[::-3], b[::3]), serial(a[::-3], b[::3]), rtol=0)
    a, b = sample(dtype, (300, 200), 1), sample(dtype, (200,), 2)
    assert_same(parallel(a, b), serial(a, b), rtol=0)
    assert_same(parallel(a.T, b[:, None]), serial(a.T, b[:, None]), rtol=0)
    out = np.empty_like(a)
    parallel(a, b, out=out)
    assert_same(out, serial(a, b), rtol=0)


def test_math_kernel_and_reduction():
    x = np.linspace(-5, 5, 200_001)
    assert_same(parallel_logistic(x, 1.5), serial_logistic(x, 1.5), rtol=0)
    assert_same(parallel.reduce(np.arange(50_000)), serial.reduce(np.arange(50_000)))


def test_gufunc_same_results_as_serial():
    for loops in (0, 1, 3, 1000):
        x, y = sample("float64", (loops, 17), loops), sample("float64", (17,), 5)
        assert_same(parallel_dot(x, y), serial_dot(x, y), rtol=0)
        assert_same(parallel_dot(x[:, ::2], y[::2]), serial_dot(x[:, ::2], y[::2]), rtol=0)


def test_exception_on_any_thread_reaches_the_caller():
    @vectorize(["float64(float64)"], target="parallel")
    def checked(x):
        if x < 0:
            raise ValueError("negative input")
        return math.sqrt(x)

    n = 100_000
    for where in (0, n // 2, n - 1):  # the caller's part, a worker's part, the last element
        x = np.ones(n)
        x[where] = -1.0
        with pytest.raises(ValueError, match="negative input"):
            checked(x)
    x = -np.ones(n)  # every part fails: one exception, no leak of the others
    with pytest.raises(ValueError, match="negative input"):
        checked(x)
    assert_same(checked(np.full(n, 4.0)), np.full(n, 2.0))


def test_gufunc_exception_on_a_worker():
    @guvectorize(["void(float64[:], float64[:])"], "(n)->()", target="parallel")
    def total(x, out):
        s = 0.0
        for i in range(x.shape[0]):
            if x[i] < 0:
                raise ValueError("negative entry")
            s += x[i]
        out[0] = s

    x = np.ones((64, 8))
    assert_same(total(x), np.full(64, 8.0))
    x[60, 3] = -1
    with pytest.raises(ValueError, match="negative entry"):
        total(x)


def test_concurrent_callers_get_correct_results():
    a, b = sample("float64", (200_000,), 1), sample("float64", (200_000,), 2)
    expected = serial(a, b)
    failures = []

    def work():
        for _ in range(20):
            if not np.array_equal(parallel(a, b), expected):
                failures.append(1)

    threads = [threading.Thread(target=work) for _ in range(3)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not failures


def _child(queue):
    a = np.arange(100_000, dtype=np.float64)
    queue.put(bool(np.array_equal(parallel(a, a), serial(a, a))))


def test_forked_child_computes_correctly():
    parallel(np.ones(10_000), np.ones(10_000))  # the pool runs in the parent
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_child, args=(queue,))
    child.start()
    child.join(30)
    assert child.exitcode == 0
    assert queue.get(timeout=5) is True
