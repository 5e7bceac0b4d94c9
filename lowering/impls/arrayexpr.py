"""Emit ArrayExpr ops: one loop over the broadcast shape, elements computed by the scalar code.

    out = arrayexpr add(mul(a, b), c)       ->   for i in range(n): out[i] = a[i] * b[i] + c[i]

When every array operand is C-contiguous with the result's shape (checked at run
time), the loop is a flat unit-stride loop LLVM vectorises; otherwise a loop nest
walks each operand by its strides, with stride 0 along broadcast axes. Elements
follow NumPy's semantics (error_model "numpy": no exceptions inside the loop).
In-place updates whose other operands overlap the target in a different layout
work on a copy of those operands, as NumPy does.
"""
from __future__ import annotations

import builtins
import math
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
from llvmlite import ir

from jitcore.frontend import ir as jir
from jitcore.frontend.errors import LoweringError
from jitcore.typeinfer import types as t
from jitcore.typeinfer.rules.arrayexpr import CLIP, UFUNCS, loop_signature

from .. import arraymodel as am
from ..context import Context
from ..models import i1, i8p, i64, llvm_type
from ..registry import find, lower
from .arraycreate import allocate
from .mathlib import call_math

Element = Callable[[Context, t.Signature, list[ir.Value]], ir.Value]

_T = TypeVar("_T")

# ufuncs computed by the implementation of an operator or a function of the scalar registry
_BY_KEY: dict[Any, Any] = {
    np.add: "add", np.subtract: "sub", np.multiply: "mul", np.divide: "truediv",
    np.true_divide: "truediv", np.floor_divide: "floordiv", np.remainder: "mod",
    np.mod: "mod", np.power: "pow", np.negative: "neg", np.positive: "pos",
    np.bitwise_and: "and_", np.bitwise_or: "or_", np.bitwise_xor: "xor",
    np.left_shift: "lshift", np.right_shift: "rshift", np.less: "lt", np.less_equal: "le",
    np.greater: "gt", np.greater_equal: "ge", np.equal: "eq", np.not_equal: "ne",
    np.absolute: builtins.abs, np.arctan2: math.atan2, np.hypot: math.hypot,
    np.copysign: math.copysign, np.conjugate: "method.conjugate",
}
# float ufuncs -> (LLVM intrinsic or None, libm name)
_MATH: dict[Any, tuple[str | None, str]] = {
    np.sqrt: ("llvm.sqrt", "sqrt"), np.exp: ("llvm.exp", "exp"), np.exp2: ("llvm.exp2", "exp2"),
    np.log: ("llvm.log", "log"), np.log2: ("llvm.log2", "log2"),
    np.log10: ("llvm.log10", "log10"), np.sin: ("llvm.sin", "sin"),
    np.cos: ("llvm.cos", "cos"), np.fabs: ("llvm.fabs", "fabs"),
    np.floor: ("llvm.floor", "floor"), np.ceil: ("llvm.ceil", "ceil"),
    np.trunc: ("llvm.trunc", "trunc"), np.rint: ("llvm.rint", "rint"),
    np.expm1: (None, "expm1"), np.log1p: (None, "log1p"), np.tan: (None, "tan"),
    np.arcsin: (None, "asin"), np.arccos: (None, "acos"), np.arctan: (None, "atan"),
    np.sinh: (None, "sinh"), np.cosh: (None, "cosh"), np.tanh: (None, "tanh"),
    np.arcsinh: (None, "asinh"), np.arccosh: (None, "acosh"), np.arctanh: (None, "atanh"),
}
_CUSTOM: dict[Any, Element] = {}


def _custom(*ufuncs: Any) -> Callable[[Element], Element]:
    def decorator(fn: Element) -> Element:
        for u in ufuncs:
            _CUSTOM[u] = fn
        return fn
    return decorator


def register_element(ufunc: Any, fn: Element) -> None:
    """How one element of a ufunc defined elsewhere (a @vectorize ufunc) is computed."""
    _CUSTOM[ufunc] = fn


