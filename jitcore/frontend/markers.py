"""Markers that compiled code recognises by identity and Python runs as they are."""
from __future__ import annotations


def prange(*args: int) -> range:
    """range, whose loop a parallel=True function runs in chunks on all cores.

    Iterations must be independent, except for scalar reductions (s += x, s *= x,
    m = min(m, x), if x > m: m = x). Elsewhere (and in plain Python) it is range.
    """
    return range(*args)
