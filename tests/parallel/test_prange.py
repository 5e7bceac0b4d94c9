"""parallel=True with prange: chunks on the thread pool give the serial function's results.

Each kernel is compiled twice (parallel and serial) and both run over sizes around the
thread count, including 0 and 1: reductions, writes by index, nested loops, steps.
"""
from __future__ import annotations

import math
import re

import numpy as np
import pytest

import jitcore
from jitcore import njit, prange
from jitcore.frontend.errors import UnsupportedError

SIZES = [0, 1, 2, 3, 5, 7, 8, 9, 31, 100, 1001]


def both(pyfunc):
    return njit(parallel=True)(pyfunc), njit(pyfunc)


def outlined(f, *args):
    """The parallel function really ran its loop as a parallel_loop call."""
    text = f.inspect_types()
    return "parallel_loop" in text and "iternext" not in text


def sum_squares(a):
    s = 0.0
    for i in prange(a.shape[0]):
        s += a[i] * a[i]
    return s


def test_float_sum_within_rounding_and_outlined():
    par, ser = both(sum_squares)
    rng = np.random.default_rng(1)
    for n in SIZES:
        a = rng.standard_normal(n)
        got, want = par(a), ser(a)
        assert math.isclose(got, want, rel_tol=1e-12, abs_tol=1e-12), n
        assert type(got) is float
    assert outlined(par)


def int_reductions(a, k):
    total = 0
    prod = 1
    diff = 100
    for i in prange(len(a)):
        total += a[i] * k
        prod *= 1 - 2 * (a[i] & 1)
        diff -= a[i]
    return total, prod, diff


def test_integer_reductions_are_exact():
    par, ser = both(int_reductions)
    rng = np.random.default_rng(2)
    for n in SIZES:
        a = rng.integers(-50, 50, n)
        assert par(a, 3) == ser(a, 3) == int_reductions(a, 3), n


def min_max_calls(a):
    lo = np.inf
    hi = -np.inf
    for i in prange(a.size):
        lo = min(lo, a[i])
        hi = max(a[i], hi)
    return lo, hi


def if_updates(a):
    big = a[0]
    small = a[0]
    at_least = -1.0
    for i in prange(a.size):
        x = a[i]
        if x > big:  # noqa: PLR1730 - the if-update reduction pattern
            big = x
        if small > x:  # noqa: PLR1730 - the if-update reduction pattern
            small = x
        if x >= at_least:  # noqa: PLR1730 - the if-update reduction pattern
            at_least = x
    return big, small, at_least


@pytest.mark.parametrize("kernel", [min_max_calls, if_updates])
def test_min_max_patterns(kernel):
    par, ser = both(kernel)
    rng = np.random.default_rng(3)
    for n in SIZES[1:]:
        a = rng.standard_normal(n)
        assert par(a) == ser(a) == kernel(a), n
    assert par(np.array([5.0, 1.0, 9.0, 9.0, -3.0])) == kernel(np.array([5.0, 1.0, 9.0, 9.0,
                                                                            -3.0]))


def writes_and_nested(a, out, scale):
    for i in prange(a.shape[0]):
        acc = 0.0
        for j in range(a.shape[1]):
            acc += a[i, j] * scale
            out[i, j] = a[i, j] + j
        out[i, 0] = acc


def test_writes_by_index_with_nested_loop(no_leaks):
    par, ser = both(writes_and_nested)
    rng = np.random.default_rng(4)
    for n in SIZES:
        a = rng.standard_normal((n, 3))
        o1, o2 = np.zeros((n, 3)), np.zeros((n, 3))
        par(a, o1, 2.0)
        ser(a, o2, 2.0)
        assert np.array_equal(o1, o2)


def stepped(start, stop, step, out):
    count = 0
    for i in prange(start, stop, step):
        out[i] = i * 2
        count += 1
    return count


