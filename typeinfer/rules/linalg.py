"""Typing rules for products, norms and np.linalg.

    np.dot(array(float64, 2d, C), array(float64, 1d, A))  -> array(float64, 1d, C)
    a @ b  (1-d @ 1-d)                                     -> float64
    np.linalg.norm(v)                                      -> float64
    np.linalg.solve(array(int64, 2d, F), array(int64, 1d)) -> array(float64, 1d, C)
    np.linalg.eigh(array(complex128, 2d, C))   -> (array(float64, 1d, C), array(complex128, 2d, C))

Products take operands of 1 or 2 dimensions; the result dtype is NumPy's promotion of the
two (int8 . int8 stays int8, as in NumPy). Booleans are not supported.

np.linalg works in LAPACK's dtypes (`working_dtype`: float64 for integers and booleans,
float32 and complex kept) on one matrix at a time: 1-d operands are refused with NumPy's
message, stacks of matrices with advice to loop. `lapack` is the primitive the library
routines (jitcore/library/linalg.py) call LAPACK through.
"""
from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from jitcore.frontend.errors import TypingError

from ..binder import Bound, Params
from ..registry import binop_rule, call_rule
from .arrayexpr import numpy_dtype
from ..types import (
    BY_NAME,
    Array,
    Boolean,
    Complex,
    Float,
    Integer,
    NoneType,
    PyObjectConst,
    Signature,
    Tuple,
    Type,
    float64,
    int64,
)


def product_dtype(a: Type, b: Type) -> Type | None:
    if isinstance(a, Boolean) or isinstance(b, Boolean):
        return None
    return BY_NAME.get(np.result_type(np.dtype(a.name), np.dtype(b.name)).name)


def product_signature(a: Type, b: Type) -> Signature | None:
    if not (isinstance(a, Array) and isinstance(b, Array)):
        return None
    if a.ndim not in (1, 2) or b.ndim not in (1, 2):
        return None
    dtype = product_dtype(a.dtype, b.dtype)
    if dtype is None:
        return None
    ndim = a.ndim + b.ndim - 2
    ret: Type = dtype if ndim == 0 else Array(dtype, ndim, "C")
    return Signature(ret, (a, b))


@call_rule(np.dot, params=Params.of(np.dot, ("a", "b")))
def dot(bound: Bound) -> Signature | None:
    return product_signature(bound["a"], bound["b"])


@binop_rule("matmul", Array, Array)
def matmul(a: Array, b: Array) -> Signature | None:
    return product_signature(a, b)


@binop_rule("imatmul", Array, Array)
def matmul_inplace(a: Array, b: Array) -> Signature | None:
    """a @= b writes the product into a, as NumPy does (never a rebinding)."""
    sig = product_signature(a, b)
    if sig is None:
        return None
    if b.ndim != 2:
        raise TypingError("inplace matrix multiplication requires the first operand to have "
                          "at least one and the second at least two dimensions", None,
                          "write a = a @ b")
    if a.readonly:
        raise TypingError(f"cannot update a read-only array ({a}) in place")
    out = sig.return_type.dtype if isinstance(sig.return_type, Array) else sig.return_type
    if not np.can_cast(numpy_dtype(out), numpy_dtype(a.dtype), "same_kind"):
        raise TypingError(f"cannot cast ufunc 'matmul' output from {out} to {a.dtype} with "
                          "casting rule 'same_kind'", None, "write a = a @ b")
    return Signature(a, (a, b))


def _ord_kind(ty: Type | None) -> str | None:
    """'none', 'fro' (a constant string) or 'num' (a number known when the code runs)."""
    if ty is None or isinstance(ty, NoneType) or (isinstance(ty, PyObjectConst)
                                                  and ty.value is None):
        return "none"
    if isinstance(ty, PyObjectConst) and ty.value == "fro":
        return "fro"
    if isinstance(ty, (Integer, Float)):
        return "num"
    return None


@call_rule(np.linalg.norm, params=Params.of(np.linalg.norm, ("x", "ord")))
def norm(bound: Bound) -> Signature | None:
    arr = bound["x"]
    if not isinstance(arr, Array) or arr.ndim not in (1, 2):
        return None
    if not isinstance(arr.dtype, (Integer, Float, Complex, Boolean)):
        return None
    kind = _ord_kind(bound["ord"])
    if kind is None or (arr.ndim == 1 and kind == "fro"):
        return None
    dtype = arr.dtype
    ret = (dtype.underlying if isinstance(dtype, Complex) else
           dtype if isinstance(dtype, Float) else float64)
    return Signature(ret, bound.types({"ord": float64} if kind == "num" else {}))


