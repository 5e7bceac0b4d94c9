"""np.linalg through LAPACK: differential against NumPy over dtypes, layouts, sizes, and the
errors NumPy raises (LinAlgError with its message) or that compiled code raises instead."""
from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from jitcore import njit
from jitcore.errors import TypingError


@njit
def solve(a: Any, b: Any) -> Any:
    return np.linalg.solve(a, b)


@njit
def inv(a: Any) -> Any:
    return np.linalg.inv(a)


@njit
def det(a: Any) -> Any:
    return np.linalg.det(a)


@njit
def slogdet(a: Any) -> Any:
    return np.linalg.slogdet(a)


@njit
def cholesky(a: Any) -> Any:
    return np.linalg.cholesky(a)


@njit
def eigh(a: Any) -> Any:
    return np.linalg.eigh(a)


@njit
def eigvalsh(a: Any) -> Any:
    return np.linalg.eigvalsh(a)


DTYPES = [np.float64, np.float32, np.complex128, np.int64]


def _tol(dtype: Any) -> dict[str, float]:
    single = np.dtype(dtype) in (np.float32, np.complex64)
    return {"rtol": 1e-4, "atol": 1e-4} if single else {"rtol": 1e-10, "atol": 1e-10}


def _matrix(n: int, dtype: Any, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    m = rng.integers(-5, 6, (n, n)) + n * np.eye(n, dtype=np.int64)
    if np.dtype(dtype).kind == "c":
        return (m + 1j * rng.integers(-3, 4, (n, n))).astype(dtype)
    return m.astype(dtype)


def _layouts(a: np.ndarray) -> list[np.ndarray]:
    """C, F and strided views of the same values."""
    strided = np.zeros((a.shape[0] * 2, a.shape[1] * 3), a.dtype)[::2, ::3]
    strided[...] = a
    return [a, np.asfortranarray(a), strided]


def _same(got: Any, want: Any, dtype: Any) -> None:
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype or want.ndim == 0  # scalars come back as Python numbers
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, **_tol(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [0, 1, 4, 9])
def test_solve_inv_det_against_numpy(dtype: Any, n: int, no_leaks: Any) -> None:
    base = _matrix(n, dtype)
    rhs = np.arange(n * 2).reshape(n, 2).astype(dtype)
    for a in _layouts(base):
        _same(solve(a, rhs), np.linalg.solve(a, rhs), dtype)
        _same(solve(a, rhs[:, 0]), np.linalg.solve(a, rhs[:, 0]), dtype)
        _same(inv(a), np.linalg.inv(a), dtype)
        _same(det(a), np.linalg.det(a), dtype)
        sign, logdet = slogdet(a)
        want_sign, want_log = np.linalg.slogdet(a)
        _same(sign, want_sign, dtype)
        _same(logdet, want_log, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [0, 1, 5])
def test_hermitian_routines_against_numpy(dtype: Any, n: int, no_leaks: Any) -> None:
    m = _matrix(n, dtype, seed=3)
    spd = m @ m.conj().T + n * np.eye(n, dtype=dtype)
    for a in _layouts(spd):
        _same(cholesky(a), np.linalg.cholesky(a), dtype)
        _same(eigvalsh(a), np.linalg.eigvalsh(a), dtype)
        w, v = eigh(a)
        want_w, want_v = np.linalg.eigh(a)
        _same(w, want_w, dtype)
        assert v.dtype == want_v.dtype and v.shape == want_v.shape
        # eigenvectors are unique up to a phase: check a v = v diag(w) instead
        np.testing.assert_allclose(a @ v, v * w, **_tol(dtype) | {"atol": 1e-3})


def test_singular_matrices_raise_as_numpy(no_leaks: Any) -> None:
    singular = np.array([[1.0, 2.0], [2.0, 4.0]])
    for fn, args in ((solve, (singular, np.ones(2))), (inv, (singular,))):
        with pytest.raises(np.linalg.LinAlgError, match="^Singular matrix$"):
            fn(*args)
    assert det(singular) == np.linalg.det(singular) == 0.0
    assert slogdet(singular) == (0.0, -np.inf)
    with pytest.raises(np.linalg.LinAlgError, match="^Matrix is not positive definite$"):
        cholesky(-np.eye(3))


def test_non_square_matrices_raise_as_numpy(no_leaks: Any) -> None:
    rect = np.ones((2, 3))
    for fn in (inv, det, cholesky, eigvalsh):
        with pytest.raises(np.linalg.LinAlgError,
                           match="^Last 2 dimensions of the array must be square$"):
            fn(rect)


def test_one_and_three_dimensional_inputs_are_refused() -> None:
    with pytest.raises(TypingError, match="1-dimensional array given. Array must be at least "
                       "two-dimensional"):
        inv(np.ones(3))
    with pytest.raises(TypingError, match="one matrix \\(2-d\\) at a time"):
        det(np.ones((2, 3, 3)))


def test_mixed_dtypes_are_refused_with_advice() -> None:
    with pytest.raises(TypingError, match="(?s)same dtype .*astype"):
        solve(np.eye(2, dtype=np.float32), np.ones(2))


def test_solve_leaves_its_inputs_alone(no_leaks: Any) -> None:
    a, b = _matrix(4, np.float64), np.arange(4.0)
    a0, b0 = a.copy(), b.copy()
    solve(a, b)
    np.testing.assert_array_equal(a, a0)
    np.testing.assert_array_equal(b, b0)
