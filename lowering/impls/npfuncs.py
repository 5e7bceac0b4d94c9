"""NumPy functions: creation (arange, linspace, eye, identity, array, copy), joining
(concatenate, stack), sorting and searching (through jitcore/library/arrays.py),
histogram, round, isclose and allclose.

    np.arange(a, b, s)    length ceil((b - a) / s) (integers exactly), values a + i*s
    np.linspace(a, b, n)  a + i*step, the last value exactly b when endpoint is true
    np.sort(a)            a C copy of a, sorted in place by the compiled `sort_inplace`
    np.unique(a)          the sorted copy compacted in place; the result views its prefix
"""
from __future__ import annotations

from typing import Any

import numpy as np
from llvmlite import ir

from jitcore.typeinfer import types as t

from .. import arraymodel as am
from ..context import Context
from ..models import f64, i1, i8p, i64, llvm_type
from ..registry import lower
from .arraycreate import allocate
from .arrayloops import ONE, ZERO, byte_offset, copy_elements, counted_loop, nested_loops, walk
from .reductions import _bind as bind
from .reductions import _wrap_axis

def _is_none(ty: t.Type) -> bool:
    return isinstance(ty, t.NoneType) or (isinstance(ty, t.PyObjectConst) and ty.value is None)


# --- creation ------------------------------------------------------------------------------


@lower(np.arange)
def arange(ctx: Context, sig: t.Signature, start_or_stop: ir.Value, stop: ir.Value,
           step: ir.Value, dtype: ir.Value) -> ir.Value:
    """np.arange(start_or_stop, stop, step, dtype), bound: a None stop makes the first the
    stop, from 0 (the typing rule converted the numbers to one type)."""
    b = ctx.b
    calc = sig.args[0]
    zero, one = ctx.constant(0, calc), ctx.constant(1, calc)
    start = zero if _is_none(sig.args[1]) else start_or_stop
    stop = start_or_stop if _is_none(sig.args[1]) else stop
    step = one if _is_none(sig.args[2]) else step
    if isinstance(calc, t.Float):
        with b.if_then(b.fcmp_ordered("==", step, zero), likely=False):
            ctx.raise_exception(ZeroDivisionError, ("float division by zero",))
        ceil = ctx.intrinsic("llvm.ceil", f64)
        span = b.call(ceil, [b.fdiv(b.fsub(stop, start), step)])
        span = b.select(b.fcmp_unordered("uno", span, span), zero, span)
        with b.if_then(b.fcmp_ordered(">=", span, ir.Constant(f64, 2.0 ** 63)), likely=False):
            ctx.raise_exception(ValueError, ("Maximum allowed size exceeded",))
        count = b.fptosi(b.select(b.fcmp_ordered("<", span, zero), zero, span), i64)
    elif calc.signed and calc.bitwidth == 64:  # type: ignore[attr-defined]
        count = _int_arange_count(ctx, start, stop, step)
    else:
        with b.if_then(b.icmp_signed("==", step, zero), likely=False):
            ctx.raise_exception(ZeroDivisionError, ("division by zero",))
        # ceil((stop - start) / step) for either sign of step
        diff = b.sub(stop, start)
        pos = b.icmp_signed(">", step, zero)
        toward = b.select(pos, b.sub(step, one), b.add(step, one))
        count = b.sdiv(b.add(diff, toward), step)
        count = b.select(b.icmp_signed("<", count, zero), zero, count)
    ret = sig.return_type
    assert isinstance(ret, t.Array)
    out = allocate(ctx, ret, [count])
    data = am.data(b, out)
    with counted_loop(ctx, count, "arange") as i:
        value = (b.fadd(start, b.fmul(b.sitofp(i, f64), step)) if isinstance(calc, t.Float)
                 else b.add(start, b.mul(i, step)))
        am.store_element(b, ret, b.gep(data, [i], inbounds=True),
                         ctx.cast(value, calc, ret.dtype))
    return out


