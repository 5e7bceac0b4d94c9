"""Array routines written in Python and compiled by jitcore itself (once per dtype).

    np.sort(a)          lowering copies a, then calls the native code of `sort_inplace`
    np.argsort(a)       `argsort` (a stable merge sort of indices)
    np.unique(a)        sort, then `dedupe` compacts in place and returns the count
    np.searchsorted     `search_left` / `search_right` per value
    np.histogram        `histogram`, NumPy's bin arithmetic for equal bins
    a @= b              `matmul_into`: the product, then copied into a

nan sorts after every number, as in NumPy; `less` is the order used throughout.
"""
from __future__ import annotations

import numpy as np

from jitcore.decorators import njit

SMALL = 16  # below this many elements insertion sort beats partitioning


@njit(cache=True)
def less(x, y):  # type: ignore[no-untyped-def]
    """x < y with nan after every number (and nan not less than nan)."""
    return x < y or (y != y and x == x)  # noqa: PLR0124 - nan tests


@njit(cache=True)
def _insertion(a, lo, hi):  # type: ignore[no-untyped-def]
    for i in range(lo + 1, hi + 1):
        v = a[i]
        j = i - 1
        while j >= lo and less(v, a[j]):
            a[j + 1] = a[j]
            j -= 1
        a[j + 1] = v


@njit(cache=True)
def _heapsort(a, lo, hi):  # type: ignore[no-untyped-def]
    """Sort a[lo..hi] by heapsort: the fallback that bounds introsort at n log n."""
    n = hi - lo + 1
    start = n // 2 - 1
    while start >= 0:
        _sift(a, lo, start, n)
        start -= 1
    end = n - 1
    while end > 0:
        v = a[lo]
        a[lo] = a[lo + end]
        a[lo + end] = v
        _sift(a, lo, 0, end)
        end -= 1


@njit(cache=True)
def _sift(a, lo, root, n):  # type: ignore[no-untyped-def]
    while 2 * root + 1 < n:
        child = 2 * root + 1
        if child + 1 < n and less(a[lo + child], a[lo + child + 1]):
            child += 1
        if less(a[lo + root], a[lo + child]):
            v = a[lo + root]
            a[lo + root] = a[lo + child]
            a[lo + child] = v
            root = child
        else:
            return


@njit(cache=True)
def _introsort(a, lo, hi, depth):  # type: ignore[no-untyped-def]
    while hi - lo > SMALL:
        if depth == 0:
            _heapsort(a, lo, hi)
            return
        depth -= 1
        # median of three to a[lo]; Hoare partition around it
        mid = lo + (hi - lo) // 2
        if less(a[mid], a[lo]):
            v = a[mid]
            a[mid] = a[lo]
            a[lo] = v
        if less(a[hi], a[lo]):
            v = a[hi]
            a[hi] = a[lo]
            a[lo] = v
        if less(a[hi], a[mid]):
            v = a[hi]
            a[hi] = a[mid]
            a[mid] = v
        pivot = a[mid]
        i = lo - 1
        j = hi + 1
        while True:
            i += 1
            while less(a[i], pivot):
                i += 1
            j -= 1
            while less(pivot, a[j]):
                j -= 1
            if i >= j:
                break
            v = a[i]
            a[i] = a[j]
            a[j] = v
        # recurse into the smaller half, loop on the larger
        if j - lo < hi - j:
            _introsort(a, lo, j, depth)
            lo = j + 1
        else:
            _introsort(a, j + 1, hi, depth)
            hi = j
    _insertion(a, lo, hi)


@njit(cache=True)
def sort_inplace(a):  # type: ignore[no-untyped-def]
    """Sort a 1-d array in place (introsort: quicksort, heapsort past 2 log n levels)."""
    n = a.shape[0]
    depth = 0
    while (1 << depth) < n:
        depth += 1
    _introsort(a, 0, n - 1, 2 * depth)