def apply_element(ctx: Context, ufunc: Any, loop: t.Signature, args: list[ir.Value]) -> ir.Value:
    """One element of `ufunc` on values already of the loop's input types."""
    custom = _CUSTOM.get(ufunc)
    if custom is not None:
        return custom(ctx, loop, args)
    kind = loop.args[0]
    if isinstance(kind, t.Complex) and ufunc in _COMPLEX_ORDER:
        return _complex_order(ctx, _COMPLEX_ORDER[ufunc], *args)
    if ufunc in _MATH and isinstance(kind, t.Float):
        return call_math(ctx, *_MATH[ufunc], *args)
    if ufunc in _MATH and isinstance(kind, (t.Integer, t.Boolean)) and ufunc in (
            np.floor, np.ceil, np.trunc, np.rint):
        return args[0]  # integer loops of rounding functions are the identity
    key = _BY_KEY.get(ufunc)
    if isinstance(kind, t.Boolean) and ufunc in (np.add, np.multiply):
        key = "or_" if ufunc is np.add else "and_"  # NumPy's bool loops are logical
    if ufunc is np.invert and isinstance(kind, t.Boolean):
        key = "not_"
    elif ufunc is np.invert:
        key = "invert"
    if key is None and isinstance(kind, t.Complex):
        import cmath

        key = {np.sqrt: cmath.sqrt, np.exp: cmath.exp, np.log: cmath.log}.get(ufunc)
    impl = find(key, loop.args) if key is not None else None
    if impl is None:
        raise LoweringError(f"no elementwise implementation of np.{ufunc.__name__} for {loop}")
    return impl(ctx, loop, *args)


_COMPLEX_ORDER = {np.less: "<", np.less_equal: "<=", np.greater: ">", np.greater_equal: ">="}


def _complex_order(ctx: Context, pred: str, x: ir.Value, y: ir.Value) -> ir.Value:
    """NumPy orders complex numbers by real part, then imaginary part (NaN: False)."""
    b = ctx.b
    xr, xi, yr, yi = (b.extract_value(x, 0), b.extract_value(x, 1), b.extract_value(y, 0),
                      b.extract_value(y, 1))
    strict = pred.rstrip("=")
    by_real = b.fcmp_ordered(strict, xr, yr)
    tie = b.and_(b.fcmp_ordered("==", xr, yr), b.fcmp_ordered(pred, xi, yi))
    return b.or_(by_real, tie)


def _complex_has_nan(ctx: Context, z: ir.Value) -> ir.Value:
    b = ctx.b
    return b.or_(_fcmp_nan(ctx, b.extract_value(z, 0)), _fcmp_nan(ctx, b.extract_value(z, 1)))


def _fcmp_nan(ctx: Context, x: ir.Value) -> ir.Value:
    return ctx.b.fcmp_unordered("uno", x, x)


def _extreme(ufunc: Any) -> Element:
    is_min = ufunc in (np.minimum, np.fmin)
    propagate_nan = ufunc in (np.minimum, np.maximum)

    def impl(ctx: Context, loop: t.Signature, args: list[ir.Value]) -> ir.Value:
        b = ctx.b
        x, y = args
        kind = loop.args[0]
        if isinstance(kind, t.Float):
            pick_x = b.fcmp_ordered("<" if is_min else ">", x, y)
            best = b.select(pick_x, x, y)
            if propagate_nan:  # NaN wins, from either side
                best = b.select(_fcmp_nan(ctx, x), x, b.select(_fcmp_nan(ctx, y), y, best))
            else:  # fmin/fmax ignore a NaN operand
                best = b.select(_fcmp_nan(ctx, y), x, b.select(_fcmp_nan(ctx, x), y, best))
            return best
        if isinstance(kind, t.Complex):
            best = b.select(_complex_order(ctx, "<" if is_min else ">", x, y), x, y)
            x_nan = _complex_has_nan(ctx, x)
            y_nan = _complex_has_nan(ctx, y)
            if propagate_nan:
                return b.select(x_nan, x, b.select(y_nan, y, best))
            return b.select(y_nan, x, b.select(x_nan, y, best))
        signed = isinstance(kind, t.Integer) and kind.signed
        cmp = b.icmp_signed if signed else b.icmp_unsigned
        return b.select(cmp("<" if is_min else ">", x, y), x, y)
    return impl