def _int_arange_count(ctx: Context, start: ir.Value, stop: ir.Value,
                      step: ir.Value) -> ir.Value:
    """ceil((stop - start) / step) without overflow: the distance is taken unsigned in
    the direction of the step, and a count past int64 is NumPy's ValueError."""
    b = ctx.b
    with b.if_then(b.icmp_signed("==", step, ZERO), likely=False):
        ctx.raise_exception(ZeroDivisionError, ("division by zero",))
    up = b.icmp_signed(">", step, ZERO)
    nonempty = b.select(up, b.icmp_signed("<", start, stop), b.icmp_signed(">", start, stop))
    distance = b.select(up, b.sub(stop, start), b.sub(start, stop))
    stride = b.select(up, step, b.sub(ZERO, step))
    count = b.add(b.udiv(b.sub(distance, ONE), b.select(nonempty, stride, ONE)), ONE)
    with b.if_then(b.and_(nonempty, b.icmp_signed("<", count, ZERO)), likely=False):
        ctx.raise_exception(ValueError, ("Maximum allowed size exceeded",))
    return b.select(nonempty, count, ZERO)


@lower(np.linspace)
def linspace(ctx: Context, sig: t.Signature, *args: ir.Value,
             kwnames: tuple[str, ...] = ()) -> ir.Value:
    b = ctx.b
    bound = bind(("start", "stop", "num", "endpoint"), args, sig.args, kwnames)
    start, stop = bound["start"][0], bound["stop"][0]
    num = bound["num"][0] if "num" in bound else ir.Constant(i64, 50)
    endpoint = bound["endpoint"][0] if "endpoint" in bound else ir.Constant(i1, 1)
    with b.if_then(b.icmp_signed("<", num, ZERO), likely=False):
        ctx.raise_formatted(ValueError, "Number of samples, %lld, must be non-negative.", num)
    ret = sig.return_type
    assert isinstance(ret, t.Array)
    out = allocate(ctx, ret, [num])
    div = b.select(endpoint, b.sub(num, ONE), num)
    delta = b.fsub(stop, start)
    step = b.fdiv(delta, b.sitofp(div, f64))
    has_step = b.icmp_signed(">", div, ZERO)
    data = am.data(b, out)
    with counted_loop(ctx, num, "linspace") as i:
        fi = b.sitofp(i, f64)
        value = b.select(has_step, b.fmul(fi, step), b.fmul(fi, delta))
        b.store(b.fadd(value, start), b.gep(data, [i], inbounds=True))
    last = b.and_(endpoint, b.icmp_signed(">", num, ONE))
    with b.if_then(last):
        b.store(stop, b.gep(data, [b.sub(num, ONE)], inbounds=True))
    return out


def _eye(ctx: Context, ret: t.Array, n: ir.Value, m: ir.Value, k: ir.Value) -> ir.Value:
    b = ctx.b
    out = allocate(ctx, ret, [n, m])
    memset = ctx.declare("llvm.memset.p0.i64", ir.VoidType(), [i8p, ir.IntType(8), i64, i1])
    nbytes = b.mul(b.extract_value(out, am.NITEMS), ir.Constant(i64, am.itemsize(ret)))
    b.call(memset, [b.bitcast(am.data(b, out), i8p), ir.Constant(ir.IntType(8), 0), nbytes,
                    ir.Constant(i1, 0)])
    one = ctx.constant(1, ret.dtype)
    with counted_loop(ctx, n, "eye") as i:
        j = b.add(i, k)
        inside = b.and_(b.icmp_signed(">=", j, ZERO), b.icmp_signed("<", j, m))
        with b.if_then(inside):
            am.store_element(b, ret, am.element_pointer(b, ret, out, [i, j]), one)
    return out


