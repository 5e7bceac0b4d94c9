"""Reductions (sum, prod, mean, var, std, min, max, argmin, argmax, all, any) and scans
(cumsum, cumprod) of arrays, as methods and as NumPy functions.

    a.sum()          one loop over every element; for a contiguous float array under
                     fastmath=True LLVM vectorises it (the accumulator lives in an alloca
                     that mem2reg turns into a phi)
    a.sum(axis=1)    a new C array; for each position of the other axes an inner loop
                     along `axis` (the axis is a run-time value: one loop nest per possible
                     axis, chosen by a switch)

var and std use Welford's single-pass update (as accurate as NumPy's two passes);
mean, var and std accumulate in float64 (complex128) and round to the result type.
min/max propagate nan as NumPy does; argmin/argmax return the first nan's index.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from llvmlite import ir

from jitcore.typeinfer import types as t
from jitcore.typeinfer.rules.reductions import NP_FUNCS, REDUCTIONS, SCANS

from .. import arraymodel as am
from ..context import Context
from ..models import i1, i64, llvm_type
from ..registry import find, lower
from .arraycreate import allocate
from .arrayloops import ONE, ZERO, byte_offset, counted_loop, nested_loops, walk

_ORDER_FREE = ("sum", "prod", "mean", "var", "std", "min", "max", "all", "any")


def arith(ctx: Context, op: str, ty: t.Type, a: ir.Value, b: ir.Value) -> ir.Value:
    """`a <op> b` for two values of the number type `ty`, by the scalar implementation."""
    sig = t.Signature(ty, (ty, ty))
    impl = find(op, sig.args)
    assert impl is not None, (op, ty)
    return impl(ctx, sig, a, b)


def compare(ctx: Context, op: str, ty: t.Type, a: ir.Value, b: ir.Value) -> ir.Value:
    sig = t.Signature(t.boolean, (ty, ty))
    impl = find(op, sig.args)
    assert impl is not None, (op, ty)
    return impl(ctx, sig, a, b)


def is_nan(ctx: Context, ty: t.Type, x: ir.Value) -> ir.Value:
    if isinstance(ty, t.Float):
        return ctx.b.fcmp_unordered("uno", x, x)
    return ir.Constant(i1, 0)


def extreme(ty: t.Type, largest: bool) -> Any:
    """The value no element exceeds (largest) or undercuts: +-inf, integer limits, bools."""
    if isinstance(ty, t.Float):
        return float("inf") if largest else float("-inf")
    if isinstance(ty, t.Boolean):
        return largest
    assert isinstance(ty, t.Integer)
    if ty.signed:
        return (1 << (ty.bitwidth - 1)) - 1 if largest else -(1 << (ty.bitwidth - 1))
    return (1 << ty.bitwidth) - 1 if largest else 0


class Reducer:
    """One reduction's state (allocas): init() before a run, step() per element, finish()."""

    def __init__(self, ctx: Context, kind: str, dtype: t.Type, out: t.Type,
                 ddof: ir.Value | None = None) -> None:
        self.ctx, self.kind, self.dtype, self.out = ctx, kind, dtype, out
        self.ddof = ddof
        if kind in ("mean", "var", "std"):
            self.acc_ty: t.Type = t.complex128 if isinstance(dtype, t.Complex) else t.float64
        elif kind in ("min", "max", "argmin", "argmax"):
            self.acc_ty = dtype
        elif kind in ("all", "any"):
            self.acc_ty = t.boolean
        else:
            self.acc_ty = out
        self.acc = ctx.alloca(llvm_type(self.acc_ty), f"{kind}.acc")
        self.aux = ctx.alloca(llvm_type(self.acc_ty), f"{kind}.aux")
        self.index = ctx.alloca(i64, f"{kind}.index")

    def init(self) -> None:
        ctx, kind = self.ctx, self.kind
        if kind in ("min", "argmin", "max", "argmax"):
            first = ctx.constant(extreme(self.dtype, kind.endswith("min")), self.dtype)
        elif kind in ("prod", "cumprod", "all"):
            first = ctx.constant(1, self.acc_ty)
        else:
            first = ctx.constant(0, self.acc_ty)
        ctx.b.store(first, self.acc)
        ctx.b.store(ctx.constant(0, self.acc_ty), self.aux)
        ctx.b.store(ZERO, self.index)

    def step(self, x: ir.Value, k: ir.Value) -> None:
        """Fold element `x` (of the array's dtype) with C-order position `k` into the state."""
        ctx, b, kind = self.ctx, self.ctx.b, self.kind
        acc = b.load(self.acc)
        if kind in ("sum", "cumsum", "prod", "cumprod"):
            op = "add" if kind in ("sum", "cumsum") else "mul"
            b.store(arith(ctx, op, self.acc_ty, acc, ctx.cast(x, self.dtype, self.acc_ty)),
                    self.acc)
        elif kind in ("all", "any"):
            truth = ctx.truth(x, self.dtype)
            b.store(b.and_(acc, truth) if kind == "all" else b.or_(acc, truth), self.acc)
        elif kind in ("min", "max", "argmin", "argmax"):
            op = "lt" if kind.endswith("min") else "gt"
            better = compare(ctx, op, self.dtype, x, acc)
            # nan wins over numbers; the first nan stays
            first_nan = b.and_(is_nan(ctx, self.dtype, x),
                               b.not_(is_nan(ctx, self.dtype, acc)))
            take = b.or_(better, first_nan)
            b.store(b.select(take, x, acc), self.acc)
            b.store(b.select(take, k, b.load(self.index)), self.index)
        elif kind == "mean":
            b.store(arith(ctx, "add", self.acc_ty, acc, ctx.cast(x, self.dtype, self.acc_ty)),
                    self.acc)
        else:  # var, std: Welford's update of the mean (acc) and the squared deviations (aux)
            ty = self.acc_ty
            xv = ctx.cast(x, self.dtype, ty)
            n = b.add(k, ONE)
            delta = arith(ctx, "sub", ty, xv, acc)
            mean = arith(ctx, "add", ty, acc,
                         arith(ctx, "truediv", ty, delta, ctx.cast(n, t.int64, ty)))
            b.store(mean, self.acc)
            after = arith(ctx, "sub", ty, xv, mean)
            b.store(arith(ctx, "add", ty, b.load(self.aux), self._dot(delta, after)), self.aux)

    def _dot(self, u: ir.Value, v: ir.Value) -> ir.Value:
        """Re(u * conj(v)) as a value of the accumulator type (u * v for reals)."""
        ctx, b = self.ctx, self.ctx.b
        if not isinstance(self.acc_ty, t.Complex):
            return arith(ctx, "mul", self.acc_ty, u, v)
        part = b.fadd(b.fmul(b.extract_value(u, 0), b.extract_value(v, 0)),
                      b.fmul(b.extract_value(u, 1), b.extract_value(v, 1)))
        return ctx.make_complex(part, None, self.acc_ty)

    def finish(self, count: ir.Value) -> ir.Value:
        """The result, given the number of elements folded."""
        ctx, b, kind = self.ctx, self.ctx.b, self.kind
        acc = b.load(self.acc)
        if kind in ("argmin", "argmax"):
            return b.load(self.index)
        if kind == "mean":
            n = ctx.cast(count, t.int64, t.float64)
            if isinstance(self.acc_ty, t.Complex):
                re, im = (b.fdiv(b.extract_value(acc, j), n) for j in (0, 1))
                return ctx.cast(ctx.make_complex(re, im, self.acc_ty), self.acc_ty, self.out)
            return ctx.cast(b.fdiv(acc, n), t.float64, self.out)
        if kind in ("var", "std"):
            m2 = b.load(self.aux)
            if isinstance(self.acc_ty, t.Complex):
                m2 = b.extract_value(m2, 0)
            assert self.ddof is not None
            dof = ctx.cast(b.sub(count, self.ddof), t.int64, t.float64)
            var = b.fdiv(m2, dof)
            if kind == "std":
                var = b.call(ctx.intrinsic("llvm.sqrt", var.type), [var])
            return ctx.cast(var, t.float64, self.out)
        return ctx.cast(acc, self.acc_ty, self.out)


