"""Typing rules for products and norms: np.dot, the @ operator, np.linalg.norm.

    np.dot(array(float64, 2d, C), array(float64, 1d, A))  -> array(float64, 1d, C)
    a @ b  (1-d @ 1-d)                                     -> float64
    np.linalg.norm(v)                                      -> float64

Operands of 1 or 2 dimensions; the result dtype is NumPy's promotion of the two
(int8 . int8 stays int8, as in NumPy). Booleans are not supported.
"""
from __future__ import annotations

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
    Type,
    float64,
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
