"""0-d arrays in arithmetic and ufuncs give scalars, as NumPy's do; in-place updates and
anything with a higher-rank operand still give arrays."""
from __future__ import annotations

import numpy as np
import pytest

from jitcore import njit


def _same(got, expected):
    if isinstance(expected, np.ndarray):
        return isinstance(got, np.ndarray) and got.shape == expected.shape and \
            got.dtype == expected.dtype and np.array_equal(got, expected)
    return not isinstance(got, np.ndarray) and got == expected and \
        np.asarray(got).dtype.kind == np.asarray(expected).dtype.kind


def iadd(a, x):
    a += 3
    return a


CASES = [
    ("add_scalar", lambda a, x: a + x),
    ("scalar_sub", lambda a, x: x - a),
    ("mul_int", lambda a, x: a * 2),
    ("neg", lambda a, x: -a),
    ("both_0d", lambda a, x: a + a),
    ("ufunc", lambda a, x: np.sqrt(a)),
    ("binary_ufunc", lambda a, x: np.maximum(a, x)),
    ("compare", lambda a, x: a > x),
    ("nested", lambda a, x: (a + x) * a - 1.0),
    ("with_1d", lambda a, x: a + np.ones(3)),
    ("where_stays_array", lambda a, x: np.where(a > x, a, x)),
    ("inplace_stays_array", iadd),
]


@pytest.mark.parametrize("name, f", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("arr", [np.array(2.5), np.array(7, np.int32)], ids=["f8", "i4"])
def test_zero_d_matches_numpy(name, f, arr, no_leaks):
    expected = f(arr.copy(), 1.0)
    got = njit(f)(arr.copy(), 1.0)
    assert _same(got, expected), (got, expected)