def test_prange_start_stop_step():
    par, ser = both(stepped)
    for start, stop, step in [(0, 20, 1), (3, 20, 4), (19, 0, -1), (19, -1, -3), (5, 5, 1),
                              (5, 2, 1), (0, 17, 16)]:
        o1, o2 = np.zeros(20), np.zeros(20)
        assert par(start, stop, step, o1) == ser(start, stop, step, o2)
        assert np.array_equal(o1, o2), (start, stop, step)
    with pytest.raises(ValueError, match="must not be zero"):
        par(0, 5, 0, np.zeros(5))


def allocating_body(n):
    total = 0.0
    for i in prange(n):
        row = np.arange(i + 1) * 0.5
        total += row.sum()
    return total


def test_allocation_in_body_does_not_leak(no_leaks):
    par, ser = both(allocating_body)
    for n in (0, 1, 7, 50):
        assert math.isclose(par(n), ser(n))


def raising(a, limit):
    s = 0.0
    for i in prange(a.size):
        if a[i] > limit:
            raise ValueError("value above the limit")
        s += a[i]
    return s


def test_exception_in_a_chunk_reaches_the_caller(no_leaks):
    par = njit(parallel=True)(raising)
    a = np.arange(1000.0)
    assert par(a, 1e9) == a.sum()
    for bad in (0, 499, 999):  # first chunk, middle, last chunk
        b = a.copy()
        b[bad] = 1e12
        with pytest.raises(ValueError, match="^value above the limit$"):
            par(b, 1e9)
    b = np.full(1000, 1e12)  # every chunk raises: one error, the others dropped
    for _ in range(20):
        with pytest.raises(ValueError, match="^value above the limit$"):
            par(b, 1e9)
    assert par(a, 1e9) == a.sum()  # the pool is usable afterwards


def index_error(a, idx):
    for i in prange(idx.size):
        a[idx[i]] = 1.0


def test_boundscheck_error_in_chunk():
    f = njit(parallel=True, boundscheck=True)(index_error)
    a = np.zeros(10)
    f(a, np.array([1, 2, 3]))
    assert a.sum() == 3.0
    with pytest.raises(IndexError):
        f(a, np.array([1, 2, 30, 4, 5, 6, 7, 8, 9, 0]))


def two_loops_and_outer(a):
    total = 0.0
    for rep in range(3):
        for i in prange(a.size):
            a[i] += 1.0
        for i in prange(a.size):
            total += a[i] * rep
    return total


def test_sequential_loops_inside_serial_loop():
    par, ser = both(two_loops_and_outer)
    for n in (0, 1, 9, 100):
        a1, a2 = np.arange(float(n)), np.arange(float(n))
        assert math.isclose(par(a1), ser(a2), rel_tol=1e-12)
        assert np.array_equal(a1, a2)


def nested_prange(a):
    s = 0.0
    for i in prange(a.shape[0]):
        for j in prange(a.shape[1]):
            s += a[i, j]
    return s


def nested_reductions(a):
    s = 0.0
    best = -np.inf
    count = 0
    for i in prange(a.shape[0]):
        for j in range(a.shape[1]):
            s += a[i, j]
            if a[i, j] > best:  # noqa: PLR1730 - the if-update reduction pattern
                best = a[i, j]
            if a[i, j] > 0:
                count += 1
    return s, best, count


def test_reductions_inside_nested_loops():
    par, ser = both(nested_reductions)
    rng = np.random.default_rng(7)
    for n in (0, 1, 3, 40):
        a = rng.standard_normal((n, 5))
        got, want = par(a), ser(a)
        assert math.isclose(got[0], want[0], rel_tol=1e-12, abs_tol=1e-12)
        assert got[1:] == want[1:]


def test_nested_prange_inner_runs_serially():
    par, ser = both(nested_prange)
    a = np.random.default_rng(5).standard_normal((37, 11))
    assert math.isclose(par(a), ser(a), rel_tol=1e-12)


def test_prange_outside_parallel_is_range():
    f = njit(sum_squares)
    a = np.arange(10.0)
    assert f(a) == sum_squares(a) == 285.0
    assert "parallel_loop" not in f.inspect_types()
    assert list(prange(2, 8, 3)) == [2, 5]


