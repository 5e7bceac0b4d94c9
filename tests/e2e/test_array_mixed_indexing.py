"""Mixed advanced indexing against NumPy: index arrays and masks together with integers and
slices (where the advanced axes go, broadcasting of index arrays, bounds), reads and writes,
over dtypes and layouts, without leaks."""
from __future__ import annotations

import numpy as np
import pytest

from jitcore import errors, njit

from .test_array_indexing import DTYPES, check, layouts_2d

pytestmark = pytest.mark.usefixtures("no_leaks")  # native memory balances in every test


def layouts_3d(dtype=np.float64):
    base = (np.arange(5 * 6 * 7).reshape(5, 6, 7) % 13).astype(dtype)
    return {"C": base, "F": np.asfortranarray(base), "strided": base[::2, ::-1, 1::2],
            "empty": base[:, :0]}


GETS_2D = {
    "idx,0": lambda a, i: a[i, 0],
    "0,idx": lambda a, i: a[-1, i],
    "idx,slice": lambda a, i: a[i, 1:3],
    "idx,reversed": lambda a, i: a[i, ::-2],
    ":,idx": lambda a, i: a[:, i],
    "...,idx": lambda a, i: a[..., i],
    "idx,None": lambda a, i: a[i, None],
    "pair": lambda a, i: a[i, i],
    "outer": lambda a, i: a[i[:, None], i],
    "tuple1": lambda a, i: a[(i,)],
}

GETS_3D = {
    "0,:,idx": lambda a, i: a[0, :, i],        # separated: the index axis goes first
    "idx,:,0": lambda a, i: a[i, :, 0],
    ":,idx,0": lambda a, i: a[:, i, 0],        # adjacent: stays in place
    "idx,None,0": lambda a, i: a[i, None, 0],  # None separates them
    ":,idx,idx": lambda a, i: a[:, i, i[::-1]],
    "idx,:,idx": lambda a, i: a[i, :, i],
    "slice,idx,slice": lambda a, i: a[1:, i, ::3],
}


def index_arrays(n):
    """Index arrays for an axis of size n (at least 1): dtypes, negatives, empty, strided."""
    base = np.array([1, -1, 0, n - 1, -n, 0]) % n if n else np.zeros(0, int)
    return [base.astype(np.int64), base.astype(np.int32), (base % n).astype(np.uint8),
            base[::-2], np.zeros(0, np.int64)]


@pytest.mark.parametrize("name", ["C", "F", "strided", "one_row"])
@pytest.mark.parametrize("case", GETS_2D)
def test_get_2d(name, case):
    m = layouts_2d()[name]
    f = njit(GETS_2D[case])
    for idx in index_arrays(min(m.shape)):
        check(GETS_2D[case], m, idx, compiled=f)


@pytest.mark.parametrize("name", ["C", "F", "strided", "empty"])
@pytest.mark.parametrize("case", GETS_3D)
def test_get_3d(name, case):
    a = layouts_3d()[name]
    f = njit(GETS_3D[case])
    for idx in index_arrays(max(1, min(a.shape[0], a.shape[2]))):
        check(GETS_3D[case], a, idx, compiled=f)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_every_dtype(dtype):
    a = layouts_3d(dtype)["strided"]
    check(lambda a, i: a[i, 1, 1:], a, np.array([2, 0, -1]))
    check(lambda a, m: a[m, ::-1], a, a[:, :, 0] > 3)


def test_masks_with_other_indexes():
    a = layouts_3d()["C"]
    rows = np.arange(5) % 2 == 0
    check(lambda a, m: a[m, 0], a, rows)
    check(lambda a, m: a[m, :, 2:4], a, rows)
    check(lambda a, m: a[1, m[:6] if len(m) > 5 else m], a, np.ones(6, bool))
    check(lambda a, m: a[:, m], a, a[0] > 4)                   # a 2-d mask on axes 1, 2
    check(lambda a, m: a[m, 1:], a, a[:, :, 0] > 4)            # a 2-d mask, then a slice
    check(lambda a, m, i: a[m, i], a[:, 0], rows, np.array([0, 3, 6]))  # mask with an array
    check(lambda a, m, i: a[m, i], a[:, 0], rows, np.array([2]))
    check(lambda a, m: a[m, 0], a, np.zeros(5, bool))


