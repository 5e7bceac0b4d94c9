"""np.linalg through LAPACK: differential against NumPy over dtypes, layouts, sizes, and the
errors NumPy raises (LinAlgError with its message) or that compiled code raises instead."""
from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

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
    """C, F and strided views of the same values (C and strided only for dtypes other than
    float64: the copy into LAPACK's F-ordered temporary does not depend on the dtype, and
    each layout is one more compilation per function)."""
    strided = np.zeros((a.shape[0] * 2, a.shape[1] * 3), a.dtype)[::2, ::3]
    strided[...] = a
    if a.dtype != np.float64:
        return [a, strided]
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


@njit
def svd(a: Any, full: bool) -> Any:
    return np.linalg.svd(a, full)


@njit
def svdvals(a: Any) -> Any:
    return np.linalg.svdvals(a)


@njit
def qr_all(a: Any) -> Any:
    return np.linalg.qr(a), np.linalg.qr(a, "complete"), np.linalg.qr(a, mode="r")


@njit
def lstsq(a: Any, b: Any) -> Any:
    return np.linalg.lstsq(a, b)


@njit
def lstsq_rcond(a: Any, b: Any, rcond: float) -> Any:
    return np.linalg.lstsq(a, b, rcond=rcond)


@njit
def svd_family(a: Any) -> Any:
    return (np.linalg.pinv(a), np.linalg.pinv(a, 0.5), np.linalg.matrix_rank(a),
            np.linalg.matrix_rank(a, 0.5), np.linalg.cond(a))


@njit
def matrix_power(a: Any, n: int) -> Any:
    return np.linalg.matrix_power(a, n)


def _rect(shape: tuple[int, int], dtype: Any, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    m = rng.integers(-5, 6, shape)
    if np.dtype(dtype).kind == "c":
        return (m + 1j * rng.integers(-3, 4, shape)).astype(dtype)
    return m.astype(dtype)


SHAPES = [(4, 3), (3, 5), (3, 3), (1, 1), (0, 3), (3, 0)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_svd_and_qr_against_numpy(dtype: Any, shape: tuple[int, int], no_leaks: Any) -> None:
    for a in _layouts(_rect(shape, dtype)):
        want_s = np.linalg.svd(a, compute_uv=False)
        _same(svdvals(a), want_s, dtype)
        for full in (True, False):
            u, s, vh = svd(a, full)
            want_u, _, want_vh = np.linalg.svd(a, full)
            assert (u.shape, vh.shape, u.dtype) == (want_u.shape, want_vh.shape, want_u.dtype)
            _same(s, want_s, dtype)
            k = len(s)  # singular vectors are unique up to a phase: rebuild a instead
            np.testing.assert_allclose((u[:, :k] * s) @ vh[:k], a, **_tol(dtype) | {
                "atol": 1e-3})
        (q1, r1), (q2, r2), r3 = qr_all(a)
        want_q1, want_r1 = np.linalg.qr(a)
        want_q2, want_r2 = np.linalg.qr(a, "complete")
        for got, want in ((q1, want_q1), (r1, want_r1), (q2, want_q2), (r2, want_r2),
                          (r3, np.linalg.qr(a, "r"))):
            _same(got, want, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(4, 3), (3, 5), (3, 3), (4, 0)])
def test_lstsq_against_numpy(dtype: Any, shape: tuple[int, int], no_leaks: Any) -> None:
    a = _rect(shape, dtype)
    rhs = _rect((shape[0], 2), dtype, seed=2)
    for b in (rhs, rhs[:, 0], np.asfortranarray(rhs)):
        for got, want in zip(lstsq(a, b), np.linalg.lstsq(a, b)):
            _same(got, want, dtype)
    for got, want in zip(lstsq_rcond(a, rhs, 0.5), np.linalg.lstsq(a, rhs, rcond=0.5)):
        _same(got, want, dtype)


def test_lstsq_residuals_of_an_overdetermined_system() -> None:
    a = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    x, resid, rank, s = lstsq(a, np.array([1.0, 1.0, 0.0]))
    want = np.linalg.lstsq(a, np.array([1.0, 1.0, 0.0]))
    np.testing.assert_allclose(resid, want[1])
    assert rank == want[2] == 2
    with pytest.raises(np.linalg.LinAlgError, match="^Incompatible dimensions$"):
        lstsq(a, np.ones(2))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(4, 3), (3, 5), (3, 3)])