@lower(np.eye)
def eye(ctx: Context, sig: t.Signature, *args: ir.Value,
        kwnames: tuple[str, ...] = ()) -> ir.Value:
    bound = bind(("N", "M", "k", "dtype"), args, sig.args, kwnames)
    n = bound["N"][0]
    m = bound["M"][0] if "M" in bound and isinstance(bound["M"][1], t.Integer) else n
    k = bound["k"][0] if "k" in bound else ZERO
    assert isinstance(sig.return_type, t.Array)
    return _eye(ctx, sig.return_type, n, m, k)


@lower(np.identity)
def identity(ctx: Context, sig: t.Signature, n: ir.Value, *rest: ir.Value,
             kwnames: tuple[str, ...] = ()) -> ir.Value:
    assert isinstance(sig.return_type, t.Array)
    return _eye(ctx, sig.return_type, n, n, ZERO)


def _scalars(ctx: Context, ty: t.Type, llv: ir.Value) -> list[tuple[ir.Value, t.Type]]:
    """The numbers of a nested tuple, in C order."""
    if not isinstance(ty, t.Tuple):
        return [(llv, ty)]
    out = []
    for k, item in enumerate(ty.items):
        out += _scalars(ctx, item, ctx.b.extract_value(llv, k))
    return out


def _tuple_shape(ty: t.Type) -> list[int]:
    return [len(ty.items), *_tuple_shape(ty.items[0])] if isinstance(ty, t.Tuple) else []


@lower(np.array)
def array(ctx: Context, sig: t.Signature, obj: ir.Value, *rest: ir.Value,
          kwnames: tuple[str, ...] = ()) -> ir.Value:
    b = ctx.b
    ret = sig.return_type
    assert isinstance(ret, t.Array)
    src_ty = sig.args[0]
    if isinstance(src_ty, t.Array):
        return copy_array(ctx, src_ty, obj, ret)
    dims = [ir.Constant(i64, n) for n in _tuple_shape(src_ty)]
    out = allocate(ctx, ret, dims)
    data = am.data(b, out)
    for k, (value, ty) in enumerate(_scalars(ctx, src_ty, obj)):
        am.store_element(b, ret, b.gep(data, [ir.Constant(i64, k)], inbounds=True),
                         ctx.cast(value, ty, ret.dtype))
    return out


@lower(np.asarray)
def asarray(ctx: Context, sig: t.Signature, obj: ir.Value, *rest: ir.Value,
            kwnames: tuple[str, ...] = ()) -> ir.Value:
    if sig.args[0] == sig.return_type:  # the array itself, as NumPy returns it
        ctx.incref(obj, sig.return_type)
        return obj
    return array(ctx, sig, obj, *rest, kwnames=kwnames)


def copy_array(ctx: Context, src_ty: t.Array, src: ir.Value, ret: t.Array) -> ir.Value:
    """A new array of `ret` (C, or F for an F result) holding src's values."""
    b = ctx.b
    dims = [am.shape(b, src, a) for a in range(src_ty.ndim)]
    if ret.layout == "F":
        base = allocate(ctx, ret, dims[::-1])
        out = base
        for a in range(ret.ndim):  # the C array of reversed shape, seen transposed
            out = b.insert_value(out, am.shape(b, base, ret.ndim - 1 - a), [am.SHAPE, a])
            out = b.insert_value(out, am.stride(b, base, ret.ndim - 1 - a), [am.STRIDES, a])
    else:
        out = allocate(ctx, ret, dims)
    if src_ty.layout == ret.layout and src_ty.dtype == ret.dtype and src_ty.ndim:
        memcpy = ctx.declare("llvm.memcpy.p0.p0.i64", ir.VoidType(), [i8p, i8p, i64, i1])
        nbytes = b.mul(b.extract_value(src, am.NITEMS), ir.Constant(i64, am.itemsize(ret)))
        b.call(memcpy, [b.bitcast(am.data(b, out), i8p), b.bitcast(am.data(b, src), i8p),
                        nbytes, ir.Constant(i1, 0)])
        return out
    copy_elements(ctx, src_ty, src, ret, am.data(b, out),
                  [am.stride(b, out, a) for a in range(ret.ndim)])
    return out