# --- LAPACK, for the library routines of np.linalg (jitcore/library/linalg.py) -------------

def lapack(routine: str, *args: object) -> int:
    """lapack("gesv", n, nrhs, a, lda, ipiv, b, ldb) -> info, in compiled code only.

    Calls the LAPACK routine whose element type is that of the first float or complex array
    argument ("syevd|heevd": the real | the complex name). Arrays pass their data
    (contiguous memory, read by LAPACK as column-major), integers and floats pass by
    reference, one-character strings are LAPACK's character options; `info` is appended
    and returned.
    """
    raise RuntimeError("lapack() is a primitive of compiled library code")


LAPACK_DTYPES = {"float32": "s", "float64": "d", "complex64": "c", "complex128": "z"}


def lapack_prefix(args: tuple[Type, ...]) -> str | None:
    """LAPACK's letter for the element type of the first float or complex array."""
    for arg in args:
        if isinstance(arg, Array) and arg.dtype.name in LAPACK_DTYPES:
            return LAPACK_DTYPES[arg.dtype.name]
    return None


@call_rule(lapack)
def lapack_(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
    if kws or not args or not (isinstance(args[0], PyObjectConst)
                               and isinstance(args[0].value, str)):
        return None
    if lapack_prefix(args) is None:
        return None
    for arg in args[1:]:
        if isinstance(arg, Array):
            if arg.layout not in ("C", "F"):
                raise TypingError(f"lapack() takes contiguous arrays, not {arg}")
        elif not (isinstance(arg, (Integer, Float)) or (
                isinstance(arg, PyObjectConst) and isinstance(arg.value, str)
                and len(arg.value) == 1)):
            return None
    return Signature(int64, args)


# --- np.linalg over one matrix (jitcore/library/linalg.py, through LAPACK) ------------------

def working_dtype(dtype: Type) -> Type | None:
    """The dtype LAPACK works in: float64 for integers and booleans, others kept."""
    if isinstance(dtype, (Integer, Boolean)):
        return float64
    return dtype if isinstance(dtype, (Float, Complex)) else None


def real_dtype(dtype: Type) -> Type:
    return dtype.underlying if isinstance(dtype, Complex) else dtype


def _matrix(fn: str, arr: Type) -> Type | None:
    """The working dtype of a matrix operand of np.linalg.<fn>, or None (not an array)."""
    if not isinstance(arr, Array):
        return None
    if arr.ndim < 2:
        raise TypingError(f"np.linalg.{fn}: {arr.ndim}-dimensional array given. Array must "
                          "be at least two-dimensional")
    if arr.ndim > 2:
        raise TypingError(f"np.linalg.{fn} of a {arr.ndim}-d array: compiled code supports "
                          "one matrix (2-d) at a time", None,
                          "loop over the leading axes and call it per matrix")
    return working_dtype(arr.dtype)


@call_rule(np.linalg.solve, params=Params.of(np.linalg.solve, ("a", "b")))
def solve(bound: Bound) -> Signature | None:
    a, b = bound["a"], bound["b"]
    dtype = _matrix("solve", a)
    if dtype is None or not isinstance(b, Array) or b.ndim not in (1, 2):
        return None
    if working_dtype(b.dtype) != dtype:
        raise TypingError(f"np.linalg.solve of {a} and {b}: compiled code needs both in the "
                          f"same dtype ({dtype})", None, "convert one with .astype()")
    return Signature(Array(dtype, b.ndim, "C"), bound.types())


def _one_matrix(fn: Any, result: Callable[[Type], Type]) -> None:
    name = fn.__name__
    first = next(iter(inspect.signature(fn).parameters))

    @call_rule(fn, params=Params.of(fn, (first,)))
    def rule(bound: Bound) -> Signature | None:
        dtype = _matrix(name, bound[first])
        return None if dtype is None else Signature(result(dtype), bound.types())


_one_matrix(np.linalg.inv, lambda d: Array(d, 2, "C"))
_one_matrix(np.linalg.det, lambda d: d)
_one_matrix(np.linalg.slogdet, lambda d: Tuple((d, real_dtype(d))))
_one_matrix(np.linalg.cholesky, lambda d: Array(d, 2, "C"))


def _hermitian(fn: Any, result: Callable[[Type], Type]) -> None:
    """eigh / eigvalsh: UPLO, a constant 'L' (the default) or 'U', names the triangle read."""
    @call_rule(fn, params=Params.of(fn, ("a", "UPLO")))
    def rule(bound: Bound) -> Signature | None:
        dtype = _matrix(fn.__name__, bound["a"])
        uplo = bound["UPLO"]
        if dtype is None:
            return None
        if not (isinstance(uplo, PyObjectConst) and uplo.value in ("L", "U")):
            raise TypingError(f"np.linalg.{fn.__name__}: UPLO must be a constant 'L' or 'U', "
                              f"not {uplo}")
        return Signature(result(dtype), bound.types())


_hermitian(np.linalg.eigh, lambda d: Tuple((Array(real_dtype(d), 1, "C"), Array(d, 2, "C"))))
_hermitian(np.linalg.eigvalsh, lambda d: Array(real_dtype(d), 1, "C"))
_one_matrix(np.linalg.svdvals, lambda d: Array(real_dtype(d), 1, "C"))


@call_rule(np.linalg.cond, params=Params.of(np.linalg.cond, ("x", "p")))
def cond(bound: Bound) -> Signature | None:
    """p None (2-norm), a number (2, -2, 1, -1, inf, -inf) or the constant 'fro'."""
    dtype = _matrix("cond", bound["x"])
    if dtype is None or _ord_kind(bound["p"]) is None:
        return None
    return Signature(real_dtype(dtype), bound.types())


@call_rule(np.linalg.svd, params=Params.of(np.linalg.svd, ("a", "full_matrices")))
def svd(bound: Bound) -> Signature | None:
    """Only compute_uv=True (the default): the result's type depends on it; the singular
    values alone are np.linalg.svdvals(a)."""
    dtype = _matrix("svd", bound["a"])
    if dtype is None or not isinstance(bound["full_matrices"], (Boolean, Integer)):
        return None
    matrix = Array(dtype, 2, "C")
    return Signature(Tuple((matrix, Array(real_dtype(dtype), 1, "C"), matrix)), bound.types())


QR_MODES = ("reduced", "complete", "r")


@call_rule(np.linalg.qr, params=Params.of(np.linalg.qr, ("a", "mode")))
def qr(bound: Bound) -> Signature | None:
    dtype = _matrix("qr", bound["a"])
    mode = bound["mode"]
    if dtype is None:
        return None
    if not (isinstance(mode, PyObjectConst) and mode.value in QR_MODES):
        raise TypingError(f"np.linalg.qr: mode must be a constant 'reduced', 'complete' or "
                          f"'r', not {mode}")
    matrix = Array(dtype, 2, "C")
    ret: Type = matrix if mode.value == "r" else Tuple((matrix, matrix))
    return Signature(ret, bound.types())


def _optional_float(ty: Type) -> bool:
    return isinstance(ty, (NoneType, Integer, Float)) or (
        isinstance(ty, PyObjectConst) and ty.value is None)


@call_rule(np.linalg.lstsq, params=Params.of(np.linalg.lstsq, ("a", "b", "rcond")))
def lstsq(bound: Bound) -> Signature | None:
    a, b = bound["a"], bound["b"]
    dtype = _matrix("lstsq", a)
    if dtype is None or not isinstance(b, Array) or not _optional_float(bound["rcond"]):
        return None
    if b.ndim not in (1, 2):
        raise TypingError(f"np.linalg.lstsq: b must be 1-d or 2-d, not {b}")
    if working_dtype(b.dtype) != dtype:
        raise TypingError(f"np.linalg.lstsq of {a} and {b}: compiled code needs both in the "
                          f"same dtype ({dtype})", None, "convert one with .astype()")
    real = Array(real_dtype(dtype), 1, "C")
    return Signature(Tuple((Array(dtype, b.ndim, "C"), real, int64, real)), bound.types())


@call_rule(np.linalg.pinv, params=Params.of(np.linalg.pinv, ("a", "rcond")))
def pinv(bound: Bound) -> Signature | None:
    dtype = _matrix("pinv", bound["a"])
    if dtype is None or not _optional_float(bound["rcond"]):
        return None
    return Signature(Array(dtype, 2, "C"), bound.types())


@call_rule(np.linalg.matrix_rank, params=Params.of(np.linalg.matrix_rank, ("A", "tol")))
def matrix_rank(bound: Bound) -> Signature | None:
    dtype = _matrix("matrix_rank", bound["A"])
    if dtype is None or not _optional_float(bound["tol"]):
        return None
    return Signature(int64, bound.types())


@call_rule(np.linalg.matrix_power, params=Params.of(np.linalg.matrix_power, ("a", "n")))
def matrix_power(bound: Bound) -> Signature | None:
    a = bound["a"]
    if not isinstance(a, Array) or not isinstance(bound["n"], Integer):
        return None
    _matrix("matrix_power", a)
    if not isinstance(a.dtype, (Integer, Float, Complex)):
        return None
    return Signature(Array(a.dtype, 2, "C"), bound.types())
# real matrices give real eigenvalues (a complex pair raises when the code runs)
_one_matrix(np.linalg.eig, lambda d: Tuple((Array(d, 1, "C"), Array(d, 2, "C"))))
_one_matrix(np.linalg.eigvals, lambda d: Array(d, 1, "C"))


# --- np.trace, np.vdot, np.inner, np.outer, np.kron, np.linalg.multi_dot ---------------------

def sum_dtype(dtype: Type) -> Type | None:
    """NumPy's dtype of a sum: small integers and booleans widen to 64 bits."""
    if isinstance(dtype, Boolean):
        return int64
    if isinstance(dtype, Integer):
        return BY_NAME["int64" if dtype.signed else "uint64"]
    return dtype if isinstance(dtype, (Float, Complex)) else None


@call_rule(np.trace, params=Params.of(np.trace, ("a", "offset")))
def trace(bound: Bound) -> Signature | None:
    a = bound["a"]
    if not isinstance(a, Array) or not isinstance(bound["offset"], Integer):
        return None
    if a.ndim != 2:
        raise TypingError(f"np.trace of {a}: compiled code takes 2-d arrays only" if a.ndim > 2
                          else "diag requires an array of at least two dimensions")
    dtype = sum_dtype(a.dtype)
    return None if dtype is None else Signature(dtype, bound.types())


def _pair_dtype(a: Type, b: Type) -> Type | None:
    if not (isinstance(a, Array) and isinstance(b, Array)):
        return None
    return product_dtype(a.dtype, b.dtype)


@call_rule(np.vdot, params=Params.of(np.vdot, ("a", "b")))
def vdot(bound: Bound) -> Signature | None:
    dtype = _pair_dtype(bound["a"], bound["b"])
    return None if dtype is None else Signature(dtype, bound.types())


@call_rule(np.outer, params=Params.of(np.outer, ("a", "b")))
def outer(bound: Bound) -> Signature | None:
    dtype = _pair_dtype(bound["a"], bound["b"])
    return None if dtype is None else Signature(Array(dtype, 2, "C"), bound.types())


@call_rule(np.kron, params=Params.of(np.kron, ("a", "b")))
def kron(bound: Bound) -> Signature | None:
    a, b = bound["a"], bound["b"]
    dtype = _pair_dtype(a, b)
    if dtype is None:
        return None
    assert isinstance(a, Array) and isinstance(b, Array)
    if a.ndim not in (1, 2) or b.ndim not in (1, 2):
        raise TypingError(f"np.kron of {a} and {b}: compiled code takes 1-d and 2-d arrays")
    return Signature(Array(dtype, max(a.ndim, b.ndim), "C"), bound.types())


@call_rule(np.inner, params=Params.of(np.inner, ("a", "b")))
def inner(bound: Bound) -> Signature | None:
    return product_signature(bound["a"], bound["b"])


@call_rule(np.linalg.multi_dot, params=Params.of(np.linalg.multi_dot, ("arrays",)))
def multi_dot(bound: Bound) -> Signature | None:
    """A tuple of arrays, multiplied left to right; the first and last may be 1-d."""
    arrays = bound["arrays"]
    if not isinstance(arrays, Tuple):
        return None
    items = arrays.items
    if len(items) < 2:
        raise TypingError("multi_dot: Expecting at least two arrays.")
    if not all(isinstance(x, Array) for x in items):
        return None
    for x in items[1:-1]:
        assert isinstance(x, Array)
        if x.ndim != 2:
            raise TypingError(f"multi_dot: {x} in the middle: those must be 2-d")
    ret: Type | None = items[0]
    for x in items[1:]:
        sig = product_signature(ret, x) if ret is not None else None
        if sig is None:
            return None
        ret = sig.return_type
    assert ret is not None
    return Signature(ret, bound.types())