def test_pinv_rank_cond_against_numpy(dtype: Any, shape: tuple[int, int],
                                      no_leaks: Any) -> None:
    a = _rect(shape, dtype)
    pinv, pinv_half, rank, rank_half, cond = svd_family(a)
    _same(pinv, np.linalg.pinv(a), dtype)
    _same(pinv_half, np.linalg.pinv(a, 0.5), dtype)
    assert rank == np.linalg.matrix_rank(a)
    assert rank_half == np.linalg.matrix_rank(a, 0.5)
    np.testing.assert_allclose(cond, np.linalg.cond(a), rtol=1e-4)


def test_rank_of_a_singular_matrix_and_empty_pinv() -> None:
    singular = np.array([[1.0, 2.0], [2.0, 4.0]])
    assert svd_family(singular)[2] == np.linalg.matrix_rank(singular) == 1
    empty = np.ones((0, 3))
    with pytest.raises(np.linalg.LinAlgError, match="^cond is not defined on empty arrays$"):
        svd_family(empty)
    assert pinv(empty).shape == np.linalg.pinv(empty).shape == (3, 0)


@njit
def pinv(a: Any) -> Any:
    return np.linalg.pinv(a)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [0, 1, 2, 5, 6, -1, -3])
def test_matrix_power_against_numpy(dtype: Any, n: int, no_leaks: Any) -> None:
    a = _matrix(3, dtype)
    if n < 0 and np.dtype(dtype).kind == "i":
        with pytest.raises(TypeError, match="convert it with .astype"):
            matrix_power(a, n)
        return
    _same(matrix_power(a, n), np.linalg.matrix_power(a, n), dtype)


def test_qr_mode_must_be_a_known_constant() -> None:
    @njit
    def raw(a: Any) -> Any:
        return np.linalg.qr(a, "raw")

    with pytest.raises(TypingError, match="mode must be a constant 'reduced', 'complete'"):
        raw(np.eye(2))


def test_compute_uv_is_refused_with_a_pointer_to_svdvals() -> None:
    @njit
    def values(a: Any) -> Any:
        return np.linalg.svd(a, compute_uv=False)

    with pytest.raises(TypingError, match="compute_uv"):
        values(np.eye(2))


@njit
def eig_both(a: Any) -> Any:
    return np.linalg.eig(a), np.linalg.eigvals(a)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [0, 1, 3])
def test_eig_against_numpy(dtype: Any, n: int, no_leaks: Any) -> None:
    sym = np.array([[2, 1, 0], [1, 3, 1], [0, 1, 4]])[:n, :n]  # real eigenvalues
    base = (sym + 1j * np.triu(sym, 1)).astype(dtype) if np.dtype(dtype).kind == "c" else \
        sym.astype(dtype)
    for a in _layouts(base):
        (w, v), values = eig_both(a)
        want_w, want_v = np.linalg.eig(a)
        assert (w.dtype, v.dtype, v.shape) == (want_w.dtype, want_v.dtype, want_v.shape)
        _same(np.sort_complex(w), np.sort_complex(want_w), dtype)
        _same(values, w, dtype)
        np.testing.assert_allclose(a @ v, v * w, **_tol(dtype) | {"atol": 1e-4})


def test_eig_of_a_real_matrix_with_complex_eigenvalues_says_what_to_do() -> None:
    rotation = np.array([[0.0, -1.0], [1.0, 0.0]])
    with pytest.raises(ValueError, match="has complex eigenvalues.*astype\\(np.complex128\\)"):
        eig_both(rotation)
    (w, _), _ = eig_both(rotation.astype(np.complex128))
    np.testing.assert_allclose(np.sort(w.imag), [-1.0, 1.0], atol=1e-12)
    np.testing.assert_allclose(w.real, [0.0, 0.0], atol=1e-12)


@njit
def traces(a: Any, k: int) -> Any:
    return np.trace(a), np.trace(a, k), np.trace(a, offset=-k)