def _bind(names: tuple[str, ...], args: tuple[Any, ...], types: tuple[t.Type, ...],
          kwnames: tuple[str, ...]) -> dict[str, tuple[ir.Value, t.Type]]:
    """Extra arguments by parameter name: positional ones first, then the keywords."""
    npos = len(args) - len(kwnames)
    keys = list(names[:npos]) + list(kwnames)
    return {k: (v, ty) for k, v, ty in zip(keys, args, types)}


def _wrap_axis(ctx: Context, axis: ir.Value, ndim: int) -> ir.Value:
    """The axis as 0..ndim-1, or AxisError as NumPy raises it."""
    b = ctx.b
    n = ir.Constant(i64, ndim)
    wrapped = b.select(b.icmp_signed("<", axis, ZERO), b.add(axis, n), axis)
    bad = b.or_(b.icmp_signed("<", wrapped, ZERO), b.icmp_signed(">=", wrapped, n))
    with b.if_then(bad, likely=False):
        ctx.raise_formatted(np.exceptions.AxisError,
                            f"axis %lld is out of bounds for array of dimension {ndim}", axis)
    return wrapped


def _empty_error(ctx: Context, kind: str, size: ir.Value) -> None:
    """min/max/argmin/argmax of nothing raise ValueError with NumPy's messages."""
    if kind not in ("min", "max", "argmin", "argmax"):
        return
    b = ctx.b
    name = {"min": "minimum", "max": "maximum"}.get(kind)
    msg = (f"zero-size array to reduction operation {name} which has no identity" if name
           else f"attempt to get {kind} of an empty sequence")
    with b.if_then(b.icmp_signed("==", size, ZERO), likely=False):
        ctx.raise_exception(ValueError, (msg,))


