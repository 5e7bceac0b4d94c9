"""Array attributes and methods against NumPy: T, transpose, copy, reshape, ravel, flatten,
astype, fill, flat, dtype, iteration, len and the size attributes, over dtypes and layouts."""
from __future__ import annotations

import numpy as np
import pytest

from jitcore import errors, njit
from tests.e2e.test_array_indexing import DTYPES, check, layouts_1d, layouts_2d, readonly

pytestmark = pytest.mark.usefixtures("no_leaks")  # native memory balances in every test


def layouts_3d():
    base = np.arange(60.0).reshape(3, 4, 5)
    return {"C": base, "F": np.asfortranarray(base), "strided": base[::2, ::-1, 1::2],
            "empty": base[:, :0]}


ALL_LAYOUTS = [*layouts_1d().values(), *layouts_2d().values(), *layouts_3d().values()]


@pytest.mark.parametrize("k", range(len(ALL_LAYOUTS)))
def test_transpose_copy_ravel_flatten(k):
    a = ALL_LAYOUTS[k]
    for fn in (lambda a: a.T, lambda a: a.transpose(), lambda a: a.copy(),
               lambda a: a.ravel(), lambda a: a.flatten(), lambda a: a.reshape(-1),
               lambda a: a.T.copy(), lambda a: a.T.ravel()):
        check(fn, a)


def test_transpose_axes():
    for m in layouts_2d().values():
        check(lambda m: m.transpose(1, 0), m)
        check(lambda m: m.transpose((0, 1)), m)
        check(lambda m: m.transpose(-1, 0), m)
    for c in layouts_3d().values():
        for axes in [(2, 0, 1), (1, 2, 0), (0, 2, 1), (-1, -3, 1)]:
            check(lambda c, i, j, k: c.transpose(i, j, k), c, *axes)
            check(lambda c, ax: c.transpose(ax), c, axes)
    c = layouts_3d()["C"]
    check(lambda c: c.transpose(0, 0, 1), c)
    check(lambda c: c.transpose(0, 5, 1), c)
    with pytest.raises(errors.TypingError, match="axes don't match array"):
        njit(lambda c: c.transpose(0, 1))(c)


def test_transpose_is_a_view():
    def write(m):
        m.T[1, 0] = -1.0
        return m

    for m in layouts_2d().values():
        if m.shape[0] > 1:
            check(write, m.copy())
    got = njit(lambda m: m.T)(layouts_2d()["C"])
    assert got.flags.f_contiguous and got.base is not None


RESHAPES = [(42,), (6, 7), (7, 6), (-1, 6), (3, -1), (2, 3, 7), (2, -1, 7), (1, 42, 1)]


@pytest.mark.parametrize("name", ["C", "F", "strided"])
def test_reshape(name):
    m = layouts_2d()[name]
    size = m.size
    for shape in RESHAPES:
        shape = tuple(size if s == 42 else s for s in shape)
        if m.size != 42 and any(s not in (-1, 1, size) for s in shape):
            continue
        check(lambda m, s: m.reshape(s), m, shape)
        if len(shape) == 2:
            check(lambda m, i, j: m.reshape(i, j), m, *shape)


def test_reshape_errors():
    m = np.arange(24.0).reshape(4, 6)
    for shape in [(4,), (5, -1), (-1, -1), (7,), (2, 2, 2), (0, -1)]:
        check(lambda m, s: m.reshape(s), m, shape)
    check(lambda m, s: m.reshape(s), np.zeros((0, 3)), (0, -1))
    check(lambda m: m.reshape(-2, 3), np.arange(6.0))


def test_reshape_views_contiguous_and_copies_otherwise():
    def write(m):
        r = m.reshape(-1)
        r[0] = -1.0
        return m

    for m in layouts_2d().values():  # a view writes through exactly when NumPy's does
        if m.size:
            check(write, m.copy(order="K") if m.flags.c_contiguous else m)
    strided = layouts_2d()["strided"]
    before = strided.copy()
    njit(write)(strided)
    assert np.array_equal(strided, before)  # a copy was reshaped: the argument is unchanged


@pytest.mark.parametrize("src", DTYPES, ids=lambda d: d.__name__)
def test_astype_every_pair(src):
    a = (np.arange(-3, 9) % 7).astype(src)
    for dst in DTYPES:
        if np.dtype(src).kind == "c" and np.dtype(dst).kind not in "c":
            continue  # NumPy warns and drops the imaginary part; not compared here
        fn = njit(lambda a: a.astype(dst))
        got, expected = fn(a), a.astype(dst)
        assert got.dtype == expected.dtype and np.array_equal(got, expected)
        got = fn(a[::-2])
        assert np.array_equal(got, a[::-2].astype(dst)) and got.flags.c_contiguous


def test_astype_with_python_types_and_dtype_attribute():
    m = layouts_2d()["F"]
    check(lambda m: m.astype(np.int32), m)
    check(lambda m: m.astype(float), m)
    check(lambda m: m.astype(bool), m)
    check(lambda m, o: m.astype(o.dtype), m, np.zeros(1, np.uint16))
    check(lambda m: np.empty(len(m), m.dtype).dtype == m.dtype, m)
    check(lambda m: np.zeros((2, 3), m.dtype), np.zeros(1, np.complex64))


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_fill(dtype):
    def fill(a, v):
        a.fill(v)
        return a

    for a in [*layouts_1d(dtype).values(), *layouts_2d(dtype).values()]:
        check(fill, a.copy(order="K") if a.base is None else a, dtype(1))
        check(fill, a.copy(), 3)


