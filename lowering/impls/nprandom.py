"""np.random in compiled code: xoshiro256** with one state per thread.

    state = jc.random.state()      ; pthread_getspecific(key): 4 x u64, made on first use
    x = jc.random.next(state)      ; xoshiro256**, 64 random bits
    u = (x >> 11) * 2**-53         ; a double in [0, 1)

The pthread key is created once per process (with `free` as destructor, so a
thread's state goes with it) by whoever loads the code, and read from the process
binding jc.random.key (targets/bindings.py), like NumPy's API table.
np.random.seed(s) reseeds the calling thread's state through splitmix64; a thread that
never seeds starts from its clock and address.
The stream differs from NumPy's; the distributions are the same: normal values by
Box-Muller, integers by rejection (no modulo bias).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
from llvmlite import ir

from jitcore.typeinfer import types as t

from .. import arraymodel as am
from ..context import Context
from ..models import f64, i8p, i32, i64
from ..registry import lower
from .arraycreate import allocate
from .arrayloops import counted_loop
from .reductions import _bind as bind

_I64P = i64.as_pointer()
RANDOM_KEY = "jc.random.key"  # targets/bindings.py: the thread key, a word


def _helper(ctx: Context, name: str, ret: ir.Type, args: list[ir.Type]) -> tuple[
        ir.Function, bool]:
    existing = ctx.module.globals.get(name)
    if existing is not None:
        return existing, False
    fn = ir.Function(ctx.module, ir.FunctionType(ret, args), name)
    fn.linkage = "internal"
    fn.attributes.add("nounwind")
    return fn, True


def _splitmix(b: ir.IRBuilder, x: ir.Value) -> tuple[ir.Value, ir.Value]:
    """(next state, output) of splitmix64."""
    x = b.add(x, ir.Constant(i64, 0x9E3779B97F4A7C15))
    z = b.mul(b.xor(x, b.lshr(x, ir.Constant(i64, 30))), ir.Constant(i64, 0xBF58476D1CE4E5B9))
    z = b.mul(b.xor(z, b.lshr(z, ir.Constant(i64, 27))), ir.Constant(i64, 0x94D049BB133111EB))
    return x, b.xor(z, b.lshr(z, ir.Constant(i64, 31)))


def _seed_function(ctx: Context) -> ir.Function:
    fn, new = _helper(ctx, "jc.random.seed", ir.VoidType(), [_I64P, i64])
    if new:
        b = ir.IRBuilder(fn.append_basic_block("entry"))
        state, x = fn.args
        for k in range(4):
            x, out = _splitmix(b, x)
            b.store(out, b.gep(state, [ir.Constant(i64, k)], inbounds=True))
        b.ret_void()
    return fn


def _state(ctx: Context) -> ir.Value:
    """This thread's generator state (i64*), created and seeded on first use."""
    fn, new = _helper(ctx, "jc.random.state", _I64P, [])
    if new:
        b = ir.IRBuilder(fn.append_basic_block("entry"))
        key = b.trunc(b.ptrtoint(b.load(ctx.process_global(RANDOM_KEY)), i64), i32, name="key")
        get = ctx.declare("pthread_getspecific", i8p, [i32])
        found = b.call(get, [key])
        fresh = fn.append_basic_block("fresh")
        done = fn.append_basic_block("done")
        b.cbranch(b.icmp_unsigned("==", found, ir.Constant(i8p, None)), fresh, done)
        b.position_at_end(fresh)
        malloc = ctx.declare("malloc", i8p, [i64])
        block = b.call(malloc, [ir.Constant(i64, 32)])
        clock = ctx.declare("clock", i64, [])
        entropy = b.xor(b.ptrtoint(block, i64), b.mul(b.call(clock, []),
                                                      ir.Constant(i64, 0x2545F4914F6CDD1D)))
        b.call(_seed_function(ctx), [b.bitcast(block, _I64P), entropy])
        b.call(ctx.declare("pthread_setspecific", i32, [i32, i8p]), [key, block])
        b.branch(done)
        b.position_at_end(done)
        ptr = b.phi(i8p)
        ptr.add_incoming(found, fn.entry_basic_block)
        ptr.add_incoming(block, fresh)
        b.ret(b.bitcast(ptr, _I64P))
    return ctx.b.call(fn, [])


