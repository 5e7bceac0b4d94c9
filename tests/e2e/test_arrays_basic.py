"""Array arguments: indexing, item assignment, attributes, len, over dtypes and layouts."""
from __future__ import annotations

import numpy as np
import pytest

from jitcore import errors, njit

DTYPES = [np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32,
          np.uint64, np.float32, np.float64]  # complex: after complex arithmetic lands


def total(a):
    acc = a[0] - a[0]
    for i in range(len(a)):
        acc += a[i]
    return acc


def twod(m):
    acc = 0.0
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            acc += m[i, j] * (i + 1) - m[i][j]
    return acc, m[-1, -1], m.size, m.ndim, m.shape, len(m)


def fill(a, value):
    for i in range(len(a)):
        a[i] = value
    a[-1] = value + value


def layouts(base):
    return {"C": base, "F": np.asfortranarray(base), "strided": base[::2, ::-1],
            "empty": base[:0]}


@pytest.mark.parametrize("dtype", [d for d in DTYPES if d is not np.bool_])
def test_sum_every_dtype(dtype):
    a = (np.arange(1, 11) % 7).astype(dtype)
    expected = total(a)
    got = njit(total)(a)
    assert got == expected and type(got) is type(expected.item())


@pytest.mark.parametrize("name", ["C", "F", "strided"])
def test_2d_indexing_every_layout(name):
    m = layouts(np.arange(24.0).reshape(6, 4))[name]
    assert njit(twod)(m) == twod(m)


def test_item_assignment_and_negative_index():
    for dtype in (np.int8, np.uint32, np.float32, np.float64, np.bool_):
        a, b = np.zeros(5, dtype), np.zeros(5, dtype)
        fill(a, dtype(1))
        njit(fill)(b, dtype(1))
        assert np.array_equal(a, b) and b.dtype == a.dtype


def test_assignment_casts_like_numpy():
    a = np.zeros(3, np.int32)
    njit(fill)(a, 2.75)
    assert a.tolist() == [2, 2, 5]


def test_row_view_of_2d_array():
    @njit
    def row_sum(m, i):
        r = m[i]
        acc = 0.0
        for j in range(len(r)):
            acc += r[j]
        return acc

    m = np.arange(12.0).reshape(3, 4)
    for view in (m, np.asfortranarray(m), m[:, ::-1]):
        assert [row_sum(view, i) for i in range(-3, 3)] == [view[i].sum() for i in range(-3, 3)]


def test_read_only_array_cannot_be_written():
    a = np.zeros(3)
    a.flags.writeable = False
    with pytest.raises(errors.TypingError, match="read-only"):
        njit(fill)(a, 1.0)


def test_boundscheck_raises_index_error():
    @njit(boundscheck=True)
    def get(a, i):
        return a[i]

    a = np.arange(4.0)
    assert get(a, -4) == 0.0
    with pytest.raises(IndexError, match="index 4 is out of bounds for axis 0 with size 4"):
        get(a, 4)
    with pytest.raises(IndexError, match="index -5 is out of bounds"):
        get(a, -5)