def flat_sum(a):
    total = 0.0
    k = 0
    for x in a.flat:
        total += x * (k + 1)
        k += 1
    return total, k


def flat_items(a, i):
    return a.flat[i], a.flat[-1 - i]


def flat_write(a, i):
    a.flat[i] = 5
    a.flat[-1] = 6
    return a


@pytest.mark.parametrize("k", range(len(ALL_LAYOUTS)))
def test_flat(k):
    a = ALL_LAYOUTS[k]
    check(flat_sum, a)
    if a.size:
        check(flat_items, a, a.size // 3)
        check(flat_write, a.copy(order="K"), a.size // 2)
    check(flat_items, a, a.size)  # IndexError with NumPy's message


def iterate_rows(m):
    total = 0.0
    count = 0
    for row in m:
        for x in row.flat:
            total += x * (count + 1)
        count += 1
    return total, count


def iterate_items(a):
    out = 0.0
    for x in a:
        out = out * 0.5 + x
    return out


def nested_items(m):
    total = 0.0
    for row in m:
        for x in row:
            total = total * 0.5 + x
    return total


def iterate_and_keep(m):
    last = m[0]
    for row in m:
        last = row
    return last


@pytest.mark.parametrize("k", range(len(ALL_LAYOUTS)))
def test_iteration(k):
    a = ALL_LAYOUTS[k]
    if a.ndim == 1:
        check(iterate_items, a)
    else:
        check(iterate_rows, a)
        if a.ndim == 2:
            check(nested_items, a)
        if len(a):
            check(iterate_and_keep, a)


def test_iteration_over_a_temporary():
    def rows_of_new(n):
        total = 0.0
        for row in np.ones((n, 3)):
            total += row[0] + row[2]
        for x in np.full(n, 2.0):
            total += x
        return total

    check(rows_of_new, 4)
    check(rows_of_new, 0)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_iteration_every_dtype(dtype):
    def items(a):
        out = a[0]
        for x in a:
            out = x
        return out

    a = (np.arange(5) % 3).astype(dtype)
    got, expected = njit(items)(a), items(a)
    assert got == expected and type(got) is type(expected.item())


def test_size_attributes():
    def attrs(a):
        return len(a), a.ndim, a.size, a.itemsize, a.nbytes, a.shape

    for a in ALL_LAYOUTS:
        assert njit(attrs)(a) == attrs(a)
        assert njit(attrs)(a.T) == attrs(a.T)


def test_iterating_a_0d_array_is_a_typing_error():
    def loop(a):
        for x in a:
            return x
        return 0.0

    with pytest.raises(errors.TypingError, match="iteration over a 0-d array"):
        njit(loop)(np.array(1.0))


def test_methods_of_read_only_arrays():
    a = readonly(np.arange(6.0))
    check(lambda a: a.reshape(2, 3), a)
    assert not njit(lambda a: a.reshape(2, 3))(a).flags.writeable
    assert njit(lambda a: a.copy())(a).flags.writeable
    with pytest.raises(errors.TypingError, match="read-only"):
        njit(lambda a: a.fill(0.0))(a)


def everything_on_native_memory(n):
    m = np.zeros((n, 4))
    for i in range(n):
        for j in range(4):
            m[i, j] = i * 4 + j
    total = 0.0
    v = m[1:, ::-1]
    total += v[0, 0] + m[:, 2][1] + m[None, 1][0, 3] + m[..., 0][2]
    mask = np.zeros(n, np.bool_)
    mask[::2] = True
    total += m[mask].sum() if False else m[mask][1, 1]
    idx = np.zeros(2, np.int64)
    idx[1] = n - 1
    total += m[idx][1, 0]
    m[1:, :] = m[:-1, :]
    m[mask] = 1.0
    m[idx] = m[0]
    t = m.T
    total += t[0, 1] + m.transpose(1, 0)[1, 0] + m.copy()[2, 2] + m.reshape(-1)[5]
    total += t.ravel()[3] + t.flatten()[4] + m.astype(np.int32)[2, 1] + t.reshape(2, -1)[1, 1]
    for row in m:
        total += row[0]
    for x in t.flat:
        total += x
    b = m.T.copy()
    b.fill(2.0)
    keep = m[::2]
    return total + b[0, 0], keep


def test_no_leaks_on_native_memory():
    import gc

    import jitcore

    fn = njit(everything_on_native_memory)
    expected = everything_on_native_memory(6)
    before = jitcore.memory_stats()
    for _ in range(200):
        got = fn(6)
    assert got[0] == expected[0] and np.array_equal(got[1], expected[1])
    del got
    gc.collect()
    after = jitcore.memory_stats()
    assert after[0] - before[0] >= 200 * 8  # the test really allocates natively
    assert after[0] - before[0] == after[1] - before[1]