_CUSTOM.update({u: _extreme(u) for u in (np.minimum, np.maximum, np.fmin, np.fmax)})


@_custom(np.square)
def _square(ctx: Context, loop: t.Signature, args: list[ir.Value]) -> ir.Value:
    impl = find("mul", (loop.args[0], loop.args[0]))
    assert impl is not None
    return impl(ctx, t.Signature(loop.return_type, (loop.args[0],) * 2), args[0], args[0])


@_custom(np.reciprocal)
def _reciprocal(ctx: Context, loop: t.Signature, args: list[ir.Value]) -> ir.Value:
    (x,) = args
    if isinstance(loop.args[0], t.Float):
        return ctx.b.fdiv(ir.Constant(x.type, 1.0), x)
    if isinstance(loop.args[0], t.Integer):  # NumPy: 1 // x, 0 for |x| > 1, x = 0 gives 0
        one = ir.Constant(x.type, 1)
        is_unit = ctx.b.or_(ctx.b.icmp_signed("==", x, one),
                            ctx.b.icmp_signed("==", x, ir.Constant(x.type, -1)))
        return ctx.b.select(is_unit, x, ir.Constant(x.type, 0))
    raise LoweringError(f"np.reciprocal of {loop.args[0]}")


@_custom(np.sign)
def _sign(ctx: Context, loop: t.Signature, args: list[ir.Value]) -> ir.Value:
    b = ctx.b
    (x,) = args
    kind = loop.args[0]
    if isinstance(kind, t.Float):
        zero = ir.Constant(x.type, 0.0)
        pos = b.uitofp(b.fcmp_ordered(">", x, zero), x.type)
        neg = b.uitofp(b.fcmp_ordered("<", x, zero), x.type)
        return b.select(_fcmp_nan(ctx, x), x, b.fsub(pos, neg))
    if isinstance(kind, t.Integer):
        zero = ir.Constant(x.type, 0)
        pos = b.zext(b.icmp_signed(">", x, zero) if kind.signed else
                     b.icmp_unsigned(">", x, zero), x.type)
        neg = b.zext(b.icmp_signed("<", x, zero), x.type) if kind.signed else zero
        return b.sub(pos, neg)
    raise LoweringError(f"np.sign of {kind}")


def _classifier(ufunc: Any) -> Element:
    def impl(ctx: Context, loop: t.Signature, args: list[ir.Value]) -> ir.Value:
        b = ctx.b
        (x,) = args
        if not isinstance(loop.args[0], t.Float):
            if ufunc is np.signbit and isinstance(loop.args[0], t.Integer) and loop.args[0].signed:
                return b.icmp_signed("<", x, ir.Constant(x.type, 0))
            return ir.Constant(i1, int(ufunc is np.isfinite))
        if ufunc is np.isnan:
            return _fcmp_nan(ctx, x)
        absx = b.call(ctx.intrinsic("llvm.fabs", x.type), [x])
        inf = ir.Constant(x.type, float("inf"))
        if ufunc is np.isinf:
            return b.fcmp_ordered("==", absx, inf)
        if ufunc is np.isfinite:
            return b.fcmp_ordered("<", absx, inf)
        bits = b.bitcast(x, ir.IntType(64 if isinstance(x.type, ir.DoubleType) else 32))
        return b.icmp_signed("<", bits, ir.Constant(bits.type, 0))
    return impl


_CUSTOM.update({u: _classifier(u) for u in (np.isnan, np.isinf, np.isfinite, np.signbit)})


