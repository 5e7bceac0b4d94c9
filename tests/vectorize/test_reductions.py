"""reduce, accumulate, outer, reduceat, at and identity= come from NumPy: compare with its
ufuncs."""
from __future__ import annotations

import numpy as np
import pytest

from jitcore import vectorize

from .reference import assert_same, sample

SIGS = ["int64(int64, int64)", "float64(float64, float64)"]


@vectorize(SIGS, identity=0)
def vadd(a, b):
    return a + b


@vectorize(SIGS, identity=1)
def vmul(a, b):
    return a * b


@vectorize(SIGS, identity="reorderable")
def vmax(a, b):
    return max(a, b)


@vectorize(SIGS)
def vsub(a, b):
    return a - b


@vectorize(["float64(float64, float64)"], identity=-np.inf)
def vmax_inf(a, b):
    return max(a, b)


PAIRS = [(vadd, np.add), (vmul, np.multiply), (vmax, np.maximum), (vsub, np.subtract)]


def inputs():
    for dtype in ("int64", "float64"):
        x = sample(dtype, (3, 4, 5), 3)
        yield x
        yield x[:, ::-2, 1:]
        yield np.asfortranarray(x)


@pytest.mark.parametrize(("ours", "theirs"), PAIRS, ids=[p[1].__name__ for p in PAIRS])
def test_reduce_and_accumulate_match_numpy(ours, theirs):
    for x in inputs():
        for axis in (0, 1, 2, -1):
            assert_same(ours.reduce(x, axis=axis), theirs.reduce(x, axis=axis))
            assert_same(ours.accumulate(x, axis=axis), theirs.accumulate(x, axis=axis))
            assert_same(ours.reduce(x, axis=axis, keepdims=True),
                        theirs.reduce(x, axis=axis, keepdims=True))
        assert_same(ours.reduce(x, axis=0, initial=3), theirs.reduce(x, axis=0, initial=3))
        index = [0, x.shape[1] - 1, 1]
        assert_same(ours.reduceat(x, index, axis=1), theirs.reduceat(x, index, axis=1))
        if theirs is not np.subtract:  # reorderable: several axes at once
            assert_same(ours.reduce(x, axis=None), theirs.reduce(x, axis=None))
            assert_same(ours.reduce(x, axis=(0, 2)), theirs.reduce(x, axis=(0, 2)))


def test_outer_and_at_match_numpy():
    for dtype in ("int64", "float64"):
        a, b = sample(dtype, (3,), 1), sample(dtype, (2, 4), 2)
        for ours, theirs in PAIRS:
            assert_same(ours.outer(a, b), theirs.outer(a, b))
            x1 = sample(dtype, (6,), 4)
            x2 = x1.copy()
            index = np.array([0, 1, 1, 5, 0])
            ours.at(x1, index, sample(dtype, (5,), 5))
            theirs.at(x2, index, sample(dtype, (5,), 5))
            assert_same(x1, x2)


def test_identity():
    assert (vadd.identity, vmul.identity, vmax.identity, vsub.identity) == (0, 1, None, None)
    assert vmax_inf.identity == -np.inf
    empty = np.empty((0,), np.float64)
    assert_same(vadd.reduce(empty), np.float64(0.0))
    assert_same(vmul.reduce(empty.astype(np.int64)), np.int64(1))
    assert_same(vmax_inf.reduce(empty), np.float64(-np.inf))
    assert_same(vadd.reduce(np.ones((0, 3)), axis=0), np.zeros(3))
    for ours, theirs in ((vmax, np.maximum), (vsub, np.subtract)):
        with pytest.raises(ValueError) as ours_error:
            ours.reduce(empty)
        with pytest.raises(ValueError) as numpy_error:
            theirs.reduce(empty)
        assert str(ours_error.value) == str(numpy_error.value).replace(theirs.__name__,
                                                                       ours.__name__)
    with pytest.raises(ValueError, match="vsub"):  # not reorderable: one axis only
        vsub.reduce(np.ones((2, 2)), axis=(0, 1))
    x = np.arange(12.0).reshape(3, 4)
    where = np.array([True, False, True, True])
    assert_same(vadd.reduce(x, axis=1, where=where), np.add.reduce(x, axis=1, where=where))
