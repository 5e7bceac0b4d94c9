"""uint64 indexes past 2**63 never wrap around to negatives.

NumPy converts an unsigned scalar index to a C long, so one past int64 is an
OverflowError (not a[-1]); slice bounds past int64 clip to the end; index *arrays*
of uint64 are cast to intp by NumPy itself (they do wrap, and so do ours). Checked
with and without boundscheck, reads and stores, against NumPy.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from jitcore import njit

BIG = np.uint64(2**64 - 1)
HALF = np.uint64(2**63)
A = np.arange(5.0)
B = np.arange(12.0).reshape(3, 4)


def store(a, i):
    a[i] = 99.0
    return a


def store_tuple(b, i):
    b[1, i] = 99.0
    return b


def store_slice(a, i):
    a[i:] = 7.0
    return a


CASES = [
    ("item", lambda a, i: a[i], A, BIG),
    ("item_2**63", lambda a, i: a[i], A, HALF),
    ("item_in_range", lambda a, i: a[i], A, np.uint64(4)),
    ("tuple_last", lambda b, i: b[1, i], B, BIG),
    ("tuple_first", lambda b, i: b[i, 1], B, BIG),
    ("row", lambda b, i: b[i], B, BIG),
    ("row_view_with_slice", lambda b, i: b[i, 1:], B, BIG),
    ("slice_stop", lambda a, i: a[:i], A, BIG),
    ("slice_start", lambda a, i: a[i:], A, BIG),
    ("slice_step", lambda a, i: a[::i], A, np.uint64(2)),
    ("slice_object", lambda a, i: a[slice(0, i)], A, BIG),
    ("slice_2d", lambda b, i: b[1:i, :i], B, HALF),
    ("mixed_with_index_array", lambda b, i: b[np.array([0, 2]), i], B, BIG),
    ("index_array_wraps_as_numpy", lambda a, i: a[np.array([i, 1], dtype=np.uint64)], A, BIG),
    ("store", store, A, BIG),
    ("store_tuple", store_tuple, B, BIG),
    ("store_slice", store_slice, A, BIG),
]


def _outcome(f: Any, arr: np.ndarray, i: Any) -> tuple[Any, ...]:
    work = arr.copy()
    try:
        out = f(work, i)
    except Exception as exc:  # noqa: BLE001 - compared below
        return type(exc), str(exc), work.tolist()
    return "ok", np.asarray(out).tolist(), work.tolist()


@pytest.mark.parametrize("boundscheck", [False, True])
@pytest.mark.parametrize("name, f, arr, i", CASES, ids=[c[0] for c in CASES])
def test_unsigned_index_matches_numpy(name, f, arr, i, boundscheck, no_leaks):
    assert _outcome(njit(boundscheck=boundscheck)(f), arr, i) == _outcome(f, arr, i)


def test_small_unsigned_out_of_bounds_is_index_error(no_leaks):
    f = njit(boundscheck=True)(lambda a, i: a[i])
    for i in (np.uint32(2**32 - 1), np.uint64(5), np.uint8(255)):
        with pytest.raises(IndexError, match=f"index {int(i)} is out of bounds for axis 0"):
            f(A, i)