def _scale(factor: float) -> Element:
    def impl(ctx: Context, loop: t.Signature, args: list[ir.Value]) -> ir.Value:
        return ctx.b.fmul(args[0], ir.Constant(args[0].type, factor))
    return impl


_CUSTOM[np.deg2rad] = _scale(math.pi / 180.0)
_CUSTOM[np.rad2deg] = _scale(180.0 / math.pi)


def _logical(op: str) -> Element:
    def impl(ctx: Context, loop: t.Signature, args: list[ir.Value]) -> ir.Value:
        truths = [ctx.truth(v, ty) for v, ty in zip(args, loop.args)]
        if op == "not":
            return ctx.b.xor(truths[0], ir.Constant(i1, 1))
        return getattr(ctx.b, op)(*truths)
    return impl


_CUSTOM[np.logical_and] = _logical("and_")
_CUSTOM[np.logical_or] = _logical("or_")
_CUSTOM[np.logical_xor] = _logical("xor")
_CUSTOM[np.logical_not] = _logical("not")


def _where(ctx: Context, loop: t.Signature, args: list[ir.Value]) -> ir.Value:
    cond, x, y = args
    return ctx.b.select(ctx.truth(cond, loop.args[0]), x, y)


_CUSTOM[np.where] = _where
if CLIP is not None:
    def _clip(ctx: Context, loop: t.Signature, args: list[ir.Value]) -> ir.Value:
        x, lo, hi = args
        two = t.Signature(loop.return_type, (loop.args[0],) * 2)
        return _CUSTOM[np.minimum](ctx, two, [_CUSTOM[np.maximum](ctx, two, [x, lo]), hi])

    _CUSTOM[np.clip] = _clip
    _CUSTOM[CLIP] = _clip


# --- scalar calls of ufuncs: np.sqrt(2.0) ---------------------------------------------

def _scalar_ufunc(ufunc: Any) -> Callable[..., ir.Value]:
    def impl(ctx: Context, sig: t.Signature, *args: ir.Value) -> ir.Value:
        loop = _loop_for(ufunc, sig.args)
        vals = [ctx.cast(v, ty, want) for v, ty, want in zip(args, sig.args, loop.args)]
        return _numpy_semantics(ctx, lambda: apply_element(ctx, ufunc, loop, vals))
    return impl


def _loop_for(ufunc: Any, operands: tuple[t.Type, ...]) -> t.Signature:
    if ufunc is np.where:
        inner = loop_signature(np.add, operands[1:])
        assert inner is not None
        return t.Signature(inner.args[0], (t.boolean, inner.args[0], inner.args[0]))
    loop = loop_signature(CLIP if ufunc is np.clip else ufunc, operands)
    assert loop is not None, (ufunc, operands)
    return loop


def _numpy_semantics(ctx: Context, compute: Callable[[], _T]) -> _T:
    saved = ctx.options
    ctx.options = {**saved, "error_model": "numpy"}
    try:
        return compute()
    finally:
        ctx.options = saved


for _u in (*UFUNCS, np.where, np.clip):
    lower(_u)(_scalar_ufunc(_u))


# --- the loops -------------------------------------------------------------------------

