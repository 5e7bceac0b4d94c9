"""np.linalg routines written in Python around LAPACK, compiled by jitcore itself.

    np.linalg.solve(a, b)   `solve`: ?gesv            inv: ?gesv against the identity
    det, slogdet            ?getrf                    cholesky: ?potrf (lower)
    eigh, eigvalsh          ?syevd / ?heevd (lower triangle, after a workspace query)
    svd, svdvals            ?gesdd                    qr: ?geqrf, then ?orgqr / ?ungqr
    lstsq                   ?gelsd                    pinv, matrix_rank, cond: from ?gesdd
    matrix_power            repeated squaring with @ (inv first for negative powers)

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
    return _gesv(a, b, n, 1 if b.ndim == 1 else b.shape[-1])


@njit(cache=True)
def _gesv(a, b, n, nrhs):  # type: ignore[no-untyped-def]
    """b overwritten by a^-1 b (both F-ordered copies) by ?gesv; C-ordered result."""
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
    return _gesv(a, b, n, n)


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
        unit = d / m
        if unit == unit:  # noqa: PLR0124 - a NaN or infinite pivot leaves the sign (NumPy)
            sign = sign * unit
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
def _syevd(a, w, work, lwork, rwork, lrwork, iwork, liwork, vectors, upper):  # type: ignore[no-untyped-def]
    """?syevd / ?heevd with the options as flags (LAPACK's characters are constants)."""
    n = a.shape[0]
    if vectors and upper:
        return lapack("syevd|heevd", "V", "U", n, a, n, w, work, lwork, rwork, lrwork, iwork,
                      liwork)
    if vectors:
        return lapack("syevd|heevd", "V", "L", n, a, n, w, work, lwork, rwork, lrwork, iwork,
                      liwork)
    if upper:
        return lapack("syevd|heevd", "N", "U", n, a, n, w, work, lwork, rwork, lrwork, iwork,
                      liwork)
    return lapack("syevd|heevd", "N", "L", n, a, n, w, work, lwork, rwork, lrwork, iwork,
                  liwork)


@njit(cache=True)
def _eigh(a0, vectors, upper):  # type: ignore[no-untyped-def]
    """Eigenvalues (ascending) into w and, with `vectors`, eigenvectors into a, by
    ?syevd / ?heevd on the lower (or upper) triangle after a workspace query."""
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
    _syevd(a, w, work, -1, rwork, -1, iwork, -1, vectors, upper)
    lwork = max(1, int(np.abs(work[0])))
    lrwork = max(1, int(rwork[0]))
    liwork = max(1, iwork[0])
    work = np.empty(lwork, a.dtype)
    rwork = _real_empty(lrwork, a)
    iwork = np.empty(liwork, np.int64)
    info = _syevd(a, w, work, lwork, rwork, lrwork, iwork, liwork, vectors, upper)
    if info > 0:
        raise np.linalg.LinAlgError("Eigenvalues did not converge")
    return w, a


@njit(cache=True)
def eigh(a, upper):  # type: ignore[no-untyped-def]
    w, v = _eigh(a, True, upper)
    return w, np.ascontiguousarray(v)


@njit(cache=True)
def eigvalsh(a, upper):  # type: ignore[no-untyped-def]
    return _eigh(a, False, upper)[0]


@njit(cache=True)
def _gesdd(a, job):  # type: ignore[no-untyped-def]
    """(u, s, vt) of the F-ordered working copy a by ?gesdd; job 0: s only ('N'),
    1: reduced ('S'), 2: full ('A'). u and vt are 0x0 for job 0."""
    m, n = a.shape
    k = min(m, n)
    ucols = m if job == 2 else k
    vtrows = n if job == 2 else k
    if job == 0:
        ucols = vtrows = 0
    u = _fortran_empty(m if job else 0, ucols, a)
    vt = _fortran_empty(vtrows, n if job else 0, a)
    s = _real_empty(k, a)
    if k == 0:  # LAPACK is not called with zero sizes: identities, as NumPy gives
        u[:, :] = 0
        vt[:, :] = 0
        for i in range(min(u.shape[0], u.shape[1])):
            u[i, i] = 1
        for i in range(min(vt.shape[0], vt.shape[1])):
            vt[i, i] = 1
        return u, s, vt
    lrwork = max(1, 7 * k) if job == 0 else max(1, k * max(5 * k + 7, 2 * max(m, n) + 2 * k + 1))
    rwork = _real_empty(lrwork, a)
    iwork = np.empty(8 * k, np.int64)
    work = np.empty(1, a.dtype)
    ldu, ldvt = max(1, m), max(1, vtrows)
    _gesdd_call(job, a, s, u, ldu, vt, ldvt, work, -1, rwork, iwork)
    lwork = max(1, int(np.abs(work[0])))
    work = np.empty(lwork, a.dtype)
    info = _gesdd_call(job, a, s, u, ldu, vt, ldvt, work, lwork, rwork, iwork)
    if info != 0:  # < 0 too: ?gesdd refuses a matrix holding NaN
        raise np.linalg.LinAlgError("SVD did not converge")
    return u, s, vt


@njit(cache=True)
def _gesdd_call(job, a, s, u, ldu, vt, ldvt, work, lwork, rwork, iwork):  # type: ignore[no-untyped-def]
    m, n = a.shape
    if job == 0:
        return lapack("gesdd", "N", m, n, a, m, s, u, ldu, vt, ldvt, work, lwork, rwork, iwork)
    if job == 1:
        return lapack("gesdd", "S", m, n, a, m, s, u, ldu, vt, ldvt, work, lwork, rwork, iwork)
    return lapack("gesdd", "A", m, n, a, m, s, u, ldu, vt, ldvt, work, lwork, rwork, iwork)


@njit(cache=True)
def svd(a0, full_matrices):  # type: ignore[no-untyped-def]
    u, s, vt = _gesdd(_fortran_copy(a0), 2 if full_matrices else 1)
    return np.ascontiguousarray(u), s, np.ascontiguousarray(vt)


@njit(cache=True)
def svdvals(a0):  # type: ignore[no-untyped-def]
    return _gesdd(_fortran_copy(a0), 0)[1]


@njit(cache=True)
def _geqrf(a):  # type: ignore[no-untyped-def]
    """tau of ?geqrf on the F-ordered working copy a (R above the diagonal, reflectors
    below)."""
    m, n = a.shape
    k = min(m, n)
    tau = np.empty(k, a.dtype)
    if k == 0:
        return tau
    work = np.empty(1, a.dtype)
    lapack("geqrf", m, n, a, m, tau, work, -1)
    lwork = max(1, n, int(np.abs(work[0])))
    work = np.empty(lwork, a.dtype)
    lapack("geqrf", m, n, a, m, tau, work, lwork)
    return tau


@njit(cache=True)
def _upper(a, rows):  # type: ignore[no-untyped-def]
    """The first `rows` rows of a with everything below the diagonal zero, C-ordered."""
    r = np.zeros((rows, a.shape[1]), a.dtype)
    for i in range(min(rows, a.shape[0])):
        for j in range(i, a.shape[1]):
            r[i, j] = a[i, j]
    return r


@njit(cache=True)
def _orgqr(a, tau, qcols):  # type: ignore[no-untyped-def]
    """Q (m x qcols) from ?geqrf's reflectors in a by ?orgqr / ?ungqr."""
    m = a.shape[0]
    k = tau.shape[0]
    q = _fortran_empty(m, qcols, a)
    q[:, :] = 0
    ncopy = min(qcols, a.shape[1])
    q[:, :ncopy] = a[:, :ncopy]
    if m == 0 or qcols == 0:
        return q
    if k == 0:
        for i in range(min(m, qcols)):
            q[i, i] = 1
        return q
    work = np.empty(1, a.dtype)
    lapack("orgqr|ungqr", m, qcols, k, q, m, tau, work, -1)
    lwork = max(1, qcols, int(np.abs(work[0])))
    work = np.empty(lwork, a.dtype)
    lapack("orgqr|ungqr", m, qcols, k, q, m, tau, work, lwork)
    return q


@njit(cache=True)
def qr_reduced(a0):  # type: ignore[no-untyped-def]
    a = _fortran_copy(a0)
    tau = _geqrf(a)
    k = tau.shape[0]
    return np.ascontiguousarray(_orgqr(a, tau, k)), _upper(a, k)


@njit(cache=True)
def qr_complete(a0):  # type: ignore[no-untyped-def]
    a = _fortran_copy(a0)
    tau = _geqrf(a)
    m = a.shape[0]
    return np.ascontiguousarray(_orgqr(a, tau, m)), _upper(a, m)


@njit(cache=True)
def qr_r(a0):  # type: ignore[no-untyped-def]
    a = _fortran_copy(a0)
    tau = _geqrf(a)
    return _upper(a, tau.shape[0])


@njit(cache=True)
def _lstsq(a, b, rcond, eps):  # type: ignore[no-untyped-def]
    """?gelsd on F-ordered a (m x n) and b (max(m, n) x nrhs, first m rows the right-hand
    sides); NaN rcond: NumPy's default, eps * max(m, n)."""
    m, n = a.shape
    nrhs = b.shape[1]
    k = min(m, n)
    if rcond != rcond:  # noqa: PLR0124 - the NaN of "rcond=None"
        rcond = eps * max(m, n)
    s = _real_empty(k, a)
    rank = np.zeros(1, np.int64)
    if k == 0:  # x is zero (b's rows past m are), residuals are b's when n is 0
        return s, 0
    if nrhs == 0:  # LAPACK wants at least one column: solve for zeros, keep s and rank
        b = _fortran_empty(b.shape[0], 1, a)
        b[:, :] = 0
    work = np.empty(1, a.dtype)
    rwork = _real_empty(1, a)
    rwork[0] = 1
    iwork = np.ones(1, np.int64)
    ldb = max(1, m, n)
    lapack("gelsd", m, n, b.shape[1], a, max(1, m), b, ldb, s, rcond, rank, work, -1,
           rwork, iwork)
    lwork = max(1, int(np.abs(work[0])))
    lrwork = max(1, int(rwork[0]))
    liwork = max(1, iwork[0])
    work = np.empty(lwork, a.dtype)
    rwork = _real_empty(lrwork, a)
    iwork = np.empty(liwork, np.int64)
    info = lapack("gelsd", m, n, b.shape[1], a, max(1, m), b, ldb, s, rcond, rank, work,
                  lwork, rwork, iwork)
    if info != 0:
        raise np.linalg.LinAlgError("SVD did not converge in Linear Least Squares")
    return s, rank[0]


@njit(cache=True)
def _lstsq_parts(a0, b0, rcond, eps):  # type: ignore[no-untyped-def]
    """(x, residuals, rank, s) with b0 a matrix (its columns the right-hand sides)."""
    a = _fortran_copy(a0)
    m, n = a.shape
    if b0.shape[0] != m:
        raise np.linalg.LinAlgError("Incompatible dimensions")
    nrhs = b0.shape[1]
    b = _fortran_empty(max(m, n), nrhs, a)
    b[:, :] = 0
    b[:m, :] = b0
    s, rank = _lstsq(a, b, rcond, eps)
    x = np.ascontiguousarray(b[:n, :])
    if rank == n and m > n:
        resid = _real_empty(nrhs, a)
        for j in range(nrhs):
            resid[j] = 0
            for i in range(n, m):
                resid[j] += np.abs(b[i, j]) ** 2
    else:
        resid = _real_empty(0, a)
    return x, resid, rank, s


@njit(cache=True)
def lstsq(a0, b0, rcond, eps):  # type: ignore[no-untyped-def]
    return _lstsq_parts(a0, b0, rcond, eps)


@njit(cache=True)
def lstsq_vector(a0, b0, rcond, eps):  # type: ignore[no-untyped-def]
    x, resid, rank, s = _lstsq_parts(a0, b0.reshape((b0.shape[0], 1)), rcond, eps)
    return np.ascontiguousarray(x[:, 0]), resid, rank, s


@njit(cache=True)
def pinv(a0, rcond):  # type: ignore[no-untyped-def]
    """V diag(1/s) U^H from the reduced SVD, small singular values dropped as NumPy does."""
    a = _fortran_copy(a0)
    m, n = a.shape
    if m == 0 or n == 0:
        return np.zeros((n, m), a.dtype)
    u, s, vt = _gesdd(a, 1)
    cutoff = rcond * s.max()
    k = s.shape[0]
    out = np.zeros((n, m), a.dtype)
    for p in range(k):
        if s[p] > cutoff:
            inv_s = 1 / s[p]
            for i in range(n):
                v = np.conj(vt[p, i]) * inv_s
                for j in range(m):
                    out[i, j] += v * np.conj(u[j, p])
    return out


@njit(cache=True)
def matrix_rank(a0, tol, eps):  # type: ignore[no-untyped-def]
    """The count of singular values above tol (NaN: NumPy's default, s.max() max(m, n)
    eps)."""
    a = _fortran_copy(a0)
    m, n = a.shape
    s = _gesdd(a, 0)[1]
    if s.shape[0] == 0:
        return 0
    if tol != tol:  # noqa: PLR0124 - the NaN of "tol=None"
        tol = s.max() * max(m, n) * eps
    rank = 0
    for x in s:
        if x > tol:
            rank += 1
    return rank


@njit(cache=True)
def cond(a0):  # type: ignore[no-untyped-def]
    """The 2-norm condition number: the largest singular value over the smallest."""
    a = _fortran_copy(a0)
    s = _gesdd(a, 0)[1]
    if s.shape[0] == 0:
        raise np.linalg.LinAlgError("cond is not defined on empty arrays")
    smallest = s[s.shape[0] - 1]
    return s[0] / smallest if smallest != 0 else np.inf


@njit(cache=True)
def matrix_power(a, n, integer):  # type: ignore[no-untyped-def]
    """a ** n by repeated squaring; a negative n inverts first (floats only)."""
    _require_square(a)
    if n == 0:
        out = np.zeros(a.shape, a.dtype)
        for i in range(a.shape[0]):
            out[i, i] = 1
        return out
    base = np.ascontiguousarray(a)
    if n < 0:
        if integer:
            raise TypeError("matrix_power of an integer matrix to a negative power needs "
                            "floats: convert it with .astype(np.float64) first")
        inverse = inv(a)
        base = np.empty(a.shape, a.dtype)
        base[...] = inverse
        n = -n
    result = base.copy()
    n -= 1
    while n > 0:
        if n & 1:
            result = result @ base
        n >>= 1
        if n > 0:
            base = base @ base
    return result


@njit(cache=True)
def _require_finite(a):  # type: ignore[no-untyped-def]
    """NumPy's check before ?geev (which would print LAPACK's complaint on stderr)."""
    for x in a.ravel():
        if not np.isfinite(x):
            raise np.linalg.LinAlgError("Array must not contain infs or NaNs")


@njit(cache=True)
def _geev_real(a0, vectors):  # type: ignore[no-untyped-def]
    """Eigenvalues (and right eigenvectors) of a real matrix by ?geev; a complex pair is
    an error (the result's dtype could not depend on the values)."""
    a = _fortran_copy(a0)
    _require_square(a)
    _require_finite(a)
    n = a.shape[0]
    wr = np.empty(n, a.dtype)
    wi = np.empty(n, a.dtype)
    vl = np.empty(1, a.dtype)
    vr = _fortran_empty(n if vectors else 1, n if vectors else 1, a)
    if n == 0:
        return wr, vr
    work = np.empty(1, a.dtype)
    lwork = -1
    info = 0
    for _ in range(2):
        if vectors:
            info = lapack("geev", "N", "V", n, a, n, wr, wi, vl, 1, vr, n, work, lwork)
        else:
            info = lapack("geev", "N", "N", n, a, n, wr, wi, vl, 1, vr, 1, work, lwork)
        lwork = max(1, 4 * n, int(work[0]))
        work = np.empty(lwork, a.dtype)
    if info > 0:
        raise np.linalg.LinAlgError("Eigenvalues did not converge")
    for x in wi:
        if x != 0:
            raise ValueError("eig() of this real matrix has complex eigenvalues, which compiled "
                             "code cannot return as a real array: pass a.astype(np.complex128)")
    return wr, vr


@njit(cache=True)
def _geev_complex(a0, vectors):  # type: ignore[no-untyped-def]
    a = _fortran_copy(a0)
    _require_square(a)
    _require_finite(a)
    n = a.shape[0]
    w = np.empty(n, a.dtype)
    vl = np.empty(1, a.dtype)
    vr = _fortran_empty(n if vectors else 1, n if vectors else 1, a)
    if n == 0:
        return w, vr
    rwork = _real_empty(2 * n, a)
    work = np.empty(1, a.dtype)
    lwork = -1
    info = 0
    for _ in range(2):
        if vectors:
            info = lapack("geev", "N", "V", n, a, n, w, vl, 1, vr, n, work, lwork, rwork)
        else:
            info = lapack("geev", "N", "N", n, a, n, w, vl, 1, vr, 1, work, lwork, rwork)
        lwork = max(1, 2 * n, int(np.abs(work[0])))
        work = np.empty(lwork, a.dtype)
    if info > 0:
        raise np.linalg.LinAlgError("Eigenvalues did not converge")
    return w, vr


@njit(cache=True)
def eig_real(a):  # type: ignore[no-untyped-def]
    w, v = _geev_real(a, True)
    return w, np.ascontiguousarray(v)


@njit(cache=True)
def eig_complex(a):  # type: ignore[no-untyped-def]
    w, v = _geev_complex(a, True)
    return w, np.ascontiguousarray(v)


@njit(cache=True)
def eigvals_real(a):  # type: ignore[no-untyped-def]
    return _geev_real(a, False)[0]


@njit(cache=True)
def eigvals_complex(a):  # type: ignore[no-untyped-def]
    return _geev_complex(a, False)[0]


# --- products and the trace (no LAPACK) -----------------------------------------------------

@njit(cache=True)
def trace(a, offset, zero):  # type: ignore[no-untyped-def]
    """The sum of a's diagonal `offset` (above the main one when positive), accumulated
    from `zero`, which has NumPy's result dtype."""
    total = zero
    rows, cols = a.shape
    i, j = (0, offset) if offset >= 0 else (-offset, 0)
    while i < rows and j < cols:
        total += a[i, j]
        i += 1
        j += 1
    return total


@njit(cache=True)
def vdot(a, b, zero):  # type: ignore[no-untyped-def]
    """sum(conj(a) * b) over the flattened arrays (lowering checked their sizes)."""
    x = a.ravel()
    y = b.ravel()
    total = zero
    for i in range(x.shape[0]):
        total += np.conj(x[i]) * y[i]
    return total


@njit(cache=True)
def outer(a, b, zero):  # type: ignore[no-untyped-def]
    x = a.ravel()
    y = b.ravel()
    out = np.full((x.shape[0], y.shape[0]), zero)
    for i in range(x.shape[0]):
        for j in range(y.shape[0]):
            out[i, j] = x[i] * y[j]
    return out


@njit(cache=True)
def _kron2(a, b, zero):  # type: ignore[no-untyped-def]
    """kron of two matrices: block (i, j) is a[i, j] * b."""
    p, q = b.shape
    out = np.full((a.shape[0] * p, a.shape[1] * q), zero)
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            for k in range(p):
                for m in range(q):
                    out[i * p + k, j * q + m] = a[i, j] * b[k, m]
    return out


@njit(cache=True)
def _row(x):  # type: ignore[no-untyped-def]
    return np.ascontiguousarray(x).reshape((1, x.shape[0]))


@njit(cache=True)
def kron_vv(a, b, zero):  # type: ignore[no-untyped-def]
    return _kron2(_row(a), _row(b), zero).ravel()


@njit(cache=True)
def kron_vm(a, b, zero):  # type: ignore[no-untyped-def]
    return _kron2(_row(a), b, zero)


@njit(cache=True)
def kron_mv(a, b, zero):  # type: ignore[no-untyped-def]
    return _kron2(a, _row(b), zero)


@njit(cache=True)
def kron_mm(a, b, zero):  # type: ignore[no-untyped-def]
    return _kron2(a, b, zero)


@njit(cache=True)
def inner_vm(a, b):  # type: ignore[no-untyped-def]
    return np.dot(b, a)


@njit(cache=True)
def inner_mm(a, b):  # type: ignore[no-untyped-def]
    return np.dot(a, b.T)


@njit(cache=True)
def _inverse_or_empty(a0):  # type: ignore[no-untyped-def]
    """inv(a0), or a 0x0 array when a0 is singular (cond is infinite then)."""
    a = _fortran_copy(a0)
    _require_square(a)
    n = a.shape[0]
    b = _fortran_empty(n, n, a)
    b[:, :] = 0
    for i in range(n):
        b[i, i] = 1
    if n > 0:
        ipiv = np.empty(n, np.int64)
        if lapack("gesv", n, n, a, n, ipiv, b, n) > 0:
            return _fortran_empty(0, 0, a)
    return b


@njit(cache=True)
def cond_p(a0, p):  # type: ignore[no-untyped-def]
    """cond(x, p) for a number p: singular values for 2 and -2, else
    norm(x, p) * norm(inv(x), p), infinite for a singular x, as NumPy gives."""
    if p == 2 or p == -2:
        s = _gesdd(_fortran_copy(a0), 0)[1]
        if s.shape[0] == 0:
            raise np.linalg.LinAlgError("cond is not defined on empty arrays")
        big, small = s[0], s[s.shape[0] - 1]
        if p == -2:
            big, small = small, big
        return big / small if small != 0 else np.inf
    if a0.shape[0] == 0 or a0.shape[1] == 0:
        raise np.linalg.LinAlgError("cond is not defined on empty arrays")
    inverse = _inverse_or_empty(a0)
    if inverse.shape[0] == 0:
        return np.inf
    return np.linalg.norm(a0, p) * np.linalg.norm(inverse, p)


@njit(cache=True)
def cond_fro(a0):  # type: ignore[no-untyped-def]
    if a0.shape[0] == 0 or a0.shape[1] == 0:
        raise np.linalg.LinAlgError("cond is not defined on empty arrays")
    inverse = _inverse_or_empty(a0)
    if inverse.shape[0] == 0:
        return np.inf
    return np.linalg.norm(a0) * np.linalg.norm(inverse)