def _rotl(b: ir.IRBuilder, x: ir.Value, k: int) -> ir.Value:
    return b.or_(b.shl(x, ir.Constant(i64, k)), b.lshr(x, ir.Constant(i64, 64 - k)))


def next_u64(ctx: Context, state: ir.Value) -> ir.Value:
    """xoshiro256**: 64 random bits, advancing the state."""
    fn, new = _helper(ctx, "jc.random.next", i64, [_I64P])
    if new:
        fn.attributes.add("alwaysinline")
        b = ir.IRBuilder(fn.append_basic_block("entry"))
        (st,) = fn.args
        ptrs = [b.gep(st, [ir.Constant(i64, k)], inbounds=True) for k in range(4)]
        s0, s1, s2, s3 = (b.load(p) for p in ptrs)
        result = b.mul(_rotl(b, b.mul(s1, ir.Constant(i64, 5)), 7), ir.Constant(i64, 9))
        tt = b.shl(s1, ir.Constant(i64, 17))
        s2 = b.xor(s2, s0)
        s3 = b.xor(s3, s1)
        s1 = b.xor(s1, s2)
        s0 = b.xor(s0, s3)
        s2 = b.xor(s2, tt)
        s3 = _rotl(b, s3, 45)
        for p, v in zip(ptrs, (s0, s1, s2, s3)):
            b.store(v, p)
        b.ret(result)
    return ctx.b.call(fn, [state])


def uniform01(ctx: Context, state: ir.Value) -> ir.Value:
    b = ctx.b
    bits = b.lshr(next_u64(ctx, state), ir.Constant(i64, 11))
    return b.fmul(b.uitofp(bits, f64), ir.Constant(f64, 2.0 ** -53))


def standard_normal(ctx: Context, state: ir.Value) -> ir.Value:
    """Box-Muller: sqrt(-2 ln u1) cos(2 pi u2) with u1 in (0, 1]."""
    b = ctx.b
    u1 = b.fsub(ir.Constant(f64, 1.0), uniform01(ctx, state))
    u2 = uniform01(ctx, state)
    log = ctx.declare("log", f64, [f64])
    cos = ctx.declare("cos", f64, [f64])
    radius = b.call(ctx.intrinsic("llvm.sqrt", f64),
                    [b.fmul(ir.Constant(f64, -2.0), b.call(log, [u1]))])
    return b.fmul(radius, b.call(cos, [b.fmul(ir.Constant(f64, 2 * math.pi), u2)]))


def bounded(ctx: Context, state: ir.Value, low: ir.Value, span: ir.Value) -> ir.Value:
    """low + a uniform integer in [0, span), span > 0 (as unsigned): rejection, no bias."""
    fn, new = _helper(ctx, "jc.random.bounded", i64, [_I64P, i64])
    if new:
        saved = ctx.b
        b = ctx.b = ir.IRBuilder(fn.append_basic_block("entry"))
        st, rng = fn.args
        # values below (2**64 - span) % span would make the low residues likelier
        threshold = b.urem(b.sub(ir.Constant(i64, 0), rng), rng)
        loop = fn.append_basic_block("draw")
        done = fn.append_basic_block("done")
        b.branch(loop)
        b.position_at_end(loop)
        x = next_u64(ctx, st)
        b.cbranch(b.icmp_unsigned(">=", x, threshold), done, loop)
        b.position_at_end(done)
        b.ret(b.urem(x, rng))
        ctx.b = saved
    return ctx.b.add(low, ctx.b.call(fn, [state, span]))


def _size_dims(ctx: Context, size: ir.Value, ty: t.Type) -> list[ir.Value]:
    if isinstance(ty, t.Tuple):
        return [ctx.b.extract_value(size, k) for k in range(len(ty.items))]
    return [size]