@lower(np.copy)
def copy(ctx: Context, sig: t.Signature, src: ir.Value) -> ir.Value:
    src_ty, ret = sig.args[0], sig.return_type
    assert isinstance(src_ty, t.Array) and isinstance(ret, t.Array)
    return copy_array(ctx, src_ty, src, ret)


# --- joining ---------------------------------------------------------------------------------

def _pick(b: ir.IRBuilder, values: list[ir.Value], index: ir.Value) -> ir.Value:
    """values[index] for a run-time index known to be in range."""
    out = values[0]
    for k, v in enumerate(values[1:], 1):
        out = b.select(b.icmp_signed("==", index, ir.Constant(i64, k)), v, out)
    return out


def _items(ctx: Context, ty: t.Tuple, tup: ir.Value) -> list[tuple[t.Array, ir.Value]]:
    return [(item, ctx.b.extract_value(tup, k)) for k, item in enumerate(ty.items)
            if isinstance(item, t.Array)]


@lower(np.concatenate)
def concatenate(ctx: Context, sig: t.Signature, tup: ir.Value, *rest: ir.Value,
                kwnames: tuple[str, ...] = ()) -> ir.Value:
    b = ctx.b
    ret = sig.return_type
    assert isinstance(ret, t.Array) and isinstance(sig.args[0], t.Tuple)
    axis = _wrap_axis(ctx, rest[0] if rest else ZERO, ret.ndim)
    arrays = _items(ctx, sig.args[0], tup)
    first = arrays[0][1]
    total: ir.Value = ZERO
    for index, (_, arr) in enumerate(arrays):
        for d in range(ret.ndim):
            differs = b.and_(b.icmp_signed("!=", axis, ir.Constant(i64, d)), b.icmp_signed(
                "!=", am.shape(b, arr, d), am.shape(b, first, d)))
            with b.if_then(differs, likely=False):
                ctx.raise_formatted(
                    ValueError, "all the input array dimensions except for the concatenation "
                    f"axis must match exactly, but along dimension {d}, the array at index 0 "
                    f"has size %lld and the array at index {index} has size %lld",
                    am.shape(b, first, d), am.shape(b, arr, d))
        total = b.add(total, _pick(b, [am.shape(b, arr, d) for d in range(ret.ndim)], axis))
    dims = [b.select(b.icmp_signed("==", axis, ir.Constant(i64, d)), total,
                     am.shape(b, first, d)) for d in range(ret.ndim)]
    out = allocate(ctx, ret, dims)
    strides = [am.stride(b, out, d) for d in range(ret.ndim)]
    along = _pick(b, strides, axis)
    offset: ir.Value = ZERO
    for ty, arr in arrays:
        dst = byte_offset(b, am.data(b, out), b.mul(offset, along))
        copy_elements(ctx, ty, arr, ret, dst, strides)
        offset = b.add(offset, _pick(b, [am.shape(b, arr, d) for d in range(ret.ndim)], axis))
    return out


@lower(np.stack)
def stack(ctx: Context, sig: t.Signature, tup: ir.Value, *rest: ir.Value,
          kwnames: tuple[str, ...] = ()) -> ir.Value:
    b = ctx.b
    ret = sig.return_type
    assert isinstance(ret, t.Array) and isinstance(sig.args[0], t.Tuple)
    axis = _wrap_axis(ctx, rest[0] if rest else ZERO, ret.ndim)
    arrays = _items(ctx, sig.args[0], tup)
    first = arrays[0][1]
    for _, arr in arrays[1:]:
        for d in range(ret.ndim - 1):
            with b.if_then(b.icmp_signed("!=", am.shape(b, arr, d), am.shape(b, first, d)),
                           likely=False):
                ctx.raise_exception(ValueError, ("all input arrays must have the same shape",))
    inner = [am.shape(b, first, d) for d in range(ret.ndim - 1)]
    count = ir.Constant(i64, len(arrays))
    dims = []
    for d in range(ret.ndim):  # the new axis of len(arrays) at `axis`
        before = inner[d] if d < ret.ndim - 1 else count
        after = inner[d - 1] if d > 0 else count
        dims.append(b.select(b.icmp_signed("<", ir.Constant(i64, d), axis), before,
                             b.select(b.icmp_signed("==", ir.Constant(i64, d), axis), count,
                                      after)))
    out = allocate(ctx, ret, dims)
    strides = [am.stride(b, out, d) for d in range(ret.ndim)]
    along = _pick(b, strides, axis)
    dst_strides = [b.select(b.icmp_signed("<", ir.Constant(i64, d), axis), strides[d],
                            strides[d + 1]) for d in range(ret.ndim - 1)]
    for k, (ty, arr) in enumerate(arrays):
        dst = byte_offset(b, am.data(b, out), b.mul(ir.Constant(i64, k), along))
        copy_elements(ctx, ty, arr, ret, dst, dst_strides)
    return out


