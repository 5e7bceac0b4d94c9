"""Helpers for differential tests against NumPy: sample arrays and result comparison.

    for a in layouts(values(np.int8, (3, 4))): ...      # C, F, strided/reversed, 0-size
    assert_np_same(got, expected, result_type)           # values and dtypes
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from jitcore.typeinfer.typeof import typeof

DTYPES = [np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32,
          np.uint64, np.float32, np.float64, np.complex64, np.complex128]
REAL = [d for d in DTYPES if not np.issubdtype(d, np.complexfloating)]


def values(dtype: Any, shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    """Small values of `dtype` (products stay exact); floats get a fractional part."""
    rng = np.random.default_rng(seed)
    size = int(np.prod(shape))
    if dtype is np.bool_:
        return rng.integers(0, 2, size).astype(bool).reshape(shape)
    raw = rng.integers(-3 if np.issubdtype(dtype, np.signedinteger) else 0, 4, size)
    out = raw.astype(dtype)
    if np.issubdtype(dtype, np.inexact):
        out = out + (rng.integers(0, 4, size) / 4).astype(dtype)
    if np.issubdtype(dtype, np.complexfloating):
        out = out + 1j * rng.integers(-2, 3, size).astype(dtype)
    return out.reshape(shape).astype(dtype)


def layouts(a: np.ndarray) -> Iterator[np.ndarray]:
    """`a` as C, F and non-contiguous (reversed, every other) arrays with equal shapes."""
    yield np.ascontiguousarray(a)
    if a.ndim > 1:
        yield np.asfortranarray(a)
    big = np.repeat(a, 2, axis=0)[::-2] if a.ndim else a
    yield big if a.ndim else a  # strided and reversed along axis 0


def result_type(dispatcher: Any, *args: Any) -> Any:
    """The compiled return type for these arguments."""
    return dispatcher.overloads[tuple(typeof(a) for a in args)].signature.return_type


def tol(dtype: Any) -> float:
    return 1e-5 if np.dtype(dtype) in (np.float32, np.complex64) else 1e-12


def assert_np_same(got: Any, expected: Any, rtol: float = 1e-12, ret: Any = None) -> None:
    """Arrays: same shape, dtype, values (nan == nan); scalars: same value and dtype name."""
    if isinstance(expected, np.ndarray):
        assert isinstance(got, np.ndarray), f"got {got!r}, expected an array"
        assert got.dtype == expected.dtype, f"dtype {got.dtype}, expected {expected.dtype}"
        assert got.shape == expected.shape, f"shape {got.shape}, expected {expected.shape}"
    else:
        expected = np.asarray(expected)
        if ret is not None:
            assert str(ret) == str(expected.dtype).replace("bool", "bool"), (
                f"type {ret}, expected {expected.dtype}")
    if np.asarray(expected).dtype.kind in "fc":
        assert np.allclose(got, expected, rtol=rtol, atol=0, equal_nan=True), (got, expected)
    else:
        assert np.array_equal(got, expected), (got, expected)