def emit_array_expr(ctx: Context, op: jir.ArrayExpr, leaf_values: list[ir.Value]) -> ir.Value:
    """The result array of `op` (a new reference), computed in one pass; or the scalar
    an expression of 0-d arrays and scalars gives."""
    out_ty = op.result.type  # type: ignore[union-attr]
    leaf_types = [v.type for v in op.leaves]
    if not isinstance(out_ty, t.Array):
        elements = [am.load_element(ctx.b, ty, am.data(ctx.b, v)) if isinstance(ty, t.Array)
                    else v for v, ty in zip(leaf_values, leaf_types)]
        return _numpy_semantics(ctx, lambda: ctx.cast(
            _evaluate(ctx, op.tree, elements, leaf_types), _tree_type(op.tree, leaf_types),
            out_ty))
    dims = _broadcast_shape(ctx, out_ty.ndim, leaf_values, leaf_types)
    copies: list[ir.Value] = []
    if op.inplace:
        out = leaf_values[0]
        _check_target_shape(ctx, out, out_ty, dims)
        leaf_values, copies = _separate_overlaps(ctx, out, out_ty, leaf_values, leaf_types)
        ctx.incref(out, out_ty)  # the expression's value is the target itself
    else:
        out = allocate(ctx, out_ty, dims)
    _numpy_semantics(ctx, lambda: _emit_loops(ctx, op, out, out_ty, dims, leaf_values,
                                              leaf_types))
    from .. import runtime

    for meminfo_slot in copies:  # temporary copies of overlapping operands
        ctx.b.call(runtime.decref(ctx.module), [ctx.b.load(meminfo_slot)])
    return out


def _broadcast_shape(ctx: Context, ndim: int, values: list[ir.Value],
                     types: list[t.Type]) -> list[ir.Value]:
    b = ctx.b
    one = ir.Constant(i64, 1)
    dims: list[ir.Value] = []
    for axis in range(ndim):
        size: ir.Value = one
        for v, ty in zip(values, types):
            k = axis - (ndim - ty.ndim) if isinstance(ty, t.Array) else -1
            if k >= 0:
                d = am.shape(b, v, k)
                size = b.select(b.icmp_signed("==", d, one), size, d)
        dims.append(size)
    for v, ty in zip(values, types):  # every operand axis is 1 or the result's
        if not isinstance(ty, t.Array):
            continue
        for k in range(ty.ndim):
            d = am.shape(b, v, k)
            want = dims[k + ndim - ty.ndim]
            bad = b.and_(b.icmp_signed("!=", d, one), b.icmp_signed("!=", d, want))
            with b.if_then(bad, likely=False):
                ctx.raise_exception(ValueError, ("operands could not be broadcast together",))
    return dims


def _check_target_shape(ctx: Context, out: ir.Value, ty: t.Array, dims: list[ir.Value]) -> None:
    b = ctx.b
    for axis, d in enumerate(dims):
        with b.if_then(b.icmp_signed("!=", am.shape(b, out, axis), d), likely=False):
            ctx.raise_exception(ValueError, ("non-broadcastable output operand",))


def _extent(ctx: Context, v: ir.Value, ty: t.Array) -> tuple[ir.Value, ir.Value]:
    """[low, high) byte addresses an array's elements span."""
    b = ctx.b
    base = b.ptrtoint(am.data(b, v), i64)
    low, high = base, b.add(base, ir.Constant(i64, am.itemsize(ty)))
    zero = ir.Constant(i64, 0)
    for k in range(ty.ndim):
        span = b.mul(b.sub(am.shape(b, v, k), ir.Constant(i64, 1)), am.stride(b, v, k))
        low = b.add(low, b.select(b.icmp_signed("<", span, zero), span, zero))
        high = b.add(high, b.select(b.icmp_signed(">", span, zero), span, zero))
    return low, high