def test_broadcast_pairs():
    m = layouts_2d()["F"]
    rows, cols = np.array([[0], [3], [-1]]), np.array([1, 0, 6, -7])
    check(lambda m, r, c: m[r, c], m, rows, cols)
    check(lambda m, r, c: m[r, c], m, np.array([2]), cols)
    check(lambda m, r, c: m[r, c], m, rows, np.zeros((0,), int))


def test_errors_match_numpy():
    a = layouts_3d()["C"]
    check(lambda a, i: a[i, 0], a, np.array([0, 5]))               # array out of bounds
    check(lambda a, i: a[i, 0], a, np.array([0, -6]))
    check(lambda a, i: a[i, 9], a, np.array([0, 1]))               # integer out of bounds
    check(lambda a, i: a[i, 9], a, np.zeros(0, int))
    check(lambda a, i: a[i, :, i], a, np.array([0, 6]))            # first array reported first
    check(lambda a, i: a[i, i[:2]], a, np.array([0, 1, 2]))        # shapes do not broadcast
    check(lambda a, m: a[m, 0], a, np.ones(4, bool))                # mask of the wrong size
    check(lambda a, m: a[0, m], a, np.ones((6, 5), bool))


def set_scalar(a, i):
    a[i, 0] = 7
    return a


def set_column(a, i, v):
    a[:, i] = v
    return a


def set_rows(a, i, v):
    a[i, 1:3] = v
    return a


def set_masked(a, m, v):
    a[m, -1] = v
    return a


@pytest.mark.parametrize("name", ["C", "F", "strided", "one_row"])
def test_assignment(name):
    m = layouts_2d()[name]
    idx = np.array([0, -1, 0])[:m.shape[0]]
    check(set_scalar, m.copy(), idx)
    check(set_scalar, m, idx)  # through a view, into the caller's array
    check(set_column, m.copy(), np.array([1, -2]), np.float32(2.5))
    check(set_column, m.copy(), np.array([1, -2]), np.arange(2.0))          # broadcast rows
    check(set_column, m.copy(), np.array([1, -2]), np.ones((m.shape[0], 2), np.int16))
    check(set_rows, m.copy(), idx, np.arange(2.0))
    check(set_masked, m.copy(), m[:, 0] > 3, 1.5)
    check(set_masked, m.copy(), m[:, 0] > 3, -m[:, 1][m[:, 0] > 3])


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_assignment_every_dtype(dtype):
    a = layouts_3d(dtype)["C"]
    check(set_rows, a.copy()[:, 0], np.array([4, 0]), np.ones(2, dtype))
    check(set_scalar, a.copy()[1], np.array([-1, 2]))


def test_assignment_overlapping_and_errors():
    def shift(a, i):
        a[i, 1:] = a[i, :-1]
        return a

    def from_itself(a, i):
        a[:, i] = a[:, ::-1][:, :len(i)]
        return a

    m = layouts_2d()["C"]
    check(shift, m.copy(), np.array([0, 2]))
    check(from_itself, m.copy(), np.array([3, 0, 1]))
    check(set_column, m.copy(), np.array([1, -2]), np.arange(3.0))          # wrong shape
    check(set_column, m.copy(), np.array([1, 9]), 1.0)                      # out of bounds
    check(set_masked, m.copy(), m[:, 0] > 3, np.arange(9.0))


def test_unsupported_is_a_typing_error_at_the_line():
    def two_masks(a, m):
        return a[m, m]

    with pytest.raises(errors.TypingError) as info:
        njit(two_masks)(np.zeros((3, 3)), np.ones(3, bool))
    text = str(info.value)
    assert "more than one boolean array" in text and "in two_masks" in text
    assert "return a[m, m]" in text and "^" in text
    assert f"line {two_masks.__code__.co_firstlineno + 1}" in text
    with pytest.raises(errors.TypingError, match="0-d index array"):
        njit(lambda a, i: a[i, 0])(np.zeros((3, 3)), np.array(1))
    with pytest.raises(errors.TypingError, match="too many indices"):
        njit(lambda a, i: a[i, 0, 0])(np.zeros((3, 3)), np.array([1]))
    with pytest.raises(errors.TypingError, match="read-only"):
        ro = np.zeros((3, 3))
        ro.flags.writeable = False
        njit(set_scalar)(ro, np.array([1]))
