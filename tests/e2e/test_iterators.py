"""enumerate() and zip() over everything `for` iterates, against CPython; rows they yield
are reference counted like any other (no leak when a zip stops early)."""
from __future__ import annotations

import numpy as np
import pytest

import jitcore
from jitcore import njit
from jitcore.frontend.errors import TypingError


def weighted(iterable, start):
    total = 0
    for i, x in enumerate(iterable, start):
        total += i * x
    return total


def weighted_default(iterable):
    total = 0
    for i, x in enumerate(iterable):
        total = total + 2 * i + x
    return total


def weighted_keyword(iterable):
    total = 0
    for i, x in enumerate(iterable, start=-2):
        total += i * x
    return total


def pairs(a, b):
    total = 0
    count = 0
    for x, y in zip(a, b):
        total += x * y - count
        count += 1
    return total, count


def triples(a, b, c):
    total = 0
    for x, y, z in zip(a, b, c):
        total = total * 2 + x - y * z
    return total


def rows_and_values(m, a):
    total = 0.0
    for row, x in zip(m, a):
        total += row.sum() * x
    return total


def enumerated_rows(m):
    total = 0.0
    for i, row in enumerate(m):
        total += i * row[-1]
    return total


def nested(a, b):
    total = 0
    for i, (x, y) in enumerate(zip(a, b)):
        total += i * x + y
    for (i, x), y in zip(enumerate(a, 1), b):
        total -= i * x * y
    return total


def over_flat(m):
    total = 0
    for i, x in enumerate(m.flat):
        total += i * x
    return total


# Small values: NumPy 2 keeps int8 + Python int in int8 (Numba's typing, which jitcore
# follows, widens to int64), so nothing here may leave the smallest dtype's range.
DTYPES = [np.int8, np.uint16, np.int64, np.float32, np.float64, np.complex128, np.bool_]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [0, 1, 7])
def test_enumerate_arrays(dtype, n):
    a = (np.arange(n) % 3 + 1).astype(dtype)
    unsigned = np.dtype(dtype).kind == "u"  # NumPy: -3 * uint16(1) is an OverflowError
    for start in (0, 5) if unsigned else (0, 5, -3):
        assert njit(weighted)(a, start) == weighted(a, start)
    assert njit(weighted_default)(a) == weighted_default(a)
    if not unsigned:
        assert njit(weighted_keyword)(a) == weighted_keyword(a)


def over_a_range(lo, hi, step, start):
    total = 0
    for i, x in enumerate(range(lo, hi, step), start):
        total += i * x
    for x, (i, y) in zip(range(hi, lo, -step), enumerate(range(lo, hi, step))):
        total -= x * i + y
    return total


@pytest.mark.parametrize("args", [(0, 10, 1), (3, -7, -2), (5, 5, 1), (-4, 9, 3)])
def test_enumerate_and_zip_ranges_and_tuples(args):
    assert njit(over_a_range)(*args, 2) == over_a_range(*args, 2)
    assert njit(weighted_default)((4, 5, 6)) == weighted_default((4, 5, 6))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("na, nb", [(0, 3), (3, 0), (4, 4), (2, 6), (6, 2)])
def test_zip_arrays_of_unequal_lengths(dtype, na, nb):
    a = (np.arange(na) % 3 + 2).astype(dtype)
    b = (np.arange(nb) % 4 + 1).astype(dtype)
    assert njit(pairs)(a, b) == pairs(a, b)


def test_zip_of_ranges_tuples_views_and_flat():
    a = np.arange(10, dtype=np.int64)
    for args in [(a[1:6], a[::-2], (7, 8, 9)), (a[2:], a[::3], a), ((1, 2), (3, 4), (5, 6))]:
        assert njit(triples)(*args) == triples(*args)
    m = np.arange(12).reshape(3, 4)
    assert njit(over_flat)(m) == over_flat(m)
    assert njit(over_flat)(m.T) == over_flat(m.T)


@pytest.mark.parametrize("rows, n", [(4, 4), (5, 2), (2, 5), (0, 3)])
def test_rows(rows, n):
    m = np.arange(rows * 3, dtype=np.float64).reshape(rows, 3)
    a = np.arange(n, dtype=np.float64)
    assert njit(rows_and_values)(m, a) == rows_and_values(m, a)
    assert njit(enumerated_rows)(m) == enumerated_rows(m)


