"""Array indexing against NumPy: slices (views), None, `...`, masks and index arrays (copies),
assignment through all of them with broadcasting, over dtypes and layouts, without leaks."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jitcore import errors, njit
from jitcore.typeinfer import registry
from jitcore.typeinfer import types as t

DTYPES = [np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32,
          np.uint64, np.float32, np.float64, np.complex64, np.complex128]

pytestmark = pytest.mark.usefixtures("no_leaks")  # native memory balances in every test


def layouts_1d(dtype=np.float64):
    base = (np.arange(12) % 5).astype(dtype)
    return {"C": base, "reversed": base[::-1], "strided": base[::3], "empty": base[:0]}


def layouts_2d(dtype=np.float64):
    base = (np.arange(42).reshape(6, 7) % 11).astype(dtype)
    return {"C": base, "F": np.asfortranarray(base), "strided": base[::2, ::-1],
            "empty": base[:0], "one_row": base[2:3]}


def same_array(got, expected):
    got, expected = np.asarray(got), np.asarray(expected)
    return (got.dtype == expected.dtype and got.shape == expected.shape
            and np.array_equal(got, expected, equal_nan=got.dtype.kind in "fc"))


def clone(a):
    """A copy of `a` with the same strides and flags (views stay views of a copied base)."""
    base = a
    while isinstance(base.base, np.ndarray):
        base = base.base
    fresh = base.copy(order="K")
    offset = a.__array_interface__["data"][0] - base.__array_interface__["data"][0]
    out = np.ndarray(a.shape, a.dtype, buffer=fresh, offset=offset, strides=a.strides)
    out.flags.writeable = a.flags.writeable
    return out


def check(pyfunc, *args, compiled=None):
    """Compiled and Python results (and arguments after the call) agree, or same error."""
    compiled = compiled or njit(pyfunc)
    copies = [clone(a) if isinstance(a, np.ndarray) else a for a in args]
    try:
        expected = pyfunc(*copies)
    except Exception as exc:  # noqa: BLE001
        with pytest.raises(type(exc)) as info:
            compiled(*args)
        assert str(info.value) == str(exc)
        return
    got = compiled(*args)
    if isinstance(expected, tuple):
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            assert same_array(g, e), (g, e)
    else:
        assert same_array(got, expected), (got, expected)
    for a, c in zip(args, copies):
        if isinstance(a, np.ndarray):
            assert same_array(a, c)


# --- basic slicing: views ---------------------------------------------------------------------

SLICES_1D = [lambda a: a[::2], lambda a: a[1:-1], lambda a: a[::-1], lambda a: a[8:2:-2],
             lambda a: a[5:2], lambda a: a[-100:100], lambda a: a[100:], lambda a: a[:, None],
             lambda a: a[None, 2:], lambda a: a[...], lambda a: a[..., ::-3],
             lambda a: a[1:][::2][::-1]]


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("k", range(len(SLICES_1D)))
def test_slices_1d(dtype, k):
    for a in layouts_1d(dtype).values():
        check(SLICES_1D[k], a)


SLICES_2D = [lambda m: m[1:-1, ::-1], lambda m: m[1, 1:], lambda m: m[:, 2], lambda m: m[-1],
             lambda m: m[::2, 1::3], lambda m: m[None, 1], lambda m: m[..., 1],
             lambda m: m[1, ...], lambda m: m[:, None, :], lambda m: m[::-1, None, ::-2, None],
             lambda m: m[2:2, :], lambda m: m[:, 1:2]]


@pytest.mark.parametrize("name", ["C", "F", "strided", "empty", "one_row"])
@pytest.mark.parametrize("k", range(len(SLICES_2D)))
def test_slices_2d(name, k):
    m = layouts_2d()[name]
    fn = SLICES_2D[k]
    if (name == "one_row" and k in (1, 5, 7)) or (name == "empty" and k in (1, 3, 5, 7)):
        with pytest.raises(IndexError):  # no such row: only checked with boundscheck
            fn(m)
        with pytest.raises(IndexError, match="out of bounds for axis 0"):
            njit(boundscheck=True)(fn)(m)
        return
    check(fn, m)


def dynamic(a, i, j, k):
    return a[i:j:k], a[i:], a[:j], a[::k], a[slice(i, j)], a[i:j]


dynamic_compiled = njit(dynamic)


@settings(max_examples=300, deadline=None)
@given(st.integers(-15, 15), st.integers(-15, 15), st.integers(-6, 6).filter(bool),
       st.integers(0, 12))
def test_variable_bounds_match_python_slices(i, j, k, n):
    check(dynamic, np.arange(float(n)), i, j, k, compiled=dynamic_compiled)


def test_variable_bounds_extremes():
    a = np.arange(7.0)
    big, small = np.iinfo(np.int64).max, np.iinfo(np.int64).min
    for i, j, k in [(small, big, 1), (big, small, -1), (small, big, big), (big, small, small),
                    (0, 0, 1), (-1, -8, -1)]:
        check(dynamic, a, i, j, k)


def test_zero_step_raises():
    check(lambda a, k: a[::k], np.arange(3.0), 0)
    check(lambda a: a[::0], np.arange(3.0))


def test_views_write_through_and_share_memory():
    def write(m):
        v = m[1:, ::2]
        v[0, 0] = -1.0
        r = m[:, 1]
        r[2] = -2.0
        row = m[3]
        row[1:3] = -3.0
        return v

    for m in layouts_2d().values():
        if m.shape[0] < 4:
            continue
        check(write, m)
        m2 = m.copy(order="K")
        view = njit(write)(m2)
        assert np.shares_memory(view, m2)


def test_returned_view_keeps_native_memory_alive():
    @njit
    def tail(n):
        a = np.arange(n) if False else np.zeros(n)
        for i in range(n):
            a[i] = i
        return a[2::2]

    v = tail(9)
    assert v.tolist() == [2.0, 4.0, 6.0, 8.0]
    del v


@pytest.mark.parametrize("arr, index, layout", [
    (t.Array(t.float64, 1, "C"), slice(1, 3), "C"),
    (t.Array(t.float64, 1, "C"), slice(None, None, 2), "A"),
    (t.Array(t.float64, 2, "C"), (slice(None), 0), "A"),
    (t.Array(t.float64, 2, "C"), (0, slice(1, None)), "C"),
    (t.Array(t.float64, 2, "C"), (slice(1, 3), slice(None)), "C"),
    (t.Array(t.float64, 2, "C"), (slice(1, 3), slice(1, None)), "A"),
    (t.Array(t.float64, 2, "F"), (slice(None), 0), "C"),
    (t.Array(t.float64, 2, "F"), (slice(None), slice(1, 3)), "F"),
    (t.Array(t.float64, 3, "F"), (Ellipsis, 1), "F"),
    (t.Array(t.float64, 2, "A"), (slice(None), slice(None)), "A"),
    (t.Array(t.float64, 2, "C"), (None, 1), "C"),
])
def test_view_layouts(arr, index, layout):
    def ty(i):
        if i is None:
            return t.none
        return t.int64 if isinstance(i, int) else t.PyObjectConst(i)

    index_ty = t.Tuple(tuple(map(ty, index))) if isinstance(index, tuple) else ty(index)
    sig = registry.resolve("getitem", arr, index_ty)
    assert sig.return_type.layout == layout


def test_variable_slice_layouts():
    c1 = t.Array(t.float64, 1, "C")
    assert registry.resolve("getitem", c1, t.Slice((True, True, False))).return_type.layout == "C"
    assert registry.resolve("getitem", c1, t.Slice((True, True, True))).return_type.layout == "A"


def test_layouts_merge_at_joins():
    def halve(a):
        while len(a) > 2:
            a = a[::2]
        return a

    check(halve, np.arange(40.0))


# --- fancy indexing: copies -------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_mask_and_index_arrays_every_dtype(dtype):
    for a in layouts_1d(dtype).values():
        mask = (np.arange(len(a)) % 3) != 1
        check(lambda a, m: a[m], a, mask)
        idx = np.array([0, -1, 1, 0], np.int64)[:min(len(a), 4)] if len(a) else np.zeros(0, int)
        check(lambda a, i: a[i], a, idx)


@pytest.mark.parametrize("name", ["C", "F", "strided", "empty"])
def test_fancy_2d(name):
    m = layouts_2d()[name]
    rows = np.arange(m.shape[0]) % 2 == 0
    check(lambda m, k: m[k], m, rows)
    check(lambda m, k: m[k], m, m > 4)
    check(lambda m, k: m[k], m, (m > 4)[::-1])
    for idx in (np.array([2, 0, -1], np.int32), np.array([[1, 0], [2, 2]]), np.zeros(0, int)):
        if m.shape[0] == 0 and idx.size:
            continue
        check(lambda m, k: m[k], m, idx)
    copy = njit(lambda m, k: m[k])(m, rows)
    assert not np.shares_memory(copy, m)


def test_fancy_errors():
    a = np.arange(5.0)
    check(lambda a, k: a[k], a, np.array([True, False]))
    check(lambda a, k: a[k], a, np.array([5]))
    check(lambda a, k: a[k], a, np.array([-6]))
    check(lambda a, k: a[k], np.ones((3, 2)), np.ones((2, 2), bool))


# --- assignment -------------------------------------------------------------------------------

def set_scalar_slice(a):
    a[1:3] = 0.0
    a[::-3] = 7
    return a


def set_column(m, v):
    m[:, 0] = v
    return m


def set_rows_from_other(m, o):
    m[1:, :] = o[:-1, :]
    return m


def set_overlapping_rows(m):
    m[1:, :] = m[:-1, :]
    return m


def set_overlapping_reversed(a):
    a[:] = a[::-1]
    return a


def set_broadcast_row(m, v):
    m[...] = v
    m[::2] = v[::-1]
    return m


def set_mask(a, k):
    a[k] = 0
    return a


def set_values(a, k, v):
    a[k] = v
    return a


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_assignment_every_dtype(dtype):
    for a in layouts_1d(dtype).values():
        a = a.copy(order="K") if a.base is None else a  # views of a fresh base are fine
        check(set_scalar_slice, a.copy())
        check(set_overlapping_reversed, a.copy())
        check(set_mask, a.copy(), np.arange(len(a)) % 2 == 0)
        if len(a):
            check(set_values, a.copy(), np.array([0, -1, 0]), np.arange(3).astype(dtype))


@pytest.mark.parametrize("name", ["C", "F", "strided", "one_row"])
def test_assignment_2d(name):
    m = layouts_2d()[name]
    check(set_column, m.copy(), np.arange(float(m.shape[0])))
    check(set_column, m.copy(), np.float32(2.5))
    check(set_rows_from_other, m.copy(), m + 100)
    check(set_overlapping_rows, m.copy())
    check(set_broadcast_row, m.copy(), np.arange(float(m.shape[1])))
    check(set_mask, m.copy(), m > 5)
    check(set_values, m.copy(), np.array([0, 0, -1])[:m.shape[0]], np.float64(9))
    check(set_values, m.copy(), np.array([0, -1])[:m.shape[0]], np.arange(float(m.shape[1])))


def test_overlapping_views_of_one_base():
    def shift(base):
        a = base[1:]
        b = base[:-1]
        a[:] = b
        return base

    def shift_back(base):
        base[:-1] = base[1:]
        return base

    for fn in (shift, shift_back):
        check(fn, np.arange(10.0))
        check(fn, np.arange(10.0)[::-1])


def test_assignment_errors():
    check(set_column, np.zeros((4, 3)), np.arange(3.0))
    check(set_values, np.zeros(6), np.ones(6, bool), np.arange(3.0))
    check(set_values, np.zeros(6), np.ones(6, bool), np.arange(1.0))
    check(set_broadcast_row, np.zeros((3, 4)), np.arange(3.0))
    check(set_values, np.zeros(6), np.array([7]), 1.0)


def test_mask_values_from_the_array_itself():
    def compact(a, k):
        a[k] = a[::-1][k]
        return a

    check(compact, np.arange(8.0), np.arange(8) % 3 == 0)


# --- read-only arrays -------------------------------------------------------------------------

def readonly(a):
    a = a.copy()
    a.flags.writeable = False
    return a


def write_view(a):
    v = a[1:]
    v[0] = 1.0


def write_mask(a):
    a[np.ones(len(a), np.bool_)] = 0.0


def write_index_array(a):
    a[np.zeros(1, np.int64)] = np.ones(1)


def write_fill(a):
    a.fill(1.0)


def write_flat(a):
    a.flat[0] = 1.0


def write_transposed(a):
    a.T[0] = 1.0


@pytest.mark.parametrize("fn", [set_scalar_slice, write_view, write_mask, write_index_array,
                                write_fill, write_flat, write_transposed],
                         ids=lambda f: f.__name__)
def test_writing_to_read_only_is_a_typing_error(fn):
    with pytest.raises(errors.TypingError, match="read-only array"):
        njit(fn)(readonly(np.arange(4.0)))


def test_read_only_error_points_at_the_line():
    def write(a):
        a[1:3] = 0.0

    with pytest.raises(errors.TypingError) as info:
        njit(write)(readonly(np.arange(4.0)))
    text = str(info.value)
    assert "cannot assign to an element of a read-only array" in text
    assert "in write" in text and "a[1:3] = 0.0" in text and "^" in text
    assert f"line {write.__code__.co_firstlineno + 1}" in text


def test_reading_read_only_views_is_fine():
    check(lambda a: a[::2], readonly(np.arange(5.0)))
    got = njit(lambda a: a[1:])(readonly(np.arange(5.0)))
    assert not got.flags.writeable


def test_index_type_errors():
    with pytest.raises(errors.TypingError, match="too many indices"):
        njit(lambda a: a[1:, 2])(np.zeros(3))
    with pytest.raises(errors.TypingError, match="single ellipsis"):
        njit(lambda a: a[..., ...])(np.zeros(3))
    with pytest.raises(errors.TypingError, match="cannot index"):
        njit(lambda a: a[1.5:])(np.zeros(3))


def test_variable_integers_with_slices():
    def mixed(m, i, j, k):
        return m[i, 1:], m[:, j], m[i:, j:k], m[i, None, j:], m[-i, ::k]

    f = njit(mixed)
    for m in layouts_2d().values():
        if m.shape[0] < 3:
            continue
        for i, j, k in [(0, 0, 1), (2, -1, 3), (-1, 3, -2), (1, 6, 5)]:
            check(mixed, m, i, j, k, compiled=f)
