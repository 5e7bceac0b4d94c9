"""Array reductions in prange: `acc += a[i]` with acc an array made before the loop.

Each chunk accumulates into its own identity-filled copy of acc; the copies are added
into acc (or, for `acc = acc + x`, into a copy of it) after the loop, in chunk order.
Compared with the serial function over sizes around the thread count, including 0.
"""
from __future__ import annotations

import numpy as np
import pytest

import jitcore
from jitcore import njit, prange
from jitcore.frontend.errors import UnsupportedError

SIZES = [0, 1, 2, 3, 7, 100]


def both(pyfunc):
    return njit(parallel=True)(pyfunc), njit(pyfunc)


def outlined(f):
    text = f.inspect_types()
    return "parallel_loop" in text and "iternext" not in text


def column_sums(a):
    acc = np.zeros(a.shape[1])
    for i in prange(a.shape[0]):
        acc += a[i]
    return acc


def column_sums_new(a):
    acc = np.zeros(a.shape[1])
    for i in prange(a.shape[0]):
        acc = acc + a[i] * 2.0
    return acc


def column_differences(a):
    acc = np.full(a.shape[1], 10.0)
    for i in prange(a.shape[0]):
        acc -= a[i]
    return acc


def column_products(a):
    acc = np.ones(a.shape[1])
    for i in prange(a.shape[0]):
        acc *= a[i]
    return acc


def int_counts(a):
    acc = np.zeros(a.shape[1], dtype=np.int64)
    for i in prange(a.shape[0]):
        acc += a[i]
    return acc


def block_sums(a):
    acc = np.zeros((a.shape[1], a.shape[2]))
    for i in prange(a.shape[0]):
        acc += a[i]
    return acc


def scalar_and_array(a):
    s = 0.0
    acc = np.zeros(a.shape[1])
    for i in prange(a.shape[0]):
        acc += a[i]
        s += a[i, 0]
    return s, acc


@pytest.mark.parametrize("kernel", [column_sums, column_sums_new, column_differences,
                                    column_products])
def test_float_array_reductions_match_serial(kernel, no_leaks):
    par, ser = both(kernel)
    rng = np.random.default_rng(3)
    for n in SIZES:
        a = rng.uniform(0.5, 1.5, (n, 5))
        got, want = par(a), ser(a)
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-12)
        np.testing.assert_allclose(got, kernel(a), rtol=1e-12)
    assert outlined(par)


def test_integer_array_reduction_is_exact(no_leaks):
    par, _ = both(int_counts)
    rng = np.random.default_rng(4)
    for n in SIZES:
        a = rng.integers(-1000, 1000, (n, 7))
        got = par(a)
        assert got.dtype == np.int64
        assert np.array_equal(got, a.sum(axis=0))


def test_two_dimensional_accumulator(no_leaks):
    par, _ = both(block_sums)
    a = np.random.default_rng(5).standard_normal((9, 3, 4))
    np.testing.assert_allclose(par(a), a.sum(axis=0), rtol=1e-12)
    np.testing.assert_allclose(par(a[:, :, ::2]), a[:, :, ::2].sum(axis=0), rtol=1e-12)
    np.testing.assert_allclose(par(np.asfortranarray(a)), a.sum(axis=0), rtol=1e-12)


def test_scalar_and_array_reductions_together(no_leaks):
    par, _ = both(scalar_and_array)
    a = np.random.default_rng(6).standard_normal((50, 3))
    s, acc = par(a)
    assert s == pytest.approx(a[:, 0].sum(), rel=1e-12)
    np.testing.assert_allclose(acc, a.sum(axis=0), rtol=1e-12)


def into_argument(acc, a):
    for i in prange(a.shape[0]):
        acc += a[i]
    return acc


def test_accumulator_argument_is_updated_in_place(no_leaks):
    f = njit(parallel=True)(into_argument)
    a = np.arange(12.0).reshape(4, 3)
    acc = np.ones(3)
    out = f(acc, a)
    assert np.array_equal(acc, 1.0 + a.sum(axis=0))
    assert np.shares_memory(out, acc)
    f_acc = np.ones((3, 2), order="F")  # an F-contiguous accumulator gets F-order copies
    b = np.arange(24.0).reshape(4, 3, 2)
    np.testing.assert_array_equal(f(f_acc, b), 1.0 + b.sum(axis=0))


def new_leaves_original(acc, a):
    for i in prange(a.shape[0]):
        acc = acc + a[i]
    return acc


def test_new_array_form_leaves_the_original_alone(no_leaks):
    f = njit(parallel=True)(new_leaves_original)
    acc = np.ones(3)
    a = np.arange(12.0).reshape(4, 3)
    out = f(acc, a)
    assert np.array_equal(acc, np.ones(3))
    assert np.array_equal(out, 1.0 + a.sum(axis=0)) and not np.shares_memory(out, acc)


def test_thread_counts_give_the_same_results():
    par, _ = both(int_counts)
    a = np.random.default_rng(7).integers(0, 100, (1001, 4))
    before = jitcore.get_num_threads()
    try:
        for k in range(1, before + 1):
            jitcore.set_num_threads(k)
            assert np.array_equal(par(a), a.sum(axis=0))
    finally:
        jitcore.set_num_threads(before)


def raising_rows(a):
    acc = np.zeros(a.shape[1])
    for i in prange(a.shape[0]):
        if a[i, 0] > 1e9:
            raise ValueError("row too large")
        acc += a[i]
    return acc


def test_exception_releases_private_accumulators(no_leaks):
    f = njit(parallel=True)(raising_rows)
    a = np.ones((1000, 4))
    for bad in (0, 500, 999):
        b = a.copy()
        b[bad, 0] = 1e12
        with pytest.raises(ValueError, match="^row too large$"):
            f(b)
    assert np.array_equal(f(a), np.full(4, 1000.0))


def reads_accumulator(a):
    acc = np.zeros(a.shape[1])
    for i in prange(a.shape[0]):
        acc += a[i]
        a[i, 0] = acc[0]
    return acc


def recurrence(a):
    acc = np.zeros(a.shape[1])
    for i in prange(a.shape[0]):
        acc = acc * 0.5 + a[i]
    return acc


def accumulator_twice(a):
    acc = np.ones(a.shape[1])
    for i in prange(a.shape[0]):
        acc += acc * a[i]
    return acc


@pytest.mark.parametrize("kernel, message", [
    (reads_accumulator, "reduction variable 'acc' is read inside the prange loop"),
    (recurrence, "'acc' of type array"),
    (accumulator_twice, "'acc' of type array"),
])
def test_unsupported_array_updates_are_refused(kernel, message):
    with pytest.raises(UnsupportedError, match=message) as info:
        njit(parallel=True)(kernel)(np.ones((4, 3)))
    assert kernel.__name__ in str(info.value)