def reduce_all(ctx: Context, kind: str, ty: t.Array, arr: ir.Value, out: t.Type,
               ddof: ir.Value | None) -> ir.Value:
    """The reduction of every element to one scalar."""
    b = ctx.b
    count = b.extract_value(arr, am.NITEMS) if ty.ndim else ONE
    _empty_error(ctx, kind, count)
    red = Reducer(ctx, kind, ty.dtype, out, ddof)
    red.init()
    position = ctx.alloca(i64, "pos")
    b.store(ZERO, position)

    def body(ptr: ir.Value) -> None:
        k = b.load(position)
        red.step(am.load_element(b, ty, ptr), k)
        b.store(b.add(k, ONE), position)

    walk(ctx, ty, arr, body, any_order=kind in _ORDER_FREE)
    return red.finish(count)


def _outer_loops(ctx: Context, arr: ir.Value, axes: list[int], ptrs: list[ir.Value],
                 strides: list[list[ir.Value]], body: Any) -> None:
    """Nested loops over `axes` of `arr` moving each pointer by its own stride per axis."""
    nested_loops(ctx, [am.shape(ctx.b, arr, a) for a in axes], ptrs, strides, body, "out")


def reduce_axis(ctx: Context, kind: str, ty: t.Array, arr: ir.Value, axis: ir.Value,
                out_ty: t.Type, ddof: ir.Value | None) -> ir.Value:
    """The reduction along `axis`: an array of the other axes (or a scalar for 1-d input)."""
    b = ctx.b
    axis = _wrap_axis(ctx, axis, ty.ndim)
    if not isinstance(out_ty, t.Array):
        return reduce_all(ctx, kind, ty, arr, out_ty, ddof)
    slot = ctx.alloca(llvm_type(out_ty), "reduced")
    for k in range(ty.ndim):
        with b.if_then(b.icmp_signed("==", axis, ir.Constant(i64, k))):
            others = [a for a in range(ty.ndim) if a != k]
            length = am.shape(b, arr, k)
            _empty_error(ctx, kind, length)  # before allocating: a raise would leak it
            out = allocate(ctx, out_ty, [am.shape(b, arr, a) for a in others])
            red = Reducer(ctx, kind, ty.dtype, out_ty.dtype, ddof)
            out_strides = [am.stride(b, out, j) for j in range(out_ty.ndim)]
            in_strides = [am.stride(b, arr, a) for a in others]
            along = am.stride(b, arr, k)

            def body(ptrs: list[ir.Value], red: Reducer = red, length: ir.Value = length,
                     along: ir.Value = along) -> None:
                src, dst = ptrs
                red.init()
                with counted_loop(ctx, length, "along") as j:
                    red.step(am.load_element(b, ty, byte_offset(b, src, b.mul(j, along))), j)
                am.store_element(b, out_ty, dst, red.finish(length))

            _outer_loops(ctx, arr, others, [am.data(b, arr), am.data(b, out)],
                         [in_strides, out_strides], body)
            b.store(out, slot)
    return b.load(slot)


