"""Sign facts (lowering/signfacts.py): which int() arguments are known >= 0 or NaN.

Two kinds of test: the analysis on typed flow graphs (what it proves and, above all,
what it must not), and differential runs against CPython on inputs that wrap negative
indexes, produce NaN and infinities, and stray outside the guards.
"""
from __future__ import annotations

import functools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jitcore import njit
from jitcore.compiler import CALLEES
from jitcore.frontend.flow import build_flow_graph
from jitcore.lowering.signfacts import nonneg_first_operands
from jitcore.typeinfer import types as t
from jitcore.typeinfer.annotator import annotate

F, I, A = t.float64, t.int64, t.Array(t.float64, 1, "C")


def proven_lines(fn, *argtypes) -> list[int]:
    """Line numbers, relative to the def, of the calls whose float argument was proven >= 0."""
    graph = build_flow_graph(fn)
    annotate(graph, argtypes, CALLEES)
    proven = nonneg_first_operands(graph)
    first = fn.__code__.co_firstlineno
    return sorted(op.loc.line - first for block in graph.blocks() for op in block.ops
                  if id(op) in proven)


# --- what is proven ------------------------------------------------------------------


def binned(value, lo, hi, counts):
    scale = len(counts) / (hi - lo)
    if lo <= value < hi:
        return int((value - lo) * scale)
    return -1


def guarded_by_zero(x):
    if x >= 0.0:
        return int(x)
    return 0


def zero_on_the_left(x):
    if x > 0:
        return int(x)
    return 0


def squares_and_friends(x, a):
    k = int(x * x)
    k += int(abs(x))
    k += int(math.sqrt(x))
    k += int(x % 3.0)
    k += int(len(a) * 0.5)
    k += int(a.shape[0] / 2.0)
    return k


def rounding(x):
    if x > 1.0:
        return math.floor(x) + math.ceil(x) + math.trunc(x) + round(x)
    return 0


def short_circuit(x, lo, hi):
    if x >= lo and x < hi:
        return int((x - lo) / (hi - lo))
    return 0


def int_guards(x, n):
    if n < 1:
        return 0
    k = int(x * x / n)
    if n > 0:
        k += int(2.0 / n)
    return k


def in_a_loop(data, lo, hi):
    total = 0
    width = hi - lo
    for i in range(len(data)):
        v = data[i]
        if v >= lo:
            if v < hi:
                total += int(64 * (v - lo) / width)
    return total


@pytest.mark.parametrize("fn, argtypes, lines", [
    (binned, (F, F, F, A), [3]),
    (guarded_by_zero, (F,), [2]),
    (zero_on_the_left, (F,), [2]),
    (squares_and_friends, (F, A), [1, 2, 3, 4, 5, 6]),
    (rounding, (F,), [2, 2, 2, 2]),
    (short_circuit, (F, F, F), [2]),
    (int_guards, (F, I), [3, 5]),
    (in_a_loop, (A, F, F), [7]),
])
def test_proves(fn, argtypes, lines):
    assert proven_lines(fn, *argtypes) == lines


# --- what must not be proven ---------------------------------------------------------


def unguarded(x):
    return int(x)


def any_bin_count(value, lo, hi, nbins):
    scale = nbins / (hi - lo)  # nbins may be negative
    if lo <= value < hi:
        return int((value - lo) * scale)
    return -1


def wrong_operand(x, lo, hi):
    if x >= lo:
        return int(x - hi)
    return 0


def else_branch(x, lo):
    if x < lo:
        return 0
    return int(x - lo)  # x may be NaN: a failed float comparison orders nothing


def after_the_join(x):
    if x > 0.0:
        x = x * 2.0
    return int(x)


def negated(x):
    if x >= 0.0:
        return int(-x)
    return 0


def unknown_factor(x, y):
    if x >= 0.0:
        return int(x * y)
    return 0


def by_zero_or_negative(x, y):
    if x >= 0.0 and y >= 0.0:
        return int(x / y)  # y may be -0.0: 1 / -0.0 is -inf
    return 0


def rebound(x):
    if x >= 0.0:
        x = x - 10.0
        return int(x)
    return 0


def accumulated(data):
    s = 0.0
    for i in range(len(data)):
        if data[i] >= 0.0:
            s += data[i]
    return int(s)  # data may hold nothing but NaN... and s is carried round the loop


def stale_fact(data):
    """The fact about v is from an earlier iteration when the int() runs."""
    k = 0
    v = -1.0
    for i in range(len(data)):
        k += int(v)
        v = data[i]
        if v >= 0.0:
            continue
    return k


def int_difference(i, j):
    if i >= j:
        return int(float(i - j))  # int64 i - j can wrap negative
    return 0


def abs_of_int(n):
    return int(float(abs(n)))  # abs(int64 min) is negative


@pytest.mark.parametrize("fn, argtypes", [
    (unguarded, (F,)),
    (any_bin_count, (F, F, F, I)),
    (wrong_operand, (F, F, F)),
    (else_branch, (F, F)),
    (after_the_join, (F,)),
    (negated, (F,)),
    (unknown_factor, (F, F)),
    (by_zero_or_negative, (F, F)),
    (rebound, (F,)),
    (accumulated, (A,)),
    (stale_fact, (A,)),
    (int_difference, (I, I)),
    (abs_of_int, (I,)),
])
def test_does_not_prove(fn, argtypes):
    assert proven_lines(fn, *argtypes) == []


# --- the code it makes -----------------------------------------------------------------


def histogram(data, counts, lo, hi):
    nbins = len(counts)
    scale = nbins / (hi - lo)
    for i in range(len(data)):
        value = data[i]
        if lo <= value < hi:
            counts[int((value - lo) * scale)] += 1