def test_nested():
    a, b = np.arange(6), np.arange(10, 3, -1)
    assert njit(nested)(a, b) == nested(a, b)


@njit
def rows_of_a_fresh_array(a, n):
    m = np.ones((n, 2))
    total = 0.0
    for x, row in zip(a, m):
        total += x * row[1]
    for i, row in enumerate(np.ones((n, 3))):
        total += i * row[0]
    return total


@pytest.mark.parametrize("n", [1, 3, 8])
def test_rows_are_released_when_zip_stops_early(n):
    """The longer iterable yields one row the body never sees: its reference is released."""
    a = np.arange(3.0)
    rows_of_a_fresh_array(a, n)
    before = jitcore.memory_stats()
    for _ in range(200):
        rows_of_a_fresh_array(a, n)
    after = jitcore.memory_stats()
    assert after[0] - before[0] == after[1] - before[1] == 400


def not_iterable(a):
    total = 0.0
    for x, y in zip(a, 3):
        total += x
    return total


def test_non_iterables_are_typing_errors():
    with pytest.raises(TypingError) as info:
        njit(not_iterable)(np.ones(3))
    text = str(info.value)
    assert text.startswith("zip() does not accept arguments (array(float64, 1d, C), int64)")
    assert "for x, y in zip(a, 3):" in text


# --- sum, max, min, any, all over iterables ----------------------------------------------


def reductions(a):
    return sum(a), max(a), min(a), any(a), all(a)


def sum_from(a, start):
    return sum(a, start)


def over_ranges(lo, hi, step):
    r = range(lo, hi, step)
    return sum(r), sum(r, 10), any(r), all(r)


def max_of_range(lo, hi, step):
    return max(range(lo, hi, step)), min(range(lo, hi, step))


def over_flat_and_tuples(m, t):
    return sum(m.flat), max(m.flat), min(m.T.flat), sum(t), any(t), all(t)


def outcome(fn, *args):
    try:
        return fn(*args)
    except ValueError as exc:
        return ("ValueError", str(exc))


@pytest.mark.parametrize("dtype", [np.int8, np.uint16, np.int64, np.float32, np.float64,
                                   np.bool_])
@pytest.mark.parametrize("values", [[3, 1, 2], [0, 0], [1], [], [2, 0, 5, 1, 4]])
def test_builtin_reductions_against_cpython(dtype, values):
    a = np.array(values).astype(dtype)
    for arr in (a, a[::-1], a[::2]):
        assert outcome(njit(reductions), arr) == outcome(reductions, arr)


@pytest.mark.parametrize("values", [[float("nan"), 1.0, 3.0], [1.0, float("nan"), 3.0],
                                    [-0.0, 0.0], [0.0, -0.0], [float("inf"), -1e308]])
def test_builtin_reductions_keep_pythons_nan_and_zero_rules(values):
    a = np.array(values)
    got, expected = njit(reductions)(a), reductions(a)
    assert np.array_equal(np.array(got[:3]), np.array(expected[:3]), equal_nan=True)
    assert [np.signbit(x) for x in got[1:3]] == [np.signbit(x) for x in expected[1:3]]
    assert got[3:] == expected[3:]


@pytest.mark.parametrize("start", [0, 5, -2.5, 1 + 1j])
def test_sum_with_a_start(start):
    a = np.arange(5, dtype=np.int64)
    assert njit(sum_from)(a, start) == sum_from(a, start)
    b = np.linspace(0.1, 0.9, 9)
    assert njit(sum_from)(b, start) == sum_from(b, start)  # same order of additions


@pytest.mark.parametrize("args", [(0, 10, 1), (3, -7, -2), (5, 5, 1), (-4, 9, 3), (1, 2, 1)])
def test_builtin_reductions_over_ranges(args):
    assert njit(over_ranges)(*args) == over_ranges(*args)
    assert outcome(njit(max_of_range), *args) == outcome(max_of_range, *args)


def test_builtin_reductions_over_flat_and_tuples():
    m = np.array([[4, -1, 7], [2, 9, 0]])
    t = (0.5, 0.0, 2.0)
    assert njit(over_flat_and_tuples)(m, t) == over_flat_and_tuples(m, t)


def max_of_rows(m):
    return max(m)


def test_max_of_rows_is_a_typing_error():
    """Python compares rows with `>`, an array: ambiguous truth, so NumPy refuses too."""
    with pytest.raises(TypingError, match="max"):
        njit(max_of_rows)(np.ones((2, 2)))