@njit(cache=True)
def argsort(a):  # type: ignore[no-untyped-def]
    """Indices that sort `a`, stable (a bottom-up merge sort of indices)."""
    n = a.shape[0]
    idx = np.empty(n, np.int64)
    tmp = np.empty(n, np.int64)
    for i in range(n):
        idx[i] = i
    # insertion sort runs of SMALL, then merge runs of doubling width
    for lo in range(0, n, SMALL):
        hi = min(lo + SMALL, n)
        for i in range(lo + 1, hi):
            k = idx[i]
            j = i - 1
            while j >= lo and less(a[k], a[idx[j]]):
                idx[j + 1] = idx[j]
                j -= 1
            idx[j + 1] = k
    width = SMALL
    while width < n:
        for lo in range(0, n, 2 * width):
            mid = min(lo + width, n)
            hi = min(lo + 2 * width, n)
            i, j, k = lo, mid, lo
            while i < mid and j < hi:
                if less(a[idx[j]], a[idx[i]]):
                    tmp[k] = idx[j]
                    j += 1
                else:
                    tmp[k] = idx[i]
                    i += 1
                k += 1
            while i < mid:
                tmp[k] = idx[i]
                i += 1
                k += 1
            while j < hi:
                tmp[k] = idx[j]
                j += 1
                k += 1
        idx, tmp = tmp, idx
        width *= 2
    return idx


@njit(cache=True)
def dedupe(a):  # type: ignore[no-untyped-def]
    """Compact a sorted array to its distinct values (nans count as one); their count."""
    n = a.shape[0]
    if n == 0:
        return 0
    k = 1
    for i in range(1, n):
        x = a[i]
        last = a[k - 1]
        if x != last and not (x != x and last != last):  # noqa: PLR0124 - nan
            a[k] = x
            k += 1
    return k


@njit(cache=True)
def search_left(a, v):  # type: ignore[no-untyped-def]
    """The first index i with not a[i] < v (binary search of a sorted array)."""
    lo = 0
    hi = a.shape[0]
    while lo < hi:
        mid = (lo + hi) >> 1
        if less(a[mid], v):
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(cache=True)
def search_right(a, v):  # type: ignore[no-untyped-def]
    """The first index i with v < a[i]."""
    lo = 0
    hi = a.shape[0]
    while lo < hi:
        mid = (lo + hi) >> 1
        if less(v, a[mid]):
            hi = mid
        else:
            lo = mid + 1
    return lo


@njit(cache=True)
def histogram(a, bins, lo, hi, has_range):  # type: ignore[no-untyped-def]
    """(counts, edges) of `bins` equal bins over [lo, hi] (the data's range without one)."""
    if bins <= 0:
        raise ValueError("`bins` must be positive, when an integer")
    n = a.shape[0]
    if not has_range:
        if n == 0:
            lo, hi = 0.0, 1.0
        else:
            lo = float(a[0])
            hi = lo
            for i in range(n):
                x = float(a[i])
                if x < lo or x != x:  # noqa: PLR0124 - nan spreads to the range
                    lo = x
                if x > hi or x != x:  # noqa: PLR0124
                    hi = x
        if not (lo - lo == 0.0 and hi - hi == 0.0):
            raise ValueError("autodetected range is not finite")
    if lo > hi:
        raise ValueError("max must be larger than min in range parameter.")
    if not (lo - lo == 0.0 and hi - hi == 0.0):
        raise ValueError("supplied range is not finite")
    if lo == hi:
        lo -= 0.5
        hi += 0.5
    edges = np.linspace(lo, hi, bins + 1)
    counts = np.zeros(bins, np.int64)
    norm = bins / (hi - lo)
    for i in range(n):
        x = float(a[i])
        if x >= lo and x <= hi:
            k = int((x - lo) * norm)
            if k == bins:
                k -= 1
            if x < edges[k]:
                k -= 1
            elif k != bins - 1 and x >= edges[k + 1]:
                k += 1
            counts[k] += 1
    return counts, edges


@njit(cache=True)
def matmul_into(a, b):  # type: ignore[no-untyped-def]
    """a @= b, once lowering has checked that the product has a's shape."""
    a[...] = a @ b
    return a


@njit(cache=True)
def contains(a, v):  # type: ignore[no-untyped-def]
    """`v in a`: whether some element equals v, as (a == v).any()."""
    for x in a.flat:  # noqa: SIM110 - generator expressions do not compile yet
        if x == v:
            return True
    return False
