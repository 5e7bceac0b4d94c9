"""Products, norms and np.linalg: np.dot and @ through the BLAS NumPy already loaded,
np.linalg.norm, LAPACK for the library routines of np.linalg.

    a @ b   (float32/float64)  cblas_?gemm of NumPy's scipy-openblas (ILP64, such as
                               scipy_cblas_dgemm64_), called through the process binding
                               jc.blas.dgemm / jc.blas.sgemm: operands whose memory is row-
                               or column-major with a usable leading dimension go straight
                               in (transposed if need be), others are copied first; where
                               the binding is null (no such BLAS here), the triple loop
    a @ b   (other dtypes)     a triple loop in the result dtype

Every case is a matrix product: a 1-d left operand is a 1 x k row, a 1-d right operand
a k x 1 column, and the result drops those axes. Which library provides the function is
the loader's business (targets/bindings.py); the code reads its address from the binding.

np.linalg.* calls the @njit routines of jitcore/library/linalg.py by name; they call LAPACK
through the `lapack` primitive lowered here (the routine's address from the binding
jc.lapack.<name>; null raises RuntimeError naming the routine).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from llvmlite import ir

from jitcore.typeinfer import types as t
from jitcore.typeinfer.rules.linalg import lapack, lapack_prefix, product_signature

from .. import arraymodel as am
from .. import runtime
from ..context import Context
from ..models import f32, f64, i8p, i32, i64, llvm_type
from ..registry import lower
from .arraycreate import allocate
from .arrayloops import ONE, ZERO, counted_loop, walk
from .reductions import arith

ROW_MAJOR, NO_TRANS, TRANS = 101, 111, 112


# process bindings (targets/bindings.py): the cblas function's address, or null
BLAS_GEMM: dict[t.Type, str] = {t.float64: "jc.blas.dgemm", t.float32: "jc.blas.sgemm"}


@dataclass
class Matrix:
    """A logical rows x cols operand: data pointer (i8*) and byte strides, all LLVM values."""

    data: ir.Value
    rows: ir.Value
    cols: ir.Value
    row_stride: ir.Value
    col_stride: ir.Value


def as_matrix(ctx: Context, ty: t.Array, arr: ir.Value, left: bool) -> Matrix:
    b = ctx.b
    data = b.bitcast(am.data(b, arr), i8p)
    if ty.ndim == 2:
        return Matrix(data, am.shape(b, arr, 0), am.shape(b, arr, 1), am.stride(b, arr, 0),
                      am.stride(b, arr, 1))
    n, s = am.shape(b, arr, 0), am.stride(b, arr, 0)
    return Matrix(data, ONE, n, ZERO, s) if left else Matrix(data, n, ONE, s, ZERO)


def _raise_mismatch(ctx: Context, op: str, a_ty: t.Array, a: ir.Value, b_ty: t.Array,
                    bv: ir.Value, k1: ir.Value, k2: ir.Value) -> None:
    b = ctx.b
    with b.if_then(b.icmp_signed("!=", k1, k2), likely=False):
        if op == "matmul":
            ctx.raise_formatted(
                ValueError, "matmul: Input operand 1 has a mismatch in its core dimension 0, "
                "with gufunc signature (n?,k),(k,m?)->(n?,m?) (size %lld is different from "
                "%lld)", k2, k1)
        else:
            shapes = []
            for ty, v in ((a_ty, a), (b_ty, bv)):
                shapes += [am.shape(b, v, ax) for ax in range(ty.ndim)]
            fmt_a = "(%lld,%lld)" if a_ty.ndim == 2 else "(%lld,)"
            fmt_b = "(%lld,%lld)" if b_ty.ndim == 2 else "(%lld,)"
            ctx.raise_formatted(ValueError, f"shapes {fmt_a} and {fmt_b} not aligned: %lld "
                                f"(dim {a_ty.ndim - 1}) != %lld (dim 0)", *shapes, k1, k2)


SMALL_PRODUCT = 512  # multiply-adds: at most this many, a loop beats a call of BLAS gemm


def product(ctx: Context, op: str, a_ty: t.Array, a: ir.Value, b_ty: t.Array, bv: ir.Value,
            ret: t.Type) -> ir.Value:
    """a . b for 1-d and 2-d operands; a new array, or a scalar for two vectors."""
    b = ctx.b
    A, B = as_matrix(ctx, a_ty, a, True), as_matrix(ctx, b_ty, bv, False)
    _raise_mismatch(ctx, op, a_ty, a, b_ty, bv, A.cols, B.rows)
    dtype = ret.dtype if isinstance(ret, t.Array) else ret
    if isinstance(ret, t.Array):
        dims = ([A.rows] if a_ty.ndim == 2 else []) + ([B.cols] if b_ty.ndim == 2 else [])
        out = allocate(ctx, ret, dims)
        c_data = b.bitcast(am.data(b, out), i8p)
    else:
        out = None
        slot = ctx.alloca(llvm_type(dtype), "dot.result")
        c_data = b.bitcast(slot, i8p)
    size = _itemsize(dtype)
    C = Matrix(c_data, A.rows, B.cols, b.mul(B.cols, ir.Constant(i64, size)),
               ir.Constant(i64, size))
    if dtype in BLAS_GEMM and a_ty.dtype == dtype == b_ty.dtype:
        gemm = b.load(ctx.process_global(BLAS_GEMM[dtype]), name="gemm")
        # A small product costs less than the call of gemm (a dot of two short slices
        # in a loop was 3.4x Numba's): loops below SMALL_PRODUCT multiply-adds.
        work = b.mul(b.mul(A.rows, B.cols), A.cols)
        big = b.icmp_unsigned(">", work, ir.Constant(i64, SMALL_PRODUCT))
        use_blas = b.and_(b.icmp_unsigned("!=", gemm, ir.Constant(i8p, None)), big)
        with b.if_else(use_blas) as (blas, loops):
            with blas:
                _gemm(ctx, dtype, gemm, A, B, C)
            with loops:
                _loop_product(ctx, a_ty.dtype, b_ty.dtype, dtype, A, B, C)
    else:
        _loop_product(ctx, a_ty.dtype, b_ty.dtype, dtype, A, B, C)
    if out is not None:
        return out
    return b.load(slot)


def _itemsize(dtype: t.Type) -> int:
    return 1 if isinstance(dtype, t.Boolean) else dtype.bitwidth // 8  # type: ignore[attr-defined]


def _element(ctx: Context, m: Matrix, i: ir.Value, j: ir.Value, dtype: t.Type) -> ir.Value:
    b = ctx.b
    offset = b.add(b.mul(i, m.row_stride), b.mul(j, m.col_stride))
    return b.bitcast(b.gep(m.data, [offset], inbounds=True), llvm_type(dtype).as_pointer())


def _loop_product(ctx: Context, a_dt: t.Type, b_dt: t.Type, dtype: t.Type, A: Matrix,
                  B: Matrix, C: Matrix) -> None:
    b = ctx.b
    acc = ctx.alloca(llvm_type(dtype), "dot.acc")
    with counted_loop(ctx, A.rows, "dot.i") as i, counted_loop(ctx, B.cols, "dot.j") as j:
        b.store(ctx.constant(0, dtype), acc)
        with counted_loop(ctx, A.cols, "dot.k") as k:
            x = ctx.cast(b.load(_element(ctx, A, i, k, a_dt)), a_dt, dtype)
            y = ctx.cast(b.load(_element(ctx, B, k, j, b_dt)), b_dt, dtype)
            b.store(arith(ctx, "add", dtype, b.load(acc), arith(ctx, "mul", dtype, x, y)),
                    acc)
        b.store(b.load(acc), _element(ctx, C, i, j, dtype))


def _blas_operand(ctx: Context, m: Matrix, size: int, dtype: t.Type) -> tuple[
        ir.Value, ir.Value, ir.Value, ir.Value]:
    """(pointer, transpose flag, leading dimension, temporary meminfo or null) for BLAS.

    Strides of length-1 axes are free, so they are chosen to fit; an operand neither
    row- nor column-major is copied into a row-major temporary.
    """
    b = ctx.b
    isz = ir.Constant(i64, size)
    one_row = b.icmp_signed("==", m.rows, ONE)
    one_col = b.icmp_signed("==", m.cols, ONE)
    cols1 = _max1(b, m.cols)
    rows1 = _max1(b, m.rows)
    # row-major: unit column stride, row stride at least cols
    cs = b.select(one_col, isz, m.col_stride)
    rs = b.select(one_row, b.mul(cols1, isz), m.row_stride)
    row_major = b.and_(b.icmp_signed("==", cs, isz), _fits(b, rs, cols1, isz))
    # column-major: unit row stride, column stride at least rows
    rs2 = b.select(one_row, isz, m.row_stride)
    cs2 = b.select(one_col, b.mul(rows1, isz), m.col_stride)
    col_major = b.and_(b.icmp_signed("==", rs2, isz), _fits(b, cs2, rows1, isz))
    ptr_slot = ctx.alloca(i8p, "blas.ptr")
    trans_slot = ctx.alloca(i32, "blas.trans")
    ld_slot = ctx.alloca(i64, "blas.ld")
    temp_slot = ctx.alloca(i8p, "blas.temp")
    b.store(m.data, ptr_slot)
    b.store(ir.Constant(i8p, None), temp_slot)
    with b.if_else(row_major) as (then, otherwise):
        with then:
            b.store(ir.Constant(i32, NO_TRANS), trans_slot)
            b.store(b.sdiv(rs, isz), ld_slot)
        with otherwise, b.if_else(col_major) as (then2, otherwise2):
            with then2:
                b.store(ir.Constant(i32, TRANS), trans_slot)
                b.store(b.sdiv(cs2, isz), ld_slot)
            with otherwise2:
                temp = b.call(runtime.alloc(ctx.module),
                              [b.mul(b.mul(m.rows, m.cols), isz)], name="blas.copy")
                with b.if_then(b.icmp_unsigned("==", temp, ir.Constant(i8p, None)),
                               likely=False):
                    ctx.raise_exception(MemoryError, ("cannot allocate a temporary",))
                dst = runtime.data_pointer(b, temp)
                packed = Matrix(dst, m.rows, m.cols, b.mul(m.cols, isz), isz)
                with (counted_loop(ctx, m.rows, "pack.i") as i,
                      counted_loop(ctx, m.cols, "pack.j") as j):
                    b.store(b.load(_element(ctx, m, i, j, dtype)),
                            _element(ctx, packed, i, j, dtype))
                b.store(dst, ptr_slot)
                b.store(temp, temp_slot)
                b.store(ir.Constant(i32, NO_TRANS), trans_slot)
                b.store(cols1, ld_slot)
    return b.load(ptr_slot), b.load(trans_slot), b.load(ld_slot), b.load(temp_slot)


def _max1(b: ir.IRBuilder, v: ir.Value) -> ir.Value:
    return b.select(b.icmp_signed("<", v, ONE), ONE, v)


def _fits(b: ir.IRBuilder, stride: ir.Value, count: ir.Value, isz: ir.Value) -> ir.Value:
    """stride is a whole number of items, at least `count` of them."""
    whole = b.icmp_signed("==", b.srem(stride, isz), ZERO)
    return b.and_(whole, b.icmp_signed(">=", stride, b.mul(count, isz)))


def _gemm(ctx: Context, dtype: t.Type, gemm: ir.Value, A: Matrix, B: Matrix,
          C: Matrix) -> None:
    """C = A B through cblas_?gemm at address `gemm` (row-major, 64-bit integers)."""
    b = ctx.b
    size = _itemsize(dtype)
    fty = f64 if dtype == t.float64 else f32
    nbytes = b.mul(b.mul(C.rows, C.cols), ir.Constant(i64, size))
    empty = b.or_(b.icmp_signed("==", nbytes, ZERO), b.icmp_signed("==", A.cols, ZERO))
    with b.if_else(empty) as (then, otherwise):
        with then:  # nothing to multiply: zeros (BLAS is not called with zero sizes)
            memset = ctx.declare("llvm.memset.p0.i64", ir.VoidType(),
                                 [i8p, ir.IntType(8), i64, ir.IntType(1)])
            b.call(memset, [C.data, ir.Constant(ir.IntType(8), 0), nbytes,
                            ir.Constant(ir.IntType(1), 0)])
        with otherwise:
            pa, ta, lda, tmp_a = _blas_operand(ctx, A, size, dtype)
            pb, tb, ldb, tmp_b = _blas_operand(ctx, B, size, dtype)
            fp = fty.as_pointer()
            fnty = ir.FunctionType(ir.VoidType(), [i32, i32, i32, i64, i64, i64, fty, fp, i64,
                                                   fp, i64, fty, fp, i64])
            b.call(b.bitcast(gemm, fnty.as_pointer()), [ir.Constant(i32, ROW_MAJOR), ta, tb,
                                                       A.rows, B.cols, A.cols,
                          ir.Constant(fty, 1.0), b.bitcast(pa, fp), lda, b.bitcast(pb, fp),
                          ldb, ir.Constant(fty, 0.0), b.bitcast(C.data, fp),
                          _max1(b, C.cols)])
            release = runtime.decref(ctx.module)
            b.call(release, [tmp_a])
            b.call(release, [tmp_b])


def _dot_impl(op: str) -> Any:
    def impl(ctx: Context, sig: t.Signature, a: ir.Value, bv: ir.Value) -> ir.Value:
        a_ty, b_ty = sig.args
        assert isinstance(a_ty, t.Array) and isinstance(b_ty, t.Array)
        return product(ctx, op, a_ty, a, b_ty, bv, sig.return_type)
    return impl


lower(np.dot, t.Array, t.Array)(_dot_impl("dot"))
lower("matmul", t.Array, t.Array)(_dot_impl("matmul"))


@lower("imatmul", t.Array, t.Array)
def matmul_inplace(ctx: Context, sig: t.Signature, a: ir.Value, bv: ir.Value) -> ir.Value:
    from .npfuncs import call_library

    a_ty = sig.args[0]
    assert isinstance(a_ty, t.Array)
    b = ctx.b
    have, get = am.shape(b, a, a_ty.ndim - 1), am.shape(b, bv, 1)
    with b.if_then(b.icmp_signed("!=", have, get), likely=False):
        ctx.raise_formatted(
            ValueError, f"matmul: Output operand 0 has a mismatch in its core dimension "
            f"{a_ty.ndim - 1}, with gufunc signature (n?,k),(k,m?)->(n?,m?) (size %lld is "
            "different from %lld)", have, get)
    return call_library(ctx, "arrays.matmul_into", sig.args, [a, bv])


# --- np.linalg.norm ------------------------------------------------------------------------

def _abs(ctx: Context, ty: t.Type, x: ir.Value) -> ir.Value:
    """|x| as float64 (hypot for complex numbers)."""
    b = ctx.b
    if isinstance(ty, t.Complex):
        part = ty.underlying
        re = ctx.cast(b.extract_value(x, 0), part, t.float64)
        im = ctx.cast(b.extract_value(x, 1), part, t.float64)
        hypot = ctx.declare("hypot", f64, [f64, f64])
        return b.call(hypot, [re, im])
    v = ctx.cast(x, ty, t.float64)
    return b.call(ctx.intrinsic("llvm.fabs", f64), [v])


def _vector_norm(ctx: Context, ty: t.Array, arr: ir.Value, order: ir.Value | None) -> ir.Value:
    """sum(|x|**ord)**(1/ord), with ord 2 (default), 1, 0, inf and -inf done directly."""
    b = ctx.b
    acc = ctx.alloca(f64, "norm.acc")
    ordv = order if order is not None else ir.Constant(f64, 2.0)
    inf = ir.Constant(f64, float("inf"))
    is_inf = b.fcmp_ordered("==", ordv, inf)
    is_ninf = b.fcmp_ordered("==", ordv, ir.Constant(f64, float("-inf")))
    start = b.select(is_ninf, inf, ir.Constant(f64, 0.0))
    b.store(start, acc)
    powf = ctx.declare("pow", f64, [f64, f64])
    fabs_max = ctx.intrinsic("llvm.maxnum", f64, 2)
    fabs_min = ctx.intrinsic("llvm.minnum", f64, 2)

    def body(ptr: ir.Value) -> None:
        x = _abs(ctx, ty.dtype, am.load_element(b, ty, ptr))
        old = b.load(acc)
        two = b.fadd(old, b.fmul(x, x))
        one = b.fadd(old, x)
        zero = b.fadd(old, b.uitofp(b.fcmp_unordered("!=", x, ir.Constant(f64, 0.0)), f64))
        mx = b.select(b.fcmp_unordered("uno", x, x), x, b.call(fabs_max, [old, x]))
        mn = b.select(b.fcmp_unordered("uno", x, x), x, b.call(fabs_min, [old, x]))
        gen = b.fadd(old, b.call(powf, [x, ordv]))
        value = b.select(b.fcmp_ordered("==", ordv, ir.Constant(f64, 2.0)), two,
                         b.select(b.fcmp_ordered("==", ordv, ir.Constant(f64, 1.0)), one,
                                  b.select(b.fcmp_ordered("==", ordv, ir.Constant(f64, 0.0)),
                                           zero, b.select(is_inf, mx,
                                                          b.select(is_ninf, mn, gen)))))
        b.store(value, acc)

    walk(ctx, ty, arr, body, any_order=True)
    total = b.load(acc)
    sqrt = b.call(ctx.intrinsic("llvm.sqrt", f64), [total])
    root = b.call(powf, [total, b.fdiv(ir.Constant(f64, 1.0), ordv)])
    simple = b.or_(b.or_(is_inf, is_ninf), b.or_(
        b.fcmp_ordered("==", ordv, ir.Constant(f64, 1.0)),
        b.fcmp_ordered("==", ordv, ir.Constant(f64, 0.0))))
    return b.select(b.fcmp_ordered("==", ordv, ir.Constant(f64, 2.0)), sqrt,
                    b.select(simple, total, root))


def _matrix_norm(ctx: Context, ty: t.Array, arr: ir.Value, order: ir.Value | None) -> ir.Value:
    """Frobenius without ord; ord 1/-1 (column sums) and inf/-inf (row sums) by value."""
    b = ctx.b
    if order is None:
        return _vector_norm(ctx, ty, arr, None)
    result = ctx.alloca(f64, "norm.result")
    inf = float("inf")
    cases = ((1.0, 1, True), (-1.0, 1, False), (inf, 0, True), (-inf, 0, False))
    known = ir.Constant(ir.IntType(1), 0)
    for value, outer, largest in cases:
        hit = b.fcmp_ordered("==", order, ir.Constant(f64, value))
        known = b.or_(known, hit)
        with b.if_then(hit):
            inner = 1 - outer
            best = ctx.alloca(f64, "norm.best")
            b.store(ir.Constant(f64, -inf if largest else inf), best)
            line = ctx.alloca(f64, "norm.line")
            pick = ctx.intrinsic("llvm.maxnum" if largest else "llvm.minnum", f64, 2)
            with counted_loop(ctx, am.shape(b, arr, outer), "norm.o") as i:
                b.store(ir.Constant(f64, 0.0), line)
                with counted_loop(ctx, am.shape(b, arr, inner), "norm.n") as j:
                    idx = [j, i] if outer == 1 else [i, j]
                    ptr = am.element_pointer(b, ty, arr, idx)
                    b.store(b.fadd(b.load(line), _abs(ctx, ty.dtype, am.load_element(b, ty, ptr))),
                            line)
                b.store(b.call(pick, [b.load(best), b.load(line)]), best)
            b.store(b.load(best), result)
    with b.if_then(b.not_(known), likely=False):
        ctx.raise_exception(ValueError, (("only ord None, 'fro', 1, -1, inf and -inf are "
                                          "supported for matrices"),))
    return b.load(result)


@lower(np.linalg.norm)
def norm(ctx: Context, sig: t.Signature, arr: ir.Value, *extra: ir.Value,
         kwnames: tuple[str, ...] = ()) -> ir.Value:
    ty = sig.args[0]
    assert isinstance(ty, t.Array)
    order = extra[0] if extra and isinstance(sig.args[1], t.Float) else None
    value = (_vector_norm(ctx, ty, arr, order) if ty.ndim == 1
             else _matrix_norm(ctx, ty, arr, order))
    return ctx.cast(value, t.float64, sig.return_type)


# --- LAPACK (the primitive of jitcore/library/linalg.py) ----------------------------------

# positions (in the argument list after the routine's name) of the complex routine's
# arguments its real sibling does not take
COMPLEX_ONLY = {"heevd": (8, 9), "gesdd": (12,), "gelsd": (12,)}


@lower(lapack)
def lapack_call(ctx: Context, sig: t.Signature, _routine: ir.Value,
                *args: ir.Value) -> ir.Value:
    """Call jc.lapack.<prefix><routine> (Fortran convention: every argument by reference,
    `info` last, then one hidden length per character argument); return info."""
    b = ctx.b
    routine = sig.args[0]
    assert isinstance(routine, t.PyObjectConst)
    prefix = lapack_prefix(sig.args)
    assert prefix is not None
    names = routine.value.split("|")
    name = prefix + names[-1 if prefix in "cz" and len(names) > 1 else 0]
    if prefix in "sd":  # the real routine lacks the complex one's rwork arguments
        drop = COMPLEX_ONLY.get(names[-1], ())
        kept = [i for i in range(len(args)) if i not in drop]
        sig = t.Signature(sig.return_type, (routine, *[sig.args[1 + i] for i in kept]))
        args = tuple(args[i] for i in kept)
    real = t.float32 if prefix in "sc" else t.float64
    fn = b.load(ctx.process_global(f"jc.lapack.{name}"), name=name)
    with b.if_then(b.icmp_unsigned("==", fn, ir.Constant(i8p, None)), likely=False):
        ctx.raise_exception(RuntimeError, (
            f"LAPACK routine {name} is not available: NumPy's bundled OpenBLAS does not "
            f"export scipy_{name}_64_ in this process",))
    passed: list[ir.Value] = []
    lengths: list[ir.Value] = []
    for ty, value in zip(sig.args[1:], args):
        if isinstance(ty, t.Array):
            passed.append(b.bitcast(am.data(b, value), i8p))
            continue
        if isinstance(ty, t.PyObjectConst):  # a character option
            slot = ctx.alloca(ir.IntType(8), "lapack.char")
            b.store(ir.Constant(ir.IntType(8), ord(ty.value)), slot)
            lengths.append(ir.Constant(i64, 1))
        else:
            target = t.int64 if isinstance(ty, t.Integer) else real
            slot = ctx.alloca(llvm_type(target), "lapack.arg")
            b.store(ctx.cast(value, ty, target), slot)
        passed.append(b.bitcast(slot, i8p))
    info = ctx.alloca(i64, "lapack.info")
    b.store(ZERO, info)
    passed.append(b.bitcast(info, i8p))
    fnty = ir.FunctionType(ir.VoidType(), [v.type for v in passed + lengths])
    b.call(b.bitcast(fn, fnty.as_pointer()), passed + lengths)
    return b.load(info)


# --- np.linalg through jitcore/library/linalg.py --------------------------------------------

def _convert(ctx: Context, value: ir.Value, have: t.Type, want: t.Type) -> ir.Value:
    """A library result in the type the typing rule promised (scalars may differ in width:
    a float32 matrix's log-determinant, say)."""
    if have == want:
        return value
    if isinstance(have, t.Tuple) and isinstance(want, t.Tuple):
        out = ir.Constant(llvm_type(want), ir.Undefined)
        for i, (h, w) in enumerate(zip(have.items, want.items)):
            out = ctx.b.insert_value(out, _convert(ctx, ctx.b.extract_value(value, i), h, w), i)
        return out
    assert not isinstance(have, t.Array), f"library returned {have}, expected {want}"
    return ctx.cast(value, have, want)


def call_linalg(ctx: Context, name: str, sig: t.Signature, argtypes: tuple[t.Type, ...],
                args: list[ir.Value]) -> ir.Value:
    """Call jitcore.library.linalg.<name> natively; its result in sig's return type."""
    fn = ctx.callees.library(f"linalg.{name}")
    inner = ctx.callees.signature_of(fn, argtypes)
    return _convert(ctx, ctx.call_jitted(fn, inner, args), inner.return_type, sig.return_type)


def _library(name: str) -> Any:
    def impl(ctx: Context, sig: t.Signature, *args: ir.Value) -> ir.Value:
        return call_linalg(ctx, name, sig, sig.args, list(args))
    return impl


for _fn in (np.linalg.solve, np.linalg.inv, np.linalg.det, np.linalg.slogdet,
            np.linalg.cholesky, np.linalg.svd, np.linalg.svdvals):
    lower(_fn)(_library(_fn.__name__))


def _eps(ty: t.Type) -> ir.Value:
    """The machine epsilon of the working dtype of a matrix of `ty` (float64 for ints)."""
    assert isinstance(ty, t.Array)
    single = ty.dtype in (t.float32, t.complex64)
    return ir.Constant(f64, float(np.finfo(np.float32 if single else np.float64).eps))


def _float_or(ctx: Context, ty: t.Type, value: ir.Value, default: float) -> ir.Value:
    """An optional number argument as float64, `default` for None."""
    if isinstance(ty, (t.Integer, t.Float)):
        return ctx.cast(value, ty, t.float64)
    return ir.Constant(f64, default)


@lower(np.linalg.qr)
def qr(ctx: Context, sig: t.Signature, a: ir.Value, _mode: ir.Value) -> ir.Value:
    mode = sig.args[1]
    assert isinstance(mode, t.PyObjectConst)
    return call_linalg(ctx, f"qr_{mode.value}", sig, sig.args[:1], [a])


@lower(np.linalg.lstsq)
def lstsq(ctx: Context, sig: t.Signature, a: ir.Value, bv: ir.Value,
          rcond: ir.Value) -> ir.Value:
    a_ty, b_ty, r_ty = sig.args
    assert isinstance(b_ty, t.Array)
    args = [a, bv, _float_or(ctx, r_ty, rcond, float("nan")), _eps(a_ty)]
    name = "lstsq_vector" if b_ty.ndim == 1 else "lstsq"
    return call_linalg(ctx, name, sig, (a_ty, b_ty, t.float64, t.float64), args)


@lower(np.linalg.pinv)
def pinv(ctx: Context, sig: t.Signature, a: ir.Value, rcond: ir.Value) -> ir.Value:
    args = [a, _float_or(ctx, sig.args[1], rcond, 1e-15)]
    return call_linalg(ctx, "pinv", sig, (sig.args[0], t.float64), args)


@lower(np.linalg.matrix_rank)
def matrix_rank(ctx: Context, sig: t.Signature, a: ir.Value, tol: ir.Value) -> ir.Value:
    args = [a, _float_or(ctx, sig.args[1], tol, float("nan")), _eps(sig.args[0])]
    return call_linalg(ctx, "matrix_rank", sig, (sig.args[0], t.float64, t.float64), args)


@lower(np.linalg.matrix_power)
def matrix_power(ctx: Context, sig: t.Signature, a: ir.Value, n: ir.Value) -> ir.Value:
    a_ty, n_ty = sig.args
    assert isinstance(a_ty, t.Array)
    integer = ir.Constant(llvm_type(t.boolean), int(isinstance(a_ty.dtype, t.Integer)))
    return call_linalg(ctx, "matrix_power", sig, (a_ty, t.int64, t.boolean),
                       [a, ctx.cast(n, n_ty, t.int64), integer])


def _eig(name: str) -> Any:
    def impl(ctx: Context, sig: t.Signature, a: ir.Value) -> ir.Value:
        ret = sig.return_type
        dtype = (ret.items[0] if isinstance(ret, t.Tuple) else ret)
        assert isinstance(dtype, t.Array)
        kind = "complex" if isinstance(dtype.dtype, t.Complex) else "real"
        return call_linalg(ctx, f"{name}_{kind}", sig, sig.args, [a])
    return impl


lower(np.linalg.eig)(_eig("eig"))
lower(np.linalg.eigvals)(_eig("eigvals"))


# --- np.trace, np.vdot, np.inner, np.outer, np.kron, np.linalg.multi_dot ---------------------

def _zero(ctx: Context, ty: t.Type) -> tuple[t.Type, ir.Value]:
    """The 0 of the result's dtype, from which the library accumulates (so it sums in it)."""
    dtype = ty.dtype if isinstance(ty, t.Array) else ty
    return dtype, ctx.constant(0, dtype)


@lower(np.trace)
def trace(ctx: Context, sig: t.Signature, a: ir.Value, offset: ir.Value) -> ir.Value:
    zty, zero = _zero(ctx, sig.return_type)
    return call_linalg(ctx, "trace", sig, (sig.args[0], t.int64, zty),
                       [a, ctx.cast(offset, sig.args[1], t.int64), zero])


@lower(np.vdot)
def vdot(ctx: Context, sig: t.Signature, a: ir.Value, bv: ir.Value) -> ir.Value:
    b = ctx.b
    na, nb = b.extract_value(a, am.NITEMS), b.extract_value(bv, am.NITEMS)
    with b.if_then(b.icmp_signed("!=", na, nb), likely=False):
        ctx.raise_formatted(ValueError, "cannot reshape array of size %lld into shape (%lld,)",
                            nb, na)
    zty, zero = _zero(ctx, sig.return_type)
    return call_linalg(ctx, "vdot", sig, (*sig.args, zty), [a, bv, zero])


@lower(np.outer)
def outer(ctx: Context, sig: t.Signature, a: ir.Value, bv: ir.Value) -> ir.Value:
    zty, zero = _zero(ctx, sig.return_type)
    return call_linalg(ctx, "outer", sig, (*sig.args, zty), [a, bv, zero])


@lower(np.kron)
def kron(ctx: Context, sig: t.Signature, a: ir.Value, bv: ir.Value) -> ir.Value:
    a_ty, b_ty = sig.args
    assert isinstance(a_ty, t.Array) and isinstance(b_ty, t.Array)
    kinds = "".join("v" if ty.ndim == 1 else "m" for ty in (a_ty, b_ty))
    zty, zero = _zero(ctx, sig.return_type)
    return call_linalg(ctx, f"kron_{kinds}", sig, (a_ty, b_ty, zty), [a, bv, zero])


@lower(np.inner)
def inner(ctx: Context, sig: t.Signature, a: ir.Value, bv: ir.Value) -> ir.Value:
    """Sums over the last axes of both: a . b when b is 1-d, else through b's transpose."""
    a_ty, b_ty = sig.args
    assert isinstance(a_ty, t.Array) and isinstance(b_ty, t.Array)
    if b_ty.ndim == 1:
        return product(ctx, "dot", a_ty, a, b_ty, bv, sig.return_type)
    name = "inner_vm" if a_ty.ndim == 1 else "inner_mm"
    return call_linalg(ctx, name, sig, sig.args, [a, bv])


@lower(np.linalg.multi_dot)
def multi_dot(ctx: Context, sig: t.Signature, arrays: ir.Value) -> ir.Value:
    """Left to right; each intermediate product released once the next one is made."""
    tup = sig.args[0]
    assert isinstance(tup, t.Tuple)
    acc_ty: t.Type = tup.items[0]
    acc = ctx.b.extract_value(arrays, 0)
    owned = False
    for i, item in enumerate(tup.items[1:], 1):
        assert isinstance(acc_ty, t.Array) and isinstance(item, t.Array)
        step = product_signature(acc_ty, item)
        assert step is not None
        value = product(ctx, "dot", acc_ty, acc, item, ctx.b.extract_value(arrays, i),
                        step.return_type)
        if owned:
            ctx.decref(acc, acc_ty)
        acc, acc_ty, owned = value, step.return_type, True
    return acc


@lower(np.linalg.cond)
def cond(ctx: Context, sig: t.Signature, a: ir.Value, p: ir.Value) -> ir.Value:
    a_ty, p_ty = sig.args
    if isinstance(p_ty, (t.Integer, t.Float)):
        return call_linalg(ctx, "cond_p", sig, (a_ty, t.float64),
                           [a, ctx.cast(p, p_ty, t.float64)])
    fro = isinstance(p_ty, t.PyObjectConst) and p_ty.value == "fro"
    return call_linalg(ctx, "cond_fro" if fro else "cond", sig, (a_ty,), [a])


def _hermitian(name: str) -> Any:
    def impl(ctx: Context, sig: t.Signature, a: ir.Value, _uplo: ir.Value) -> ir.Value:
        uplo = sig.args[1]
        assert isinstance(uplo, t.PyObjectConst)
        upper = ir.Constant(llvm_type(t.boolean), int(uplo.value == "U"))
        return call_linalg(ctx, name, sig, (sig.args[0], t.boolean), [a, upper])
    return impl


lower(np.linalg.eigh)(_hermitian("eigh"))
lower(np.linalg.eigvalsh)(_hermitian("eigvalsh"))
