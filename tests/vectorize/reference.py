"""The reference for ufunc tests: the Python kernel applied element by element.

    expected = elementwise(f, f.py_func, a, b)    # the dtypes of the loop NumPy picks for f

Inputs are broadcast, converted to the input types of the loop NumPy resolves
for them, and the kernel runs on NumPy scalars of those types; the result has
the loop's output type.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np


def elementwise(ufunc: Any, py_func: Callable[..., Any], *args: Any) -> Any:
    arrays = [np.asarray(a) for a in args]
    loop = ufunc.resolve_dtypes(tuple(a.dtype for a in arrays) + (None,))
    ins = [a.astype(dt) for a, dt in zip(arrays, loop[:-1])]
    shape = np.broadcast_shapes(*(a.shape for a in ins))
    out = np.empty(shape, loop[-1])
    views = [np.broadcast_to(a, shape) for a in ins]
    with np.errstate(all="ignore"):
        for index in np.ndindex(shape):
            out[index] = py_func(*(v[index] for v in views))
    return out if shape else out[()]


def assert_same(got: Any, expected: Any, rtol: float = 1e-13) -> None:
    """Same type (array or NumPy scalar), dtype, shape and values (nan equals nan)."""
    assert type(got) is type(expected), (type(got), type(expected))
    got_a, exp_a = np.asarray(got), np.asarray(expected)
    assert got_a.dtype == exp_a.dtype, (got_a.dtype, exp_a.dtype)
    assert got_a.shape == exp_a.shape, (got_a.shape, exp_a.shape)
    if exp_a.dtype.kind in "fc":
        np.testing.assert_allclose(got_a, exp_a, rtol=rtol, atol=0, equal_nan=True)
    else:
        np.testing.assert_array_equal(got_a, exp_a)


SHAPES = [((5,), (5,)), ((3, 1), (4,)), ((2, 3, 4), (3, 1)), ((0,), (0,)), ((0, 3), (3,)),
          ((), ()), ((7,), ()), ((1, 5), (4, 1))]


def sample(dtype: Any, shape: tuple[int, ...], seed: int) -> np.ndarray:
    """Small values of `dtype` (sums and products stay exact in every integer type)."""
    rng = np.random.default_rng(seed)
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return rng.integers(0, 2, shape).astype(bool)
    low = -4 if dtype.kind in "ifc" else 0
    out = rng.integers(low, 5, shape).astype(dtype)
    if dtype.kind in "fc":
        out = out + (rng.integers(1, 4, shape) / 4).astype(dtype)
    if dtype.kind == "c":
        out = out + 1j * rng.integers(-2, 3, shape).astype(dtype)
    return np.asarray(out, dtype)


def layouts(a: np.ndarray) -> Iterator[np.ndarray]:
    """`a` itself, Fortran-ordered, and as a strided reversed view of a bigger array."""
    yield a
    if a.ndim > 1:
        yield np.asfortranarray(a)
    if a.ndim:
        yield np.repeat(a, 2, axis=0)[::-2]