@njit
def vector_products(a: Any, b: Any) -> Any:
    return np.vdot(a, b), np.outer(a, b), np.kron(a, b), np.inner(a, b)


@njit
def kron(a: Any, b: Any) -> Any:
    return np.kron(a, b)


@njit
def inner(a: Any, b: Any) -> Any:
    return np.inner(a, b)


@njit
def multi_dot(a: Any, b: Any, c: Any) -> Any:
    return np.linalg.multi_dot((a, b, c)), np.linalg.multi_dot((a[0], b, c[:, 0]))


PRODUCT_DTYPES = [np.int32, np.uint8, np.float32, np.float64, np.complex128]


@pytest.mark.parametrize("dtype", [*PRODUCT_DTYPES, np.bool_])
@pytest.mark.parametrize("k", [0, 1, 2, 7])
def test_trace_against_numpy(dtype: Any, k: int, no_leaks: Any) -> None:
    a = (np.arange(12).reshape(3, 4) % 3).astype(dtype)
    for view in (a, np.asfortranarray(a), a[:, ::-1], a[:0]):
        for got, want in zip(traces(view, k), (np.trace(view), np.trace(view, k),
                                               np.trace(view, offset=-k))):
            assert got == want
            assert type(got) is type(want.item())


@pytest.mark.parametrize("dtype", PRODUCT_DTYPES)
def test_vector_products_against_numpy(dtype: Any, no_leaks: Any) -> None:
    a = (np.arange(12).reshape(3, 4) % 5 + 1j * (np.arange(12).reshape(3, 4) % 2)
         if np.dtype(dtype).kind == "c" else np.arange(12).reshape(3, 4) % 5).astype(dtype)
    x, y = a[0], a[1, ::-1]
    got = vector_products(x, y)
    want = (np.vdot(x, y), np.outer(x, y), np.kron(x, y), np.inner(x, y))
    for g, w in zip(got, want):
        _same(g, w, dtype)
    for p, q in ((a, a[:2, :3]), (x, a[:2, :3]), (np.asfortranarray(a), y), (x[:0], a)):
        _same(kron(p, q), np.kron(p, q), dtype)
    for p, q in ((a, a), (x, a), (a, x), (a[:, :0], a[:, :0])):
        _same(inner(p, q), np.inner(p, q), dtype)


def test_vdot_of_different_sizes_raises_as_numpy() -> None:
    with pytest.raises(ValueError, match=r"^cannot reshape array of size 3 into shape \(2,\)$"):
        vector_products(np.ones(2), np.ones(3))


def test_multi_dot_against_numpy(no_leaks: Any) -> None:
    rng = np.random.default_rng(4)
    a, b, c = rng.random((3, 4)), rng.random((4, 5)), rng.random((5, 2))
    chain, vectors = multi_dot(a, b, np.asfortranarray(c))
    np.testing.assert_allclose(chain, np.linalg.multi_dot([a, b, c]))
    np.testing.assert_allclose(vectors, np.linalg.multi_dot([a[0], b, c[:, 0]]))

    @njit
    def one(a: Any) -> Any:
        return np.linalg.multi_dot((a,))

    with pytest.raises(TypingError, match="Expecting at least two arrays"):
        one(a)


def test_a_missing_lapack_routine_raises_instead_of_crashing() -> None:
    """Where NumPy's OpenBLAS lacks a routine its cell holds null: the call raises."""
    import ctypes

    from jitcore.targets import bindings

    a = np.eye(2)
    assert det(a) == 1.0  # compiled, and the cell resolved
    cell = ctypes.c_void_p.from_address(bindings.address("jc.lapack.dgetrf"))
    saved = cell.value
    cell.value = None
    try:
        with pytest.raises(RuntimeError, match="LAPACK routine dgetrf is not available: "
                           "NumPy's bundled OpenBLAS does not export scipy_dgetrf_64_"):
            det(a)
    finally:
        cell.value = saved
    assert det(a) == 1.0


def test_every_lapack_binding_resolves_here() -> None:
    from jitcore.targets import bindings

    missing = [name for name in bindings.LAPACK_SYMBOLS if not bindings.value(name)]
    assert missing == []


@njit
def conds(a: Any, p: float) -> Any:
    return np.linalg.cond(a, p), np.linalg.cond(a, "fro"), np.linalg.cond(a, p=None)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("p", [1, -1, 2, -2, np.inf, -np.inf])