# --- sorting and searching, by the compiled library -------------------------------------------

def call_library(ctx: Context, name: str, argtypes: tuple[t.Type, ...],
                 args: list[ir.Value]) -> ir.Value:
    """Call a routine of jitcore.library ("module.function", compiled for these argument
    types) natively."""
    fn = ctx.callees.library(name)
    inner = ctx.callees.signature_of(fn, argtypes)
    return ctx.call_jitted(fn, inner, args)


def sorted_copy(ctx: Context, ty: t.Array, arr: ir.Value) -> tuple[t.Array, ir.Value]:
    ret = t.Array(ty.dtype, 1, "C")
    out = copy_array(ctx, ty, arr, ret)
    call_library(ctx, "arrays.sort_inplace", (ret,), [out])
    return ret, out


@lower(np.sort)
def sort(ctx: Context, sig: t.Signature, arr: ir.Value) -> ir.Value:
    ty = sig.args[0]
    assert isinstance(ty, t.Array)
    return sorted_copy(ctx, ty, arr)[1]


@lower("method.sort", t.Array)
def sort_method(ctx: Context, sig: t.Signature, arr: ir.Value) -> ir.Value:
    call_library(ctx, "arrays.sort_inplace", (sig.args[0],), [arr])
    return ir.Constant(ir.IntType(8), 0)


@lower(np.argsort)
@lower("method.argsort", t.Array)
def argsort(ctx: Context, sig: t.Signature, arr: ir.Value) -> ir.Value:
    return call_library(ctx, "arrays.argsort", (sig.args[0],), [arr])


def _receiver(ctx: Context, sig: t.Signature, arr: ir.Value) -> ir.Value:
    ctx.incref(arr, sig.args[0])  # the bound method holds the array until the call
    return arr


lower("getattr.sort", t.Array)(_receiver)
lower("getattr.argsort", t.Array)(_receiver)


@lower(np.unique)
def unique(ctx: Context, sig: t.Signature, arr: ir.Value) -> ir.Value:
    b = ctx.b
    ty = sig.args[0]
    assert isinstance(ty, t.Array)
    flat_ty = t.Array(ty.dtype, ty.ndim, "C")
    flat = copy_array(ctx, ty, arr, flat_ty)
    # the C copy seen as 1-d (same memory, one reference)
    ret = sig.return_type
    assert isinstance(ret, t.Array)
    one_d = ir.Constant(llvm_type(ret), ir.Undefined)
    for field in (am.MEMINFO, am.PARENT, am.NITEMS, am.ITEMSIZE, am.DATA):
        one_d = b.insert_value(one_d, b.extract_value(flat, field), field)
    one_d = b.insert_value(one_d, b.extract_value(flat, am.NITEMS), [am.SHAPE, 0])
    one_d = b.insert_value(one_d, ir.Constant(i64, am.itemsize(ret)), [am.STRIDES, 0])
    call_library(ctx, "arrays.sort_inplace", (ret,), [one_d])
    count = call_library(ctx, "arrays.dedupe", (ret,), [one_d])
    one_d = b.insert_value(one_d, count, am.NITEMS)
    return b.insert_value(one_d, count, [am.SHAPE, 0])