def _separate_overlaps(ctx: Context, out: ir.Value, out_ty: t.Array, values: list[ir.Value],
                       types: list[t.Type]) -> tuple[list[ir.Value], list[ir.Value]]:
    """Operands that overlap the target other than element for element are copied first.

    Returns the operands to use and slots holding the copies' meminfos (null if none).
    """
    b = ctx.b
    result = list(values)
    copies = []
    out_low, out_high = _extent(ctx, out, out_ty)
    for i in range(1, len(values)):
        ty = types[i]
        if not isinstance(ty, t.Array):
            continue
        low, high = _extent(ctx, values[i], ty)
        overlap = b.and_(b.icmp_signed("<", low, out_high), b.icmp_signed("<", out_low, high))
        same = b.icmp_unsigned("==", b.ptrtoint(am.data(b, values[i]), i64),
                               b.ptrtoint(am.data(b, out), i64))
        for k in range(min(ty.ndim, out_ty.ndim)):
            same = b.and_(same, b.icmp_signed("==", am.stride(b, values[i], ty.ndim - 1 - k),
                                              am.stride(b, out, out_ty.ndim - 1 - k)))
        same = b.and_(same, ir.Constant(i1, int(ty.ndim == out_ty.ndim)))
        needs_copy = b.and_(overlap, b.xor(same, ir.Constant(i1, 1)))
        slot = ctx.alloca(llvm_type(ty), "operand")
        meminfo_slot = ctx.alloca(i8p, "operand.copy")
        b.store(values[i], slot)
        b.store(ir.Constant(i8p, None), meminfo_slot)
        with b.if_then(needs_copy, likely=False):
            copy_ty = ty.copy(layout="C", readonly=False)
            copy = allocate(ctx, copy_ty, [am.shape(b, values[i], k) for k in range(ty.ndim)])
            _copy_into(ctx, copy, copy_ty, values[i], ty)
            b.store(copy, slot)  # the struct does not depend on the layout letter
            b.store(b.extract_value(copy, am.MEMINFO), meminfo_slot)
        result[i] = b.load(slot)
        copies.append(meminfo_slot)
    return result, copies


def _copy_into(ctx: Context, dst: ir.Value, dst_ty: t.Array, src: ir.Value,
               src_ty: t.Array) -> None:
    dims = [am.shape(ctx.b, dst, k) for k in range(dst_ty.ndim)]

    def body(index: list[ir.Value]) -> None:
        value = am.load_element(ctx.b, src_ty, am.element_pointer(ctx.b, src_ty, src, index))
        am.store_element(ctx.b, dst_ty, am.element_pointer(ctx.b, dst_ty, dst, index), value)

    _nest(ctx, dims, body)


def _nest(ctx: Context, dims: list[ir.Value], body: Callable[[list[ir.Value]], None]) -> None:
    """Counted loops over `dims`, outermost first, calling body with the indices."""
    b = ctx.b
    index: list[ir.Value] = []

    def level(axis: int) -> None:
        if axis == len(dims):
            body(index)
            return
        start = b.block
        head = ctx.llfn.append_basic_block(f"ax{axis}.head")
        inner = ctx.llfn.append_basic_block(f"ax{axis}.body")
        done = ctx.llfn.append_basic_block(f"ax{axis}.done")
        b.branch(head)
        b.position_at_end(head)
        i = b.phi(i64, name=f"i{axis}")
        i.add_incoming(ir.Constant(i64, 0), start)
        b.cbranch(b.icmp_signed("<", i, dims[axis]), inner, done)
        b.position_at_end(inner)
        index.append(i)
        level(axis + 1)
        index.pop()
        i.add_incoming(b.add(i, ir.Constant(i64, 1), flags=["nsw"]), b.block)
        b.branch(head)
        b.position_at_end(done)

    level(0)


def _evaluate(ctx: Context, tree: Any, elements: list[ir.Value], types: list[t.Type]) -> ir.Value:
    if tree[0] == "leaf":
        return elements[tree[1]]
    _, ufunc, loop, children = tree
    values = []
    for child, want in zip(children, loop.args):
        have = _tree_type(child, types)
        values.append(ctx.cast(_evaluate(ctx, child, elements, types), have, want))
    return apply_element(ctx, ufunc, loop, values)


def _tree_type(tree: Any, types: list[t.Type]) -> t.Type:
    if tree[0] == "leaf":
        ty = types[tree[1]]
        return ty.dtype if isinstance(ty, t.Array) else ty
    return tree[2].return_type  # type: ignore[no-any-return]


