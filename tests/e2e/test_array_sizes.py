"""Array sizes past int64: NumPy's ValueError or MemoryError, never a tiny buffer.

Shapes whose byte size wraps around once let a small allocation carry a giant
shape (a segfault or heap corruption later). Every case compares the exception
type and message with NumPy's, or the values where NumPy succeeds.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from jitcore import njit


def _outcome(f: Any, args: tuple[Any, ...]) -> tuple[Any, ...]:
    try:
        out = f(*args)
    except Exception as exc:  # noqa: BLE001 - compared below
        return type(exc), str(exc)
    return "ok", out.dtype, out.shape, out.ravel()[:6].tolist()


CASES = [
    ("arange", lambda n: np.arange(n), (2**61,)),
    ("eye", lambda n: np.eye(n), (2**31,)),
    ("identity", lambda n: np.identity(n), (2**32,)),
    ("linspace", lambda n: np.linspace(0, 1, n), (2**61,)),
    ("full", lambda n: np.full((n, 2), 1.5), (2**60 + 1,)),
    ("empty_int8", lambda n: np.empty((n, 4), np.int8), (2**62 + 1,)),
    ("zeros_square", lambda n: np.zeros((n, n)), (2**32,)),
    ("ones_3d", lambda n: np.ones((n, n, n), np.uint8), (2**22,)),
    ("zero_dim_still_checked", lambda n: np.empty((0, n, n)), (2**62,)),
    ("zeros_like_shape", lambda n: np.zeros((n, 3), np.complex128), (2**59,)),
    ("arange_inf", lambda x: np.arange(0, x), (np.inf,)),
    ("arange_huge_float", lambda x: np.arange(0.0, x, 1e-300), (1e300,)),
    ("arange_full_int_range", lambda a, b: np.arange(a, b), (-2**63, 2**63 - 1)),
    ("arange_wide_step", lambda a, b: np.arange(a, b, 2**62), (-2**63, 2**63 - 1)),
    ("arange_wide_negative_step", lambda a, b: np.arange(a, b, -2**62), (2**63 - 1, -2**63)),
    ("arange_negative_step", lambda a, b: np.arange(a, b, -3), (10, -5)),
    ("arange_empty", lambda a, b: np.arange(a, b, 2), (10, -5)),
    ("reshape_wraps_to_zero", lambda n: np.ones(0).reshape(n, 4, 0), (2**62,)),
    ("reshape_wraps", lambda n: np.ones(4).reshape(n, 2**2, 2**62), (2**2,)),
    ("negative_dimension", lambda n: np.zeros((3, n)), (-1,)),
]


@pytest.mark.parametrize("name, f, args", CASES, ids=[c[0] for c in CASES])
def test_size_matches_numpy(name, f, args, no_leaks):
    assert _outcome(njit(f), args) == _outcome(f, args)


@pytest.mark.parametrize("n", [2**62, 2**63 - 1, 2**63 - 100])
def test_unallocatable_is_memory_error(n, no_leaks):
    with pytest.raises(MemoryError, match="Unable to allocate .* data type int8"):
        np.empty(n, np.int8)
    with pytest.raises(MemoryError, match=f"Unable to allocate {n} bytes .* data type int8"):
        njit(lambda k: np.empty(k, np.int8))(n)


def test_too_big_names_the_problem(no_leaks):
    with pytest.raises(ValueError, match="array is too big"):
        njit(lambda n: np.empty((n, n, n, n)))(2**16)
    # the same function still works for sizes that fit
    assert njit(lambda n: np.empty((n, 2)).shape)(3) == (3, 2)
