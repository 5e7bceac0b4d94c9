"""Typing calls of ufuncs built by @vectorize from compiled code, on scalars and arrays.

    @vectorize(["float64(float64, float64)"])
    def rel(a, b): ...

    @njit
    def g(x, y):
        return rel(x, y) * 2.0     # arrays: one fused loop calling rel's kernel per element

Each such ufunc registers itself when it is built (`register`): the loop a call
uses is the one NumPy would pick for an eager ufunc (NumPy's own resolution of
the operand dtypes) and, for a dynamic ufunc, the operands' own types, with the
kernel's inferred return type. Array results go through the array-expression
fusion like NumPy's ufuncs (typeinfer.rules.arrayexpr, lowering.arrayexpr).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jitcore.frontend.errors import TypingError

from ..registry import runtime_call_rule
from ..types import Boolean, Complex, Float, Integer, Signature, Type
from .arrayexpr import LOOP_TYPERS, element_type, numpy_loop_signature, result_type

KernelSignature = Callable[[tuple[Type, ...]], "Signature | None"]


def register(ufunc: Any, kernel_signature: KernelSignature | None) -> None:
    """Make `ufunc` callable from compiled code.

    `kernel_signature(element types)` gives the kernel's signature for a dynamic
    ufunc; None means an eager ufunc, whose loops NumPy resolves.
    """
    def loop(operands: tuple[Type, ...]) -> Signature | None:
        if len(operands) != ufunc.nin:
            return None
        elements = tuple(element_type(o) for o in operands)
        if not all(isinstance(e, (Boolean, Integer, Float, Complex)) for e in elements):
            return None
        if kernel_signature is None:
            return numpy_loop_signature(ufunc, operands)
        return kernel_signature(elements)

    def rule(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
        if kws:
            raise TypingError(f"ufunc '{ufunc.__name__}' takes no keyword arguments "
                              f"({', '.join(kws)}) in compiled code", None,
                              "out=, where=, dtype= work when it is called from Python")
        found = loop(args)
        if found is None:
            shown = ", ".join(map(str, args))
            raise TypingError(f"ufunc '{ufunc.__name__}' has no loop for ({shown})", None,
                              f"its loops: {', '.join(ufunc.types) or 'none'}")
        return Signature(result_type(args, found.return_type), args)

    LOOP_TYPERS[id(ufunc)] = loop
    runtime_call_rule(ufunc, rule)