def _emit_loops(ctx: Context, op: jir.ArrayExpr, out: ir.Value, out_ty: t.Array,
                dims: list[ir.Value], values: list[ir.Value], types: list[t.Type]) -> None:
    b = ctx.b
    result_type = _tree_type(op.tree, types)

    def store(element: ir.Value, ptr: ir.Value) -> None:
        am.store_element(b, out_ty, ptr, ctx.cast(element, result_type, out_ty.dtype))

    flat_ok = out_ty.layout == "C" and all(
        not isinstance(ty, t.Array) or (ty.layout == "C" and ty.ndim == out_ty.ndim)
        for ty in types)
    if flat_ok:
        same_shape: ir.Value = ir.Constant(i1, 1)
        for v, ty in zip(values, types):
            if isinstance(ty, t.Array):
                for k in range(ty.ndim):
                    same_shape = b.and_(same_shape,
                                        b.icmp_signed("==", am.shape(b, v, k), dims[k]))
        with b.if_else(same_shape, likely=True) as (flat, strided):
            with flat:
                _flat_loop(ctx, op, out, out_ty, dims, values, types, store)
            with strided:
                _strided_loops(ctx, op, out, out_ty, dims, values, types, store)
    else:
        _strided_loops(ctx, op, out, out_ty, dims, values, types, store)


def _flat_loop(ctx: Context, op: jir.ArrayExpr, out: ir.Value, out_ty: t.Array,
               dims: list[ir.Value], values: list[ir.Value], types: list[t.Type],
               store: Callable[[ir.Value, ir.Value], None]) -> None:
    b = ctx.b
    nitems: ir.Value = ir.Constant(i64, 1)
    for d in dims:
        nitems = b.mul(nitems, d)
    datas = [am.data(b, v) if isinstance(ty, t.Array) else None for v, ty in zip(values, types)]
    out_data = am.data(b, out)

    def body(index: list[ir.Value]) -> None:
        (i,) = index
        elements = [am.load_element(b, ty, b.gep(ptr, [i], inbounds=True))
                    if isinstance(ty, t.Array) else v
                    for v, ty, ptr in zip(values, types, datas)]
        store(_evaluate(ctx, op.tree, elements, types), b.gep(out_data, [i], inbounds=True))

    _nest(ctx, [nitems], body)


def _strided_loops(ctx: Context, op: jir.ArrayExpr, out: ir.Value, out_ty: t.Array,
                   dims: list[ir.Value], values: list[ir.Value], types: list[t.Type],
                   store: Callable[[ir.Value, ir.Value], None]) -> None:
    b = ctx.b
    ndim = out_ty.ndim
    one = ir.Constant(i64, 1)
    zero = ir.Constant(i64, 0)
    # Byte strides per result axis for every operand; 0 where it is broadcast.
    steps: list[list[ir.Value] | None] = []
    for v, ty in zip(values, types):
        if not isinstance(ty, t.Array):
            steps.append(None)
            continue
        per_axis = []
        for axis in range(ndim):
            k = axis - (ndim - ty.ndim)
            if k < 0:
                per_axis.append(zero)
            else:
                broadcast = b.icmp_signed("==", am.shape(b, v, k), one)
                per_axis.append(b.select(broadcast, zero, am.stride(b, v, k)))
        steps.append(per_axis)
    out_steps = [am.stride(b, out, k) for k in range(ndim)]

    def address(base: ir.Value, strides: list[ir.Value], index: list[ir.Value]) -> ir.Value:
        offset: ir.Value = zero
        for i, s in zip(index, strides):
            offset = b.add(offset, b.mul(i, s))
        raw = b.gep(b.bitcast(base, i8p), [offset], inbounds=True)
        return b.bitcast(raw, base.type)

    def body(index: list[ir.Value]) -> None:
        elements = []
        for v, ty, st in zip(values, types, steps):
            if st is None:
                elements.append(v)
            else:
                assert isinstance(ty, t.Array)
                elements.append(am.load_element(b, ty, address(am.data(b, v), st, index)))
        store(_evaluate(ctx, op.tree, elements, types), address(am.data(b, out), out_steps,
                                                                  index))

    _nest(ctx, dims, body)

