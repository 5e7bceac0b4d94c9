"""Arrays of different layouts (and read-only flags) meeting where values merge.

`a if c else a[::-1]` is a C-contiguous array on one path and a strided view on the other:
the merged value is an any-strided ('A') array, and so is everything holding one (the
iterator of `for v in ...`, `a.flat`, `enumerate`, `zip`, tuples of arrays, a function's
result). Each case runs compiled and in CPython on both paths and must leak nothing.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from jitcore import njit
from jitcore.typeinfer import types as t

f8 = t.float64


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, tuple):
        return isinstance(b, tuple) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.dtype == b.dtype and np.array_equal(a, b)
    return bool(a == b)


def iterate_either(a, c):
    s = 0.0
    k = 1.0
    for v in (a if c else a[::-1]):
        s += v * k
        k += 1.0
    return s


def iterate_rows_either(m, c):
    s = 0.0
    for row in (m if c else m.T):
        s = s * 2.0 + row[0]
    return s


def enumerate_either(a, c):
    s = 0.0
    for i, v in enumerate(a[1:] if c else a[::2]):
        s += i * v
    return s


def zip_either(a, c):
    s = 0.0
    for x, y in zip(a if c else a[::-1], a[::-1] if c else a):
        s += x - 2.0 * y
    return s


def flat_either(m, c):
    s = 0.0
    k = 1.0
    for v in (m if c else m[:, ::-1]).flat:
        s += v * k
        k += 1.0
    return s


def iterator_rebound_in_loop(a, n):
    s = 0.0
    src = a
    for i in range(n):
        for v in src:
            s = s * 0.5 + v
        src = a[::2] if i % 2 else a
    return s


def tuple_of_views(a, c):
    pair = (a, a[::2]) if c else (a[::-1], a)
    return pair[0][0] + pair[1][-1], pair[0].copy(), pair[1].copy()


def returns_either(a, c):
    if c:
        return a[::2]
    return a + 1.0


def block_argument_rebound(a, n):
    v = a
    for i in range(n):
        v = v[::-1] if i % 2 else v * 2.0
    return v.sum(), v.copy()


ARRAYS = [np.arange(6.0), np.arange(5.0) * 1.5]
MATRICES = [np.arange(6.0).reshape(2, 3), np.asfortranarray(np.arange(12.0).reshape(3, 4))]


@pytest.mark.parametrize("pyfunc, inputs", [
    (iterate_either, ARRAYS), (enumerate_either, ARRAYS), (zip_either, ARRAYS),
    (tuple_of_views, ARRAYS), (returns_either, ARRAYS),
    (iterate_rows_either, MATRICES), (flat_either, MATRICES),
], ids=lambda x: getattr(x, "__name__", ""))
def test_layouts_merge_on_branches(pyfunc, inputs, no_leaks):
    compiled = njit(pyfunc)
    for a in inputs:
        for c in (True, False):
            expected = pyfunc(a.copy(), c)
            got = compiled(a.copy(), c)
            assert _same(got, expected), f"{pyfunc.__name__}(c={c}): {got!r} != {expected!r}"


@pytest.mark.parametrize("pyfunc", [iterator_rebound_in_loop, block_argument_rebound],
                         ids=lambda f: f.__name__)
def test_layouts_merge_across_loop_edges(pyfunc, no_leaks):
    compiled = njit(pyfunc)
    for n in range(5):
        expected = pyfunc(ARRAYS[0].copy(), n)
        got = compiled(ARRAYS[0].copy(), n)
        assert _same(got, expected), f"{pyfunc.__name__}({n}): {got!r} != {expected!r}"


def test_readonly_and_writable_merge():
    # A read-only argument on one path and a fresh array on the other: the merge is read-only.
    ro = np.arange(4.0)
    ro.flags.writeable = False
    compiled = njit(iterate_either)
    assert compiled(ro, True) == iterate_either(ro, True)
    assert compiled(ro, False) == iterate_either(ro, False)


def test_unify_merges_layouts_of_what_holds_arrays():
    c1 = t.Array(f8, 1, "C")
    a1 = t.Array(f8, 1, "A")
    ro = t.Array(f8, 1, "C", readonly=True)
    assert t.unify(t.ArrayIter(c1), t.ArrayIter(a1)) == t.ArrayIter(a1)
    assert t.unify(t.ArrayIter(c1), t.ArrayIter(ro)) == t.ArrayIter(ro)
    assert t.unify(t.ArrayFlat(c1), t.ArrayFlat(a1)) == t.ArrayFlat(a1)
    assert t.unify(t.Tuple((c1, f8)), t.Tuple((a1, t.float32))) == t.Tuple((a1, f8))
    zc = t.ZipIter((t.ArrayIter(c1),), (f8,))
    za = t.ZipIter((t.ArrayIter(a1),), (f8,))
    assert t.unify(zc, za) == za
    # Anything but the layout and flags differing still does not merge.
    assert t.unify(t.ArrayIter(c1), t.ArrayIter(t.Array(t.float32, 1, "C"))) is None
    assert t.unify(t.ArrayIter(c1), t.ArrayIter(c1, flat=True)) is None
    assert t.unify(t.ArrayIter(c1), t.ArrayIter(t.Array(f8, 2, "C"))) is None
    assert t.unify(t.ZipIter((t.ArrayIter(c1),), (f8,)),
                   t.ZipIter((t.ArrayIter(a1), t.ArrayIter(a1)), (f8, f8))) is None
