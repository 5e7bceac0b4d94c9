"""Library routines of the math module over sequences, compiled by jitcore itself.

    math.fsum(seq)               ->  fsum(seq): CPython's exactly rounded sum (Shewchuk's
                                     partials, half-even across partials), with its errors
    math.prod(seq, start=start)  ->  prod(seq, start): start * x0 * x1 ..., left to right
    math.dist(p, q)              ->  dist(p, q): scaled as CPython's vector_norm (within an
                                     ulp or two of its compensated sum)

`seq` is a 1-d array or a homogeneous tuple of numbers.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from jitcore.decorators import njit

# Non-overlapping partials occupy disjoint bit ranges of the 2098 a double spans.
_MAX_PARTIALS = 2100


@njit(cache=True)
def fsum(seq: Any) -> float:
    partials = np.empty(_MAX_PARTIALS)
    n = 0
    special_sum = 0.0
    inf_sum = 0.0
    for item in seq:
        x = float(item)
        xsave = x
        i = 0
        for j in range(n):
            y = partials[j]
            if abs(x) < abs(y):
                x, y = y, x
            hi = x + y
            lo = y - (hi - x)
            if lo != 0.0:
                partials[i] = lo
                i += 1
            x = hi
        n = i
        if x != 0.0:
            if not math.isfinite(x):
                # from an inf or nan summand, or an intermediate overflow
                if math.isfinite(xsave):
                    raise OverflowError("intermediate overflow in fsum")
                if math.isinf(xsave):
                    inf_sum += xsave
                special_sum += xsave
                n = 0
            else:
                partials[n] = x
                n += 1
    if special_sum != 0.0:
        if math.isnan(inf_sum):
            raise ValueError("-inf + inf in fsum")
        return special_sum
    total = 0.0
    if n > 0:
        n -= 1
        total = partials[n]
        lo = 0.0
        while n > 0:  # add from the top while the sum stays exact
            x = total
            n -= 1
            y = partials[n]
            total = x + y
            lo = y - (total - x)
            if lo != 0.0:
                break
        # half-even rounding across several partials
        if n > 0 and ((lo < 0.0 and partials[n - 1] < 0.0) or (
                lo > 0.0 and partials[n - 1] > 0.0)):
            y = lo * 2.0
            x = total + y
            if y == x - total:
                total = x
    return total


@njit(cache=True)
def prod(seq: Any, start: Any) -> Any:
    r = start
    for x in seq:
        r = r * x
    return r


@njit(cache=True)
def dist(p: Any, q: Any) -> float:
    """The Euclidean distance, scaled by the largest difference (no overflow or underflow);
    inf wins over nan, as in CPython's vector_norm."""
    n = len(p)
    if len(q) != n:
        raise ValueError("both points must have the same number of dimensions")
    big = 0.0
    found_nan = False
    for i in range(n):
        d = abs(float(p[i]) - float(q[i]))
        if d != d:
            found_nan = True
        elif d > big:
            big = d
    if math.isinf(big):
        return big
    if found_nan:
        return math.nan
    if big == 0.0 or n <= 1:
        return big
    s = 0.0
    for i in range(n):
        x = (float(p[i]) - float(q[i])) / big
        s += x * x
    return big * math.sqrt(s)