def _draw(ctx: Context, ret: t.Type, dims: list[ir.Value] | None, draw: Any) -> ir.Value:
    """One value from draw(state), or a new array of them with shape `dims`."""
    state = _state(ctx)
    if dims is None:
        return draw(state)
    assert isinstance(ret, t.Array)
    out = allocate(ctx, ret, dims)
    data = am.data(ctx.b, out)
    with counted_loop(ctx, ctx.b.extract_value(out, am.NITEMS), "random") as i:
        ctx.b.store(draw(state), ctx.b.gep(data, [i], inbounds=True))
    return out


def _sized(names: tuple[str, ...], make: Any) -> Any:
    def impl(ctx: Context, sig: t.Signature, *args: ir.Value,
             kwnames: tuple[str, ...] = ()) -> ir.Value:
        bound = bind(names, args, sig.args, kwnames)
        size = bound.pop("size", None)
        dims = None
        if size is not None and not isinstance(size[1], (t.NoneType, t.PyObjectConst)):
            dims = _size_dims(ctx, *size)
        draw = make(ctx, {k: v for k, (v, ty) in bound.items() if not isinstance(ty, (
            t.NoneType, t.PyObjectConst))})  # randint's high=None: one bound given
        return _draw(ctx, sig.return_type, dims, draw)
    return impl


def _random(ctx: Context, params: dict[str, ir.Value]) -> Any:
    return lambda state: uniform01(ctx, state)


def _uniform(ctx: Context, params: dict[str, ir.Value]) -> Any:
    b = ctx.b
    low = params.get("low", ir.Constant(f64, 0.0))
    high = params.get("high", ir.Constant(f64, 1.0))
    width = b.fsub(high, low)
    return lambda state: b.fadd(low, b.fmul(width, uniform01(ctx, state)))


def _normal(ctx: Context, params: dict[str, ir.Value]) -> Any:
    b = ctx.b
    loc = params.get("loc", ir.Constant(f64, 0.0))
    scale = params.get("scale", ir.Constant(f64, 1.0))
    with b.if_then(b.fcmp_ordered("<", scale, ir.Constant(f64, 0.0)), likely=False):
        ctx.raise_exception(ValueError, ("scale < 0",))
    return lambda state: b.fadd(loc, b.fmul(scale, standard_normal(ctx, state)))


def _randint(ctx: Context, params: dict[str, ir.Value]) -> Any:
    b = ctx.b
    zero = ir.Constant(i64, 0)
    if "high" in params:
        low, high = params["low"], params["high"]
        with b.if_then(b.icmp_signed(">=", low, high), likely=False):
            ctx.raise_exception(ValueError, ("low >= high",))
    else:
        low, high = zero, params["low"]
        with b.if_then(b.icmp_signed("<=", high, zero), likely=False):
            ctx.raise_exception(ValueError, ("high <= 0",))
    span = b.sub(high, low)  # as unsigned: the full int64 range fits
    return lambda state: bounded(ctx, state, low, span)


lower(np.random.random)(_sized(("size",), _random))
lower(np.random.random_sample)(_sized(("size",), _random))
lower(np.random.uniform)(_sized(("low", "high", "size"), _uniform))
lower(np.random.normal)(_sized(("loc", "scale", "size"), _normal))
lower(np.random.randint)(_sized(("low", "high", "size"), _randint))


def _dims(kind: str) -> Any:
    def impl(ctx: Context, sig: t.Signature, *dims: ir.Value) -> ir.Value:
        def draw(state: ir.Value) -> ir.Value:
            return uniform01(ctx, state) if kind == "rand" else standard_normal(ctx, state)
        return _draw(ctx, sig.return_type, list(dims) if dims else None, draw)
    return impl


lower(np.random.rand)(_dims("rand"))
lower(np.random.randn)(_dims("randn"))


@lower(np.random.seed)
def seed(ctx: Context, sig: t.Signature, value: ir.Value) -> ir.Value:
    b = ctx.b
    bad = b.icmp_unsigned(">", value, ir.Constant(i64, 2 ** 32 - 1))  # negative is huge too
    with b.if_then(bad, likely=False):
        ctx.raise_exception(ValueError, ("Seed must be between 0 and 2**32 - 1",))
    b.call(_seed_function(ctx), [_state(ctx), value])
    return ir.Constant(ir.IntType(8), 0)

