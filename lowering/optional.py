"""Optional values ({present, value}): conversions to and from them, and their truth.

    none            -> OptionalType(T)   {0, zeroinitializer}  (arrays: null memory)
    T               -> OptionalType(T)   {1, value}
    OptionalType(T) -> T                 the value; TypeError at run time if it is None

The last one happens where typing used an Optional value as its base type without a
narrowing `is None` check (typeinfer.annotator); a narrowed link casts the same way but
never takes the error path.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from llvmlite import ir

from jitcore.frontend.errors import LoweringError
from jitcore.frontend.operations import plain, symbol
from jitcore.typeinfer import types as t

from . import arraymodel
from .models import i1, i64, llvm_type

if TYPE_CHECKING:
    from .context import Context


def cast_optional(ctx: Context, llv: ir.Value, src: t.Type, dst: t.Type) -> ir.Value:
    b = ctx.b
    if isinstance(dst, t.Optional):
        if isinstance(src, t.NoneType):
            return ir.Constant(llvm_type(dst), None)
        if isinstance(src, t.Optional):
            present, value = b.extract_value(llv, 0), b.extract_value(llv, 1)
            value = ctx.cast(value, src.base, dst.base)
        else:
            present, value = ir.Constant(i1, 1), ctx.cast(llv, src, dst.base)
        out = b.insert_value(ir.Constant(llvm_type(dst), ir.Undefined), present, 0)
        return b.insert_value(out, value, 1)
    if not isinstance(src, t.Optional):  # pragma: no cover - the caller checks
        raise LoweringError(f"cannot convert {src} to {dst}")
    message = ctx.none_message or (f"'NoneType' object cannot be used as {dst}: the value "
                                   "is None here (check `is not None` first)")
    with b.if_then(b.not_(b.extract_value(llv, 0)), likely=False):
        ctx.raise_exception(TypeError, (message,))
    return ctx.cast(b.extract_value(llv, 1), src.base, dst)


_COMPARISONS = ("lt", "le", "gt", "ge")


def none_message(opname: str, operands: list[t.Type]) -> str | None:
    """CPython's TypeError for operator `opname` applied to these operands with each Optional
    one None ('unsupported operand type(s) for +: 'NoneType' and 'float'')."""
    names = [_python_name(ty) for ty in operands]
    base = plain(opname)
    if len(names) == 1:
        return f"bad operand type for unary {symbol(opname)}: '{names[0]}'"
    if base in _COMPARISONS:
        return (f"'{symbol(base)}' not supported between instances of '{names[0]}' and "
                f"'{names[1]}'")
    if base in ("eq", "ne", "is_", "is_not", "in_", "not_in"):
        return None
    augmented = "=" if base != opname else ""
    return (f"unsupported operand type(s) for {symbol(base)}{augmented}: '{names[0]}' and "
            f"'{names[1]}'")


def _python_name(ty: t.Type) -> str:
    """The class name CPython would print for a value of `ty` (None for an Optional)."""
    if isinstance(ty, (t.Optional, t.NoneType)):
        return "NoneType"
    if isinstance(ty, t.Array):
        return "numpy.ndarray"
    if isinstance(ty, t.Tuple):
        return "tuple"
    return {t.boolean: "bool", t.int64: "int", t.float64: "float",
            t.complex128: "complex"}.get(ty, f"numpy.{ty}")


def optional_truth(ctx: Context, llv: ir.Value, ty: t.Optional) -> ir.Value:
    """bool(x): False for None, else the value's truth (an array's as NumPy's bool(a))."""
    b = ctx.b
    present = b.extract_value(llv, 0)
    value = b.extract_value(llv, 1)
    before = b.block
    with b.if_then(present) as then:
        truth = (_array_truth(ctx, value, ty.base) if isinstance(ty.base, t.Array)
                 else ctx.truth(value, ty.base))
        inner = b.block
    del then
    phi = b.phi(i1, name="optional_truth")
    phi.add_incoming(ir.Constant(i1, 0), before)
    phi.add_incoming(truth, inner)
    return phi


def _array_truth(ctx: Context, arr: ir.Value, ty: t.Array) -> ir.Value:
    """NumPy's bool(a): the element of a one-element array, else ValueError."""
    b = ctx.b
    size: ir.Value = ir.Constant(i64, 1)
    for axis in range(ty.ndim):
        size = b.mul(size, arraymodel.shape(b, arr, axis))
    with b.if_then(b.icmp_unsigned("==", size, ir.Constant(i64, 0)), likely=False):
        ctx.raise_exception(ValueError, ("The truth value of an empty array is ambiguous. Use "
                                         "`array.size > 0` to check that an array is not "
                                         "empty.",))
    with b.if_then(b.icmp_unsigned("!=", size, ir.Constant(i64, 1)), likely=False):
        ctx.raise_exception(ValueError, ("The truth value of an array with more than one "
                                         "element is ambiguous. Use a.any() or a.all()",))
    element = arraymodel.load_element(b, ty, arraymodel.data(b, arr))
    return ctx.truth(element, ty.dtype)