@lower(np.searchsorted)
def searchsorted(ctx: Context, sig: t.Signature, a: ir.Value, v: ir.Value, *rest: ir.Value,
                 kwnames: tuple[str, ...] = ()) -> ir.Value:
    b = ctx.b
    bound = bind(("a", "v", "side"), (a, v, *rest), sig.args, kwnames)
    side = bound.get("side")
    right = side is not None and side[1].value == "right"  # type: ignore[attr-defined]
    fn = "arrays.search_right" if right else "arrays.search_left"
    a_ty, v_ty = sig.args[0], sig.args[1]
    if not isinstance(v_ty, t.Array):
        return call_library(ctx, fn, (a_ty, v_ty), [a, v])
    ret = sig.return_type
    assert isinstance(ret, t.Array)
    out = allocate(ctx, ret, [am.shape(b, v, d) for d in range(v_ty.ndim)])
    data = am.data(b, out)
    position = ctx.alloca(i64, "search.k")
    b.store(ZERO, position)

    def body(ptr: ir.Value) -> None:
        k = b.load(position)
        found = call_library(ctx, fn, (a_ty, v_ty.dtype), [a, am.load_element(b, v_ty, ptr)])
        b.store(found, b.gep(data, [k], inbounds=True))
        b.store(b.add(k, ONE), position)

    walk(ctx, v_ty, v, body)
    return out


@lower(np.histogram)
def histogram(ctx: Context, sig: t.Signature, a: ir.Value, *rest: ir.Value,
              kwnames: tuple[str, ...] = ()) -> ir.Value:
    b = ctx.b
    bound = bind(("a", "bins", "range"), (a, *rest), sig.args, kwnames)
    bins = bound["bins"][0] if "bins" in bound else ir.Constant(i64, 10)
    rng = bound.get("range")
    if rng is not None and isinstance(rng[1], t.Tuple):
        lo, hi = b.extract_value(rng[0], 0), b.extract_value(rng[0], 1)
        has_range = ir.Constant(i1, 1)
    else:
        lo = hi = ir.Constant(f64, 0.0)
        has_range = ir.Constant(i1, 0)
    a_ty = sig.args[0]
    assert isinstance(a_ty, t.Array)
    flat_ty = t.Array(a_ty.dtype, 1, "C")
    if a_ty.ndim != 1:  # the library works on 1-d data: a flattened copy
        flat = copy_array(ctx, a_ty, a, t.Array(a_ty.dtype, a_ty.ndim, "C"))
        one_d = ir.Constant(llvm_type(flat_ty), ir.Undefined)
        for field in (am.MEMINFO, am.PARENT, am.NITEMS, am.ITEMSIZE, am.DATA):
            one_d = b.insert_value(one_d, b.extract_value(flat, field), field)
        one_d = b.insert_value(one_d, b.extract_value(flat, am.NITEMS), [am.SHAPE, 0])
        one_d = b.insert_value(one_d, ir.Constant(i64, am.itemsize(flat_ty)), [am.STRIDES, 0])
        result = call_library(ctx, "arrays.histogram",
                              (flat_ty, t.int64, t.float64, t.float64, t.boolean),
                              [one_d, bins, lo, hi, has_range])
        ctx.decref(one_d, flat_ty)
        return result
    return call_library(ctx, "arrays.histogram",
                        (a_ty, t.int64, t.float64, t.float64, t.boolean),
                        [a, bins, lo, hi, has_range])


# --- round, isclose, allclose ---------------------------------------------------------------

