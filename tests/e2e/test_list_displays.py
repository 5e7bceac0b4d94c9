"""List displays (`[a, b]`) read as sequences, and np.asarray: compiled against CPython.

A display is compiled as the tuple of its items (jitcore/listdisplays.py); every use a
tuple could not stand for is refused at compile time, at that use.
"""
from __future__ import annotations

import numpy as np
import pytest

from jitcore import njit
from jitcore.frontend.errors import UnsupportedError


def same(fn, *args):
    expected = fn(*[a.copy() if isinstance(a, np.ndarray) else a for a in args])
    assert_same(njit(fn)(*args), expected)


def assert_same(got, expected):
    if isinstance(expected, tuple):
        assert isinstance(got, tuple) and len(got) == len(expected)
        for g, e in zip(got, expected):
            assert_same(g, e)
    elif isinstance(expected, np.ndarray):
        assert isinstance(got, np.ndarray) and got.dtype == expected.dtype
        np.testing.assert_array_equal(got, expected, strict=True)
    else:  # a float64 result comes back as a Python float, as from Numba
        assert got == expected
        assert np.asarray(got).dtype.kind == np.asarray(expected).dtype.kind


def constant_floats():
    return np.array([1.0, 2.0, 3.0, 4.5])  # BUILD_LIST 0, LOAD_CONST (...), LIST_EXTEND


def mixed_items(x, k):
    return np.array([x, k, 2 * x, 1])


def nested_with_dtype(x):
    return np.array([[1, 2, 3], [x, x + 1, x + 2]], dtype=np.float32)


def shapes_as_lists(n, m):
    return np.zeros([n, m]).shape, np.ones([m]).sum(), np.full([2, n], 7).sum(), \
        np.empty([n, m, 1]).ndim


def joined(a, b):
    return np.concatenate([a, b, a]), np.stack([a, b]), np.stack([a, b, a], axis=1)


def iterated(x):
    total = 0.0
    for k in [1, 2, 4, 8]:
        total += k * x
    return total


def membership_and_len(x, i):
    return x in [1, 2, 3], x not in [1.5, 2.5], len([x, x, x]), [x, 2 * x, 3 * x][i]


def carried_through_a_branch(x):
    coefficients = [x, 1.0, -x]
    if x > 0:
        x = x * 2
    return np.array(coefficients).sum() + x


def unpacked():
    a, b, c = [1, 2.5, 3]
    return a + b * c


def asarray_kinds(a, b):
    same_array = np.asarray(a)
    same_array[0] = 42.0  # NumPy returns `a` itself
    return np.asarray(a, dtype=np.float32), np.asarray(b), np.asarray([1, 2.5]), \
        np.asarray(((1, 2), (3, 4)), dtype=np.int8)


@pytest.mark.parametrize("fn, args", [
    (constant_floats, ()),
    (mixed_items, (0.5, 3)),
    (mixed_items, (np.float32(1.5), np.int16(-2))),
    (nested_with_dtype, (7,)),
    (shapes_as_lists, (2, 3)),
    (shapes_as_lists, (0, 4)),
    (iterated, (1.25,)),
    (membership_and_len, (2, 1)),
    (membership_and_len, (2.5, -1)),
    (carried_through_a_branch, (3.0,)),
    (carried_through_a_branch, (-3.0,)),
    (unpacked, ()),
])
def test_against_cpython(fn, args):
    same(fn, *args)


@pytest.mark.parametrize("dtype", [np.float64, np.int32, np.uint8, np.complex64])
def test_joins_against_cpython(dtype):
    a, b = np.arange(3).astype(dtype), np.arange(3, 6).astype(dtype)
    expected, got = joined(a, b), njit(joined)(a, b)
    for e, g in zip(expected, got):
        np.testing.assert_array_equal(g, e, strict=True)


def test_asarray_against_cpython():
    a, b = np.arange(4.0), np.arange(6).reshape(2, 3)[:, ::-1]
    py_a = a.copy()
    expected, got = asarray_kinds(py_a, b), njit(asarray_kinds)(a, b)
    np.testing.assert_array_equal(a, py_a)  # both wrote 42 through the same array
    assert a[0] == 42.0
    for e, g in zip(expected, got):
        np.testing.assert_array_equal(g, e, strict=True)


def returned(x):
    return [x, 1.0]


def appended(x):
    xs = [x]
    xs.append(2.0)
    return len(xs)


def assigned(x):
    xs = [x, 2.0]
    xs[0] = 3.0
    return xs[0]


def fancy_index(a):
    return a[[0, 1]]  # rows 0 and 1: not a[(0, 1)], one element


def list_axis(a):
    return np.sum(a, axis=[0])  # a TypeError in NumPy


def concatenated(x):
    return len([x] + [x])


def repeated(x):
    return len(2 * [x])


@njit
def takes_a_sequence(seq):
    return len(seq)


def passed_to_a_jitted_function(x):
    return takes_a_sequence([x, x])


def extended_at_run_time(a):
    xs = [1.0]
    xs.extend(a)
    return len(xs)


def unpacked_into_a_list(a):
    return np.array([*a])  # BUILD_LIST 0, LIST_EXTEND of a run-time value


def test_lists_built_at_run_time_are_refused():
    with pytest.raises(UnsupportedError) as info:
        njit(unpacked_into_a_list)((1.0, 2.0))
    text = str(info.value)
    assert text.startswith("lists are not supported yet, except list displays such as "
                           "[a, b, 1.0]")
    assert "return np.array([*a])" in text and "use a tuple or a NumPy array" in text


@pytest.mark.parametrize("fn, args, where", [
    (returned, (1.0,), "return [x, 1.0]"),
    (appended, (1.0,), "xs.append(2.0)"),
    (assigned, (1.0,), "xs[0] = 3.0"),
    (fancy_index, (np.ones((3, 3)),), "a[[0, 1]]"),
    (list_axis, (np.ones(3),), "np.sum(a, axis=[0])"),
    (concatenated, (1.0,), "[x] + [x]"),
    (repeated, (1.0,), "2 * [x]"),
    (passed_to_a_jitted_function, (1.0,), "takes_a_sequence([x, x])"),
    (extended_at_run_time, (np.ones(2),), "xs.extend(a)"),
])
def test_other_uses_are_refused_at_the_use(fn, args, where):
    with pytest.raises(UnsupportedError) as info:
        njit(fn)(*args)
    text = str(info.value)
    assert "lists are not supported yet" in text and "use a tuple or a NumPy array" in text
    assert where in text, text