def _optimised_body(fn) -> str:
    f = njit(fn)
    f(np.linspace(0.0, 1.0, 50), np.zeros(8, np.int64), 0.0, 1.0)
    llvm = next(iter(f.inspect_llvm().values()))
    return llvm[llvm.index("define"):]


def _wraps(body: str) -> bool:
    """Whether an index's sign is tested: the select, or its branch-free ashr/and form."""
    return "ashr i64" in body or "icmp slt i64" in body


def test_histogram_index_needs_no_wraparound(monkeypatch):
    """With the proof the loop indexes counts with the truncation itself; without, it wraps."""
    body = _optimised_body(histogram)
    assert "@llvm.assume(" in body and not _wraps(body)
    monkeypatch.setattr("jitcore.lowering.signfacts.nonneg_first_operands", lambda fn: set())
    assert _wraps(_optimised_body(histogram))


# --- differential runs -------------------------------------------------------------------


def outcome(fn, *args):
    """fn's result, or the type of the exception it raised; arrays are copied first."""
    args = tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args)
    try:
        return fn(*args), [a for a in args if isinstance(a, np.ndarray)]
    except Exception as exc:  # noqa: BLE001 - the type is what is compared
        return type(exc), None


@functools.cache
def _compiled(fn, **options):
    """One dispatcher per function and options: hypothesis examples reuse its overloads."""
    return njit(**options)(fn)


def same_outcome(fn, *args, **options):
    """CPython and the compiled function return the same (or raise the same type) and
    leave the same arrays behind."""
    expected, expected_arrays = outcome(fn, *args)
    got, got_arrays = outcome(_compiled(fn, **options), *args)
    assert got == expected
    for e, g in zip(expected_arrays or (), got_arrays or ()):
        np.testing.assert_array_equal(e, g)


def hist_any(data, counts, lo, hi):
    """histogram's proof, with indexes that also come out negative outside the guard."""
    nbins = len(counts)
    scale = nbins / (hi - lo)
    for i in range(len(data)):
        value = data[i]
        if lo <= value < hi:
            counts[int((value - lo) * scale)] += 1
        elif value < lo and value > lo - 1.0:
            counts[int((value - lo) * nbins)] += 10  # -nbins < index <= 0: wraps
    return counts.sum()


@pytest.mark.parametrize("lo, hi", [(0.0, 1.0), (-3.0, 0.5), (0.25, 0.2500001),
                                    (-math.inf, math.inf), (-math.inf, 1.0), (0.0, math.inf),
                                    (1.0, 0.0), (-1e308, 1e308)])
def test_histogram_guards_against_cpython(lo, hi):
    data = np.concatenate([np.random.default_rng(1).normal(0.3, 1.0, 300),
                           [lo, hi, -math.inf, math.inf, math.nan, -0.0, 0.0]])
    same_outcome(hist_any, data, np.zeros(16, np.int64), lo, hi)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True, width=64), max_size=30),
       st.floats(-10, 10), st.floats(-10, 10), st.integers(1, 40))
def test_histogram_hypothesis(values, lo, hi, nbins):
    # boundscheck: a value just under hi can round to index nbins (IndexError in CPython)
    same_outcome(hist_any, np.array(values, dtype=np.float64), np.zeros(nbins, np.int64), lo, hi,
                 boundscheck=True)


def floors(data, lo):
    out = 0
    for i in range(len(data)):
        x = data[i]
        if x > lo and lo >= 0.0:
            out += math.floor(x) * 3 + math.ceil(x) + round(x) + int(x % 7.0)
        else:
            out -= int(x) if x == x and abs(x) < 1e18 else 1
    return out


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_rounding_functions_against_cpython(dtype):
    data = np.random.default_rng(2).normal(0.0, 50.0, 200).astype(dtype)
    data[:4] = [-0.0, 0.5, 2.5, -2.5]
    for lo in (-1.0, 0.0, 0.5, 3.0):
        assert njit(floors)(data, lo) == floors(data, lo)


def nan_inside_guard(data, lo, hi):
    k = 0
    for i in range(len(data)):
        v = data[i]
        if lo <= v <= hi:
            k += int((v - lo) * (1.0 / (hi - lo)))
    return k


@pytest.mark.parametrize("data, lo, hi", [
    ([-math.inf], -math.inf, 0.0),  # -inf - -inf is NaN
    ([1.0], -math.inf, math.inf),  # inf * 0.0 is NaN
    ([math.inf], 0.0, math.inf),  # inf * (1 / inf) is NaN
])
def test_nan_inside_the_guard_raises_as_in_cpython(data, lo, hi):
    arr = np.array(data)
    with pytest.raises(ValueError):
        nan_inside_guard(arr, lo, hi)
    with pytest.raises(ValueError):
        njit(nan_inside_guard)(arr, lo, hi)


def squared(v):
    return int(v * v)


@pytest.mark.parametrize("v, error", [(math.inf, OverflowError), (-math.inf, OverflowError),
                                      (math.nan, ValueError)])
def test_proven_square_raises_as_in_cpython(v, error):
    assert proven_lines(squared, F) == [1]
    with pytest.raises(error):
        squared(v)
    with pytest.raises(error):
        njit(squared)(v)


@pytest.mark.parametrize("v", [3037000500.0, -1e10, 1e150])
def test_proven_square_past_int64_raises(v):
    """Python's int has no limit; compiled int() is int64 and says so instead of wrapping."""
    with pytest.raises(OverflowError, match="int64"):
        njit(squared)(v)


@pytest.mark.parametrize("v", [0.0, -0.0, 0.5, -3.5, 3037000499.0])
def test_proven_square_against_cpython(v):
    assert njit(squared)(v) == squared(v)