def test_cond_of_every_p_against_numpy(dtype: Any, p: float, no_leaks: Any) -> None:
    for a in (_matrix(3, dtype), np.array([[1, 2], [2, 4]]).astype(dtype)):  # and singular
        got = conds(a, p)
        want = (np.linalg.cond(a, p), np.linalg.cond(a, "fro"), np.linalg.cond(a))
        singular = np.linalg.matrix_rank(a) < a.shape[0]
        for g, w in zip(got, want):
            if singular and not np.isfinite(w):
                assert g == w
            elif not singular:
                np.testing.assert_allclose(g, w, rtol=1e-4)
            else:  # 2-norms of a singular matrix: huge (or tiny, p=-2) from rounding
                assert (g > 1e6) == (w > 1e6) and (g < 1e-6) == (w < 1e-6)


@njit
def nan_family(a: Any) -> Any:
    return (np.linalg.inv(a), np.linalg.det(a), np.linalg.slogdet(a), np.linalg.eigvalsh(a),
            np.linalg.cholesky(a), np.linalg.qr(a))


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_and_inf_inputs_as_numpy(bad: float, no_leaks: Any) -> None:
    a = np.array([[1.0, bad], [bad, 2.0]]) if bad != bad else np.array([[bad, 1.0], [1.0, 2.0]])
    with np.errstate(all="ignore"):
        want = (np.linalg.inv(a), np.linalg.det(a), tuple(np.linalg.slogdet(a)),
                np.linalg.eigvalsh(a), np.linalg.cholesky(a), tuple(np.linalg.qr(a)))
    got = nan_family(a)
    np.testing.assert_equal(got, want)
    # (NumPy's svd of a matrix holding inf gives NaNs without raising; ours raises)
    for fn in (svdvals, lambda x: eig_both(x)) if bad != bad else (lambda x: eig_both(x),):
        with pytest.raises(np.linalg.LinAlgError) as info:
            fn(a)
        with pytest.raises(np.linalg.LinAlgError) as numpy_info:
            (np.linalg.svd if fn is svdvals else np.linalg.eig)(a)
        assert str(info.value) == str(numpy_info.value)


@njit
def eigh_upper(a: Any) -> Any:
    return np.linalg.eigh(a, "U"), np.linalg.eigvalsh(a, UPLO="U"), np.linalg.eigvalsh(a, "L")


@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
def test_eigh_reads_the_triangle_uplo_names(dtype: Any, no_leaks: Any) -> None:
    m = _matrix(4, dtype, seed=5)
    a = m @ m.conj().T
    lopsided = np.triu(a) + np.tril(np.full_like(a, 99), -1)  # only the upper one is right
    (w, _), upper, lower = eigh_upper(lopsided)
    _same(w, np.linalg.eigh(lopsided, "U")[0], dtype)
    _same(upper, np.linalg.eigvalsh(lopsided, UPLO="U"), dtype)
    _same(lower, np.linalg.eigvalsh(lopsided, "L"), dtype)

    @njit
    def bad(a: Any) -> Any:
        return np.linalg.eigvalsh(a, "X")

    with pytest.raises(TypingError, match="UPLO must be a constant 'L' or 'U'"):
        bad(a)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 6).flatmap(lambda n: st.tuples(
    hnp.arrays(np.float64, (n, n), elements=st.floats(-100, 100)),
    hnp.arrays(np.float64, (n,), elements=st.floats(-100, 100)))))
def test_solve_and_det_of_random_systems_as_numpy(system: tuple[np.ndarray, np.ndarray]) -> None:
    """Any matrix: the same solution where NumPy solves it, the same error where it does not."""
    a, b = system
    try:
        want = np.linalg.solve(a, b)
    except np.linalg.LinAlgError as exc:
        with pytest.raises(np.linalg.LinAlgError, match=f"^{exc}$"):
            solve(a, b)
    else:
        np.testing.assert_allclose(solve(a, b), want, rtol=1e-9, atol=1e-9 * np.abs(want).max())
    np.testing.assert_allclose(det(a), np.linalg.det(a), rtol=1e-9, atol=1e-300)