def scan(ctx: Context, kind: str, ty: t.Array, arr: ir.Value, axis: ir.Value | None,
         out_ty: t.Array) -> ir.Value:
    """cumsum/cumprod: flattened in C order without an axis, else along `axis`."""
    b = ctx.b
    if axis is None or ty.ndim <= 1:
        if axis is not None:
            _wrap_axis(ctx, axis, max(ty.ndim, 1))
        count = b.extract_value(arr, am.NITEMS) if ty.ndim else ONE
        out = allocate(ctx, out_ty, [count])
        red = Reducer(ctx, kind, ty.dtype, out_ty.dtype)
        red.init()
        position = ctx.alloca(i64, "pos")
        b.store(ZERO, position)
        dst = am.data(b, out)

        def body(ptr: ir.Value) -> None:
            k = b.load(position)
            red.step(am.load_element(b, ty, ptr), k)
            am.store_element(b, out_ty, b.gep(dst, [k], inbounds=True), b.load(red.acc))
            b.store(b.add(k, ONE), position)

        walk(ctx, ty, arr, body)
        return out
    axis = _wrap_axis(ctx, axis, ty.ndim)
    out = allocate(ctx, out_ty, [am.shape(b, arr, a) for a in range(ty.ndim)])
    for k in range(ty.ndim):
        with b.if_then(b.icmp_signed("==", axis, ir.Constant(i64, k))):
            others = [a for a in range(ty.ndim) if a != k]
            red = Reducer(ctx, kind, ty.dtype, out_ty.dtype)
            strides = [[am.stride(b, x, a) for a in others] for x in (arr, out)]
            along_in, along_out = am.stride(b, arr, k), am.stride(b, out, k)

            def along(ptrs: list[ir.Value], red: Reducer = red, k: int = k,
                      along_in: ir.Value = along_in, along_out: ir.Value = along_out) -> None:
                src, dst = ptrs
                red.init()
                with counted_loop(ctx, am.shape(b, arr, k), "along") as j:
                    red.step(am.load_element(b, ty, byte_offset(b, src, b.mul(j, along_in))), j)
                    am.store_element(b, out_ty, byte_offset(b, dst, b.mul(j, along_out)),
                                     b.load(red.acc))

            _outer_loops(ctx, arr, others, [am.data(b, arr), am.data(b, out)], strides, along)
    return out


def _reduction(kind: str) -> Any:
    def impl(ctx: Context, sig: t.Signature, arr: ir.Value, *extra: ir.Value,
             kwnames: tuple[str, ...] = ()) -> ir.Value:
        ty = sig.args[0]
        assert isinstance(ty, t.Array)
        names = ("axis", "ddof") if kind in ("var", "std") else ("axis",)
        bound = _bind(names, extra, sig.args[1:], kwnames)
        axis = bound.get("axis")
        axis_llv = None if axis is None or not isinstance(axis[1], t.Integer) else axis[0]
        ddof = bound.get("ddof")
        ddof_llv = ddof[0] if ddof is not None and isinstance(ddof[1], t.Integer) else ZERO
        if kind in SCANS:
            assert isinstance(sig.return_type, t.Array)
            return scan(ctx, kind, ty, arr, axis_llv, sig.return_type)
        if axis_llv is None:
            return reduce_all(ctx, kind, ty, arr, sig.return_type, ddof_llv)
        return reduce_axis(ctx, kind, ty, arr, axis_llv, sig.return_type, ddof_llv)
    return impl


def _receiver(ctx: Context, sig: t.Signature, arr: ir.Value) -> ir.Value:
    """`a.sum` before the call: the bound method is the array itself, one more reference."""
    ctx.incref(arr, sig.args[0])
    return arr


for _kind in REDUCTIONS + SCANS:
    lower(f"method.{_kind}")(_reduction(_kind))  # any extra arguments
    lower(f"getattr.{_kind}", t.Array)(_receiver)
for _fn, _kind in NP_FUNCS.items():
    lower(_fn)(_reduction(_kind))
