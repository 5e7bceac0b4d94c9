"""np.linalg routines written in Python around LAPACK, compiled by jitcore itself.

    np.linalg.solve(a, b)   `solve`: ?gesv            inv: ?gesv against the identity
    det, slogdet            ?getrf                    cholesky: ?potrf (lower)
    eigh, eigvalsh          ?syevd / ?heevd (lower triangle, after a workspace query)

LAPACK is reached through the `lapack` primitive (typeinfer/rules/linalg.py, lowered in
lowering/impls/linalg.py), which reads the routine's address from a process binding.

Every routine first makes F-ordered copies of its inputs in the working dtype (LAPACK
overwrites column-major memory in place), returns C-ordered results, and raises
np.linalg.LinAlgError with NumPy's message where NumPy does.
"""
from __future__ import annotations

import numpy as np

from jitcore.decorators import njit
from jitcore.typeinfer.rules.linalg import lapack


@njit(cache=True)
def _require_square(a):  # type: ignore[no-untyped-def]
    if a.shape[0] != a.shape[1]:
        raise np.linalg.LinAlgError("Last 2 dimensions of the array must be square")


@njit(cache=True)
def _fortran_copy(a):  # type: ignore[no-untyped-def]
    """An F-ordered copy of a (1-d: contiguous) in the working dtype: float64 for integers
    and booleans, float32 and complex kept (NumPy 2's promotion of a * 1.0)."""
    out = np.empty(a.shape[::-1], (a.ravel()[:1] * 1.0).dtype).T
    out[...] = a
    return out


@njit(cache=True)
def _fortran_empty(rows, cols, like):  # type: ignore[no-untyped-def]
    """A rows x cols F-ordered array of like's dtype."""
    return np.empty((cols, rows), like.dtype).T


@njit(cache=True)
def _real_empty(n, like):  # type: ignore[no-untyped-def]
    """n items of the real dtype of like's (float64 for complex128)."""
    return np.empty(n, np.abs(like[:1, :1]).dtype)


@njit(cache=True)
def solve(a0, b0):  # type: ignore[no-untyped-def]
    """a x = b by ?gesv, in the working copies (b's becomes x)."""
    a = _fortran_copy(a0)
    b = _fortran_copy(b0)
    _require_square(a)
    n = a.shape[0]
    nrhs = 1 if b.ndim == 1 else b.shape[-1]
    if n == 0 or nrhs == 0:
        return np.ascontiguousarray(b)
    ipiv = np.empty(n, np.int64)
    info = lapack("gesv", n, nrhs, a, n, ipiv, b, n)
    if info > 0:
        raise np.linalg.LinAlgError("Singular matrix")
    return np.ascontiguousarray(b)


@njit(cache=True)
def inv(a0):  # type: ignore[no-untyped-def]
    """The inverse by ?gesv against the identity, as NumPy does."""
    a = _fortran_copy(a0)
    _require_square(a)
    n = a.shape[0]
    b = _fortran_empty(n, n, a)
    b[:, :] = 0
    for i in range(n):
        b[i, i] = 1
    if n == 0:
        return np.ascontiguousarray(b)
    ipiv = np.empty(n, np.int64)
    info = lapack("gesv", n, n, a, n, ipiv, b, n)
    if info > 0:
        raise np.linalg.LinAlgError("Singular matrix")
    return np.ascontiguousarray(b)


@njit(cache=True)
def _lu_sign_logdet(a0):  # type: ignore[no-untyped-def]
    """(sign, log|det|) of square a from its LU factors by ?getrf; sign 0 when singular."""
    a = _fortran_copy(a0)
    _require_square(a)
    n = a.shape[0]
    sign = np.ones(1, a.dtype)[0]
    logdet = np.abs(np.zeros(1, a.dtype))[0]
    if n == 0:
        return sign, logdet
    ipiv = np.empty(n, np.int64)
    info = lapack("getrf", n, n, a, n, ipiv)
    if info > 0:
        return sign * 0, logdet - np.inf
    for i in range(n):
        d = a[i, i]
        if ipiv[i] != i + 1:
            sign = -sign
        m = np.abs(d)
        sign = sign * (d / m)
        logdet += np.log(m)
    return sign, logdet


@njit(cache=True)
def det(a0):  # type: ignore[no-untyped-def]
    """The product of the LU factors' diagonal by ?getrf, signed by the row swaps."""
    a = _fortran_copy(a0)
    _require_square(a)
    n = a.shape[0]
    result = np.ones(1, a.dtype)[0]
    if n == 0:
        return result
    ipiv = np.empty(n, np.int64)
    info = lapack("getrf", n, n, a, n, ipiv)
    if info > 0:
        return result * 0
    for i in range(n):
        result = result * a[i, i]
        if ipiv[i] != i + 1:
            result = -result
    return result


@njit(cache=True)
def slogdet(a):  # type: ignore[no-untyped-def]
    return _lu_sign_logdet(a)


@njit(cache=True)
def cholesky(a0):  # type: ignore[no-untyped-def]
    """The lower factor by ?potrf('L'), its strict upper triangle zeroed as NumPy does."""
    a = _fortran_copy(a0)
    _require_square(a)
    n = a.shape[0]
    if n > 0:
        info = lapack("potrf", "L", n, a, n)
        if info > 0:
            raise np.linalg.LinAlgError("Matrix is not positive definite")
    for j in range(n):
        for i in range(j):
            a[i, j] = 0
    return np.ascontiguousarray(a)


@njit(cache=True)
def _eigh(a0, vectors):  # type: ignore[no-untyped-def]
    """Eigenvalues (ascending) into w and, with `vectors`, eigenvectors into a, by
    ?syevd / ?heevd on the lower triangle after a workspace query."""
    a = _fortran_copy(a0)
    _require_square(a)
    n = a.shape[0]
    w = _real_empty(n, a)
    if n == 0:
        return w, a
    work = np.empty(1, a.dtype)
    rwork = _real_empty(1, a)
    rwork[0] = 1  # the real routines take no rwork: the query leaves this
    iwork = np.empty(1, np.int64)
    if vectors:
        lapack("syevd|heevd", "V", "L", n, a, n, w, work, -1, rwork, -1, iwork, -1)
    else:
        lapack("syevd|heevd", "N", "L", n, a, n, w, work, -1, rwork, -1, iwork, -1)
    lwork = max(1, int(np.abs(work[0])))
    lrwork = max(1, int(rwork[0]))
    liwork = max(1, iwork[0])
    work = np.empty(lwork, a.dtype)
    rwork = _real_empty(lrwork, a)
    iwork = np.empty(liwork, np.int64)
    if vectors:
        info = lapack("syevd|heevd", "V", "L", n, a, n, w, work, lwork, rwork, lrwork, iwork,
                      liwork)
    else:
        info = lapack("syevd|heevd", "N", "L", n, a, n, w, work, lwork, rwork, lrwork, iwork,
                      liwork)
    if info > 0:
        raise np.linalg.LinAlgError("Eigenvalues did not converge")
    return w, a


@njit(cache=True)
def eigh(a):  # type: ignore[no-untyped-def]
    w, v = _eigh(a, True)
    return w, np.ascontiguousarray(v)


@njit(cache=True)
def eigvalsh(a):  # type: ignore[no-untyped-def]
    return _eigh(a, False)[0]