@njit(parallel=True)
def parallel_inner(a):
    s = 0
    for i in prange(a.size):
        s += a[i]
    return s


@njit
def serial_outer(a):
    return parallel_inner(a) + parallel_inner(a[::2])


def test_parallel_function_called_from_jitted_code():
    a = np.arange(1000)
    assert serial_outer(a) == a.sum() + a[::2].sum()


@njit(parallel=True)
def parallel_outer(a):
    s = 0
    for i in prange(4):
        s += parallel_inner(a)  # nested parallel region: runs serially in its chunk
    return s


def test_nested_parallel_regions():
    a = np.arange(1000)
    assert parallel_outer(a) == 4 * a.sum()


def test_thread_counts_give_the_same_results():
    par = njit(parallel=True)(int_reductions)
    a = np.random.default_rng(6).integers(-9, 9, 333)
    size = jitcore.get_num_threads()
    try:
        results = set()
        for n in range(1, size + 1):
            jitcore.set_num_threads(n)
            assert jitcore.get_num_threads() == n
            results.add(par(a, 2))
        assert results == {int_reductions(a, 2)}
    finally:
        jitcore.set_num_threads(size)
    with pytest.raises(ValueError, match="between 1 and"):
        jitcore.set_num_threads(0)
    with pytest.raises(ValueError, match="between 1 and"):
        jitcore.set_num_threads(size + 1)
    with pytest.raises(TypeError):
        jitcore.set_num_threads(1.5)


# --- what cannot run in parallel is refused, naming the variable ---------------------------


def with_break(a):
    s = 0.0
    for i in prange(a.size):
        if a[i] < 0:
            break
        s += a[i]
    return s


def reads_reduction(a):
    s = 0.0
    for i in prange(a.size):
        s += a[i]
        a[i] = s
    return s


def carried(a):
    last = 0.0
    for i in prange(a.size):
        last = a[i]
    return last


def recurrence(a):
    x = 1.0
    for i in prange(a.size):
        x = x * 0.5 + a[i]
    return x


@pytest.mark.parametrize("kernel, message", [
    (with_break, "cannot be left with break"),
    (reads_reduction, "reduction variable 's' is read inside the prange loop"),
    (carried, "'last' is assigned in a prange loop"),
    (recurrence, "'x' is assigned in a prange loop"),
])
def test_unsupported_loops_are_refused(kernel, message):
    with pytest.raises(UnsupportedError, match=message) as info:
        njit(parallel=True)(kernel)(np.arange(4.0))
    assert kernel.__name__ in str(info.value)


def monte_carlo_pi(n):
    inside = 0
    for i in prange(n):
        x = np.random.random()
        y = np.random.random()
        if x * x + y * y < 1.0:
            inside += 1
    return 4.0 * inside / n


def fill_random(out):
    for i in prange(out.size):
        out[i] = np.random.random()


def test_random_numbers_in_chunks_are_independent():
    f = njit(parallel=True)(monte_carlo_pi)
    assert abs(f(400_000) - math.pi) < 0.02
    out = np.empty(200_000)
    njit(parallel=True)(fill_random)(out)
    assert len(np.unique(out)) == out.size  # each thread its own generator: no repeats
    assert 0.49 < out.mean() < 0.51


def saxpy(alpha, x, y):
    for i in prange(len(x)):
        y[i] += alpha * x[i]


def test_chunk_loops_are_vectorised():
    from jitcore.targets.machine import host_cpu

    if "+avx2" not in host_cpu()[1].split(","):
        pytest.skip("the host CPU has no AVX2")
    packed = re.compile(r"\bv(add|mul|sub|fmadd\w*|div)p[sd]\b.*%[yz]mm")
    f = njit(parallel=True)(saxpy)
    f(2.0, np.ones(8), np.ones(8))
    assert any(packed.search(line) for line in f.inspect_asm(f.signatures[0]).splitlines())
    g = njit(parallel=True, fastmath=True)(sum_squares)
    g(np.ones(8))
    assert any(packed.search(line) for line in g.inspect_asm(g.signatures[0]).splitlines())