def _round_value(ctx: Context, ty: t.Type, x: ir.Value, decimals: ir.Value) -> ir.Value:
    """NumPy's rounding: rint(x * 10**d) / 10**d (or the reverse for negative d)."""
    b = ctx.b
    if isinstance(ty, t.Complex):
        part = ty.underlying
        return ctx.make_complex(_round_value(ctx, part, b.extract_value(x, 0), decimals),
                                _round_value(ctx, part, b.extract_value(x, 1), decimals), ty)
    if isinstance(ty, t.Integer):
        # integers only change for negative decimals: round half to even at 10**-d
        fx = _round_value(ctx, t.float64, ctx.cast(x, ty, t.float64), decimals)
        return b.select(b.icmp_signed(">=", decimals, ZERO), x, ctx.cast(fx, t.float64, ty))
    llty = x.type
    powf = ctx.declare("pow", f64, [f64, f64])
    scale = b.call(powf, [ir.Constant(f64, 10.0), b.sitofp(b.select(
        b.icmp_signed("<", decimals, ZERO), b.neg(decimals), decimals), f64)])
    scale = ctx.cast(scale, t.float64, ty)
    rint = ctx.intrinsic("llvm.rint", llty)
    positive = b.icmp_signed(">=", decimals, ZERO)
    up = b.fdiv(b.call(rint, [b.fmul(x, scale)]), scale)
    down = b.fmul(b.call(rint, [b.fdiv(x, scale)]), scale)
    return b.select(positive, up, down)


def _round(ctx: Context, sig: t.Signature, x: ir.Value, *rest: ir.Value,
           kwnames: tuple[str, ...] = ()) -> ir.Value:
    b = ctx.b
    decimals = rest[0] if rest else ZERO
    ty = sig.args[0]
    if not isinstance(ty, t.Array):
        return _round_value(ctx, ty, x, decimals)
    ret = sig.return_type
    assert isinstance(ret, t.Array)
    out = allocate(ctx, ret, [am.shape(b, x, d) for d in range(ty.ndim)])
    data = am.data(b, out)
    position = ctx.alloca(i64, "round.k")
    b.store(ZERO, position)

    def body(ptr: ir.Value) -> None:
        k = b.load(position)
        value = _round_value(ctx, ty.dtype, am.load_element(b, ty, ptr), decimals)
        am.store_element(b, ret, b.gep(data, [k], inbounds=True), value)
        b.store(b.add(k, ONE), position)

    walk(ctx, ty, x, body)
    return out


lower(np.round)(_round)
lower(np.around)(_round)


def _close_value(ctx: Context, x: ir.Value, y: ir.Value, rtol: ir.Value, atol: ir.Value,
                 equal_nan: ir.Value) -> ir.Value:
    """NumPy's isclose of two float64 values."""
    b = ctx.b
    fabs = ctx.intrinsic("llvm.fabs", f64)
    within = b.fcmp_ordered("<=", b.call(fabs, [b.fsub(x, y)]),
                            b.fadd(atol, b.fmul(rtol, b.call(fabs, [y]))))
    finite = b.fcmp_ordered("<", b.call(fabs, [y]), ir.Constant(f64, float("inf")))
    result = b.or_(b.and_(within, finite), b.fcmp_ordered("==", x, y))
    both_nan = b.and_(b.fcmp_unordered("uno", x, x), b.fcmp_unordered("uno", y, y))
    return b.or_(result, b.and_(equal_nan, both_nan))


def _broadcast_error(ctx: Context, operands: tuple[tuple[ir.Value, t.Type], ...]) -> None:
    """NumPy's message, with both shapes."""
    fmt, values = [], []
    for llv, ty in operands:
        n = ty.ndim if isinstance(ty, t.Array) else 0
        fmt.append("(" + ",".join(["%lld"] * n) + ("," if n == 1 else "") + ")")
        values += [am.shape(ctx.b, llv, d) for d in range(n)]
    ctx.raise_formatted(ValueError, "operands could not be broadcast together with shapes "
                        + " ".join(fmt) + " ", *values)


