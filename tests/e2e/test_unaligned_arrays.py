"""Arrays whose data is not aligned to the item size (np.frombuffer(buf, offset=1), as Dask
makes from byte buffers) are typed `unaligned` and computed with alignment-1 accesses."""
from __future__ import annotations

import re

import numpy as np
import pytest

from jitcore import njit, prange
from jitcore.typeinfer import types as t
from jitcore.typeinfer.typeof import typeof


def unaligned(values, shape=None):
    """A writable copy of `values` at an odd address inside a bytearray."""
    values = np.asarray(values)
    dtype = values.dtype
    buf = bytearray(values.nbytes + 1)
    out = np.frombuffer(buf, dtype=dtype, offset=1, count=values.size)
    out[:] = values.ravel()
    out = out.reshape(shape if shape is not None else values.shape)
    assert not out.flags.aligned or values.itemsize == 1
    return out


def test_typeof_marks_unaligned_arrays():
    a = unaligned(np.arange(6.0), shape=(2, 3))
    assert typeof(a) == t.Array(t.float64, 2, "C", aligned=False)
    assert str(typeof(a)) == "array(float64, 2d, C, unaligned)"
    assert typeof(np.arange(3.0)).aligned
    assert typeof(np.frombuffer(bytes(17), np.float64, 2, 1)) == t.Array(
        t.float64, 1, "C", readonly=True, aligned=False)


def test_cache_metadata_keeps_the_alignment():
    from jitcore.caching import decode_type, encode_type

    for ty in (t.Array(t.int32, 2, "A", aligned=False), t.Array(t.float64, 1, "C")):
        assert decode_type(encode_type(ty)) == ty


def loop_sum(a):
    s = 0.0
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            s += a[i, j] * (j + 1)
    return s


def update(a, k):
    a *= k
    a[0, 0] = 7
    return a[:, 1:] + 1, a.sum(), a.T.copy()


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int32, np.int64,
                                   np.complex128, np.uint16])
def test_unaligned_arrays_compute_like_numpy(dtype, no_leaks):
    values = (np.arange(35) % 11).astype(dtype).reshape(5, 7)
    a, b = unaligned(values), values.copy()
    assert njit(loop_sum)(a) == loop_sum(b)
    got, want = njit(update)(a, 3), update(b, 3)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
    np.testing.assert_array_equal(a, b)  # written through the unaligned view


def test_strided_view_of_unaligned_data(no_leaks):
    values = np.arange(40.0).reshape(5, 8)
    a = unaligned(values)[::2, 1::3]
    assert not a.flags.aligned and typeof(a).layout == "A"
    assert njit(loop_sum)(a) == loop_sum(values[::2, 1::3])


def test_aligned_and_unaligned_calls_get_their_own_overloads():
    f = njit(loop_sum)
    values = np.arange(12.0).reshape(3, 4)
    assert f(values) == f(unaligned(values)) == loop_sum(values)
    assert {sig[0].aligned for sig in f.signatures} == {True, False}


def test_element_accesses_use_alignment_one():
    f = njit(loop_sum)
    f(unaligned(np.ones((2, 2))))
    (text,) = f.inspect_llvm().values()
    loads = re.findall(r"= load (?:<\d+ x )?double>?, ptr [^,]*, align (\d+)", text)
    assert loads and set(loads) == {"1"}, loads


def parallel_scale(a, out):
    for i in prange(a.shape[0]):
        out[i] = a[i] * 2.0


def test_prange_over_unaligned_data(no_leaks):
    a = unaligned(np.arange(1001.0))
    out = unaligned(np.zeros(1001))
    njit(parallel=True)(parallel_scale)(a, out)
    np.testing.assert_array_equal(out, np.arange(1001.0) * 2.0)