def _close(all_: bool) -> Any:
    def impl(ctx: Context, sig: t.Signature, *args: ir.Value,
             kwnames: tuple[str, ...] = ()) -> ir.Value:
        b = ctx.b
        bound = bind(("a", "b", "rtol", "atol", "equal_nan"), args, sig.args, kwnames)
        rtol = bound["rtol"][0] if "rtol" in bound else ir.Constant(f64, 1e-05)
        atol = bound["atol"][0] if "atol" in bound else ir.Constant(f64, 1e-08)
        equal_nan = bound["equal_nan"][0] if "equal_nan" in bound else ir.Constant(i1, 0)
        (x, x_ty), (y, y_ty) = bound["a"], bound["b"]
        arrays = [ty for ty in (x_ty, y_ty) if isinstance(ty, t.Array)]
        if not arrays:
            return _close_value(ctx, ctx.cast(x, x_ty, t.float64), ctx.cast(y, y_ty, t.float64),
                                rtol, atol, equal_nan)
        ndim = max(ty.ndim for ty in arrays)
        operands = ((x, x_ty), (y, y_ty))

        def axis_of(ty: t.Type, d: int) -> int | None:
            """The operand's axis under result axis d (NumPy aligns trailing axes)."""
            if not isinstance(ty, t.Array):
                return None
            k = d - (ndim - ty.ndim)
            return k if k >= 0 else None

        dims = []
        strides: list[list[ir.Value]] = [[], []]
        for d in range(ndim):  # broadcasting: a length 1 stretches
            axes = [axis_of(ty, d) for _, ty in operands]
            sizes = [am.shape(b, llv, k) if k is not None else ONE
                     for (llv, _), k in zip(operands, axes)]
            bad = b.and_(b.icmp_signed("!=", sizes[0], sizes[1]), b.and_(
                b.icmp_signed("!=", sizes[0], ONE), b.icmp_signed("!=", sizes[1], ONE)))
            with b.if_then(bad, likely=False):
                _broadcast_error(ctx, operands)
            for j, ((llv, _), k) in enumerate(zip(operands, axes)):
                stride = am.stride(b, llv, k) if k is not None else ZERO
                strides[j].append(b.select(b.icmp_signed("==", sizes[j], ONE), ZERO, stride))
            dims.append(b.select(b.icmp_signed("==", sizes[0], ONE), sizes[1], sizes[0]))
        scalar_slots = []
        ptrs = []
        for llv, ty in ((x, x_ty), (y, y_ty)):
            if isinstance(ty, t.Array):
                ptrs.append(am.data(b, llv))
            else:
                slot = ctx.alloca(llv.type, "close.scalar")
                b.store(llv, slot)
                scalar_slots.append(slot)
                ptrs.append(slot)
        elem_tys = [ty.dtype if isinstance(ty, t.Array) else ty for ty in (x_ty, y_ty)]

        def load(k: int, ptr: ir.Value) -> ir.Value:
            ty = (x_ty, y_ty)[k]
            raw = am.load_element(b, ty, ptr) if isinstance(ty, t.Array) else b.load(ptr)
            return ctx.cast(raw, elem_tys[k], t.float64)

        if all_:
            acc = ctx.alloca(i1, "allclose")
            b.store(ir.Constant(i1, 1), acc)

            def body(p: list[ir.Value]) -> None:
                hit = _close_value(ctx, load(0, p[0]), load(1, p[1]), rtol, atol, equal_nan)
                b.store(b.and_(b.load(acc), hit), acc)

            nested_loops(ctx, dims, ptrs, strides, body, "close")
            return b.load(acc)
        ret = sig.return_type
        assert isinstance(ret, t.Array)
        out = allocate(ctx, ret, dims)
        out_strides = [am.stride(b, out, d) for d in range(ndim)]

        def write(p: list[ir.Value]) -> None:
            hit = _close_value(ctx, load(0, p[0]), load(1, p[1]), rtol, atol, equal_nan)
            am.store_element(b, ret, p[2], hit)

        nested_loops(ctx, dims, [*ptrs, am.data(b, out)], [*strides, out_strides], write,
                     "close")
        return out
    return impl


lower(np.isclose)(_close(False))
lower(np.allclose)(_close(True))
