"""Target-specific forms of what lowering leaves portable in a module.

    specialise(module, triple, features)    # before the module is parsed and optimised

Lowering knows nothing of the machine; a few operations have a much cheaper form on
one. This module gives them that form, before LLVM optimises (and inlines) the module:

- int(float): lowering emits the truncation and its out-of-range test as a small
  internal, always-inlined function with a portable body; on x86-64 the body becomes
  cvttsd2si and one integer compare. Both compute exactly the same thing.
- np.int8(x) and its siblings on a float: lowering emits C's cast as a small internal,
  always-inlined function per type pair (lowering/impls/npscalars.py) whose portable body
  saturates, as AArch64's fcvtzs/fcvtzu do; on x86-64 the body becomes what C compilers
  emit there, whose out-of-range answer is cvttsd2si's INT_MIN (NumPy's answers on each
  machine: these differ where C leaves the result undefined).
- Math functions under fastmath (calls carrying `afn`): each call site is told, with the
  `vector-function-abi-variant` attribute, which of glibc's libmvec functions computes
  4 or 8 of them at once (_ZGVdN4v_exp on AVX2, _ZGVeN8v_exp on AVX-512), so the loop
  vectoriser can widen the loop through them. libmvec's results are within 4 ulps of the
  exact ones (glibc's manual), which fastmath allows. LLVM's own switch for this
  (-vector-library) would hold for every module of the process; a call-site attribute
  holds for the calls that asked.
"""
from __future__ import annotations

import ctypes
from functools import cache

from llvmlite import ir

from jitcore.lowering.impls.builtins import CAST_HELPER, TRUNCATE_HELPER

from .objcache import load_libmvec

_i32, _i64 = ir.IntType(32), ir.IntType(64)
_f32, _f64 = ir.FloatType(), ir.DoubleType()

# libmvec's functions (glibc >= 2.35 for all but exp, log, sin, cos, pow: each is checked
# in the process before it is used), by the name of the double version and arity.
_LIBMVEC = dict.fromkeys(
    ("acos", "acosh", "asin", "asinh", "atan", "atanh", "cbrt", "cos", "cosh", "erf", "erfc",
     "exp", "exp10", "exp2", "expm1", "log", "log10", "log1p", "log2", "sin", "sinh", "tan",
     "tanh"), 1) | {"atan2": 2, "hypot": 2, "pow": 2}
# ISA letter of the vector ABI, the CPU feature it needs, and the register width in bits.
_ISAS = (("e", "+avx512f", 512), ("d", "+avx2", 256))
_ABI_VARIANT = "vector-function-abi-variant"


def specialise(module: ir.Module, triple: str, features: str = "") -> None:
    """Give the module the forms that are better on `triple` with CPU `features`."""
    if triple.split("-")[0] not in ("x86_64", "amd64"):
        return
    isas = [isa for isa in _ISAS if isa[1] in features.split(",")]
    if isas and load_libmvec():
        _vector_math(module, isas)
    for suffix, vector, intrinsic in (("f64", ir.VectorType(ir.DoubleType(), 2),
                                       "llvm.x86.sse2.cvttsd2si64"),
                                      ("f32", ir.VectorType(ir.FloatType(), 4),
                                       "llvm.x86.sse.cvttss2si64")):
        helper = module.globals.get(f"{TRUNCATE_HELPER}.{suffix}")
        if isinstance(helper, ir.Function) and helper.blocks:
            _x86_truncate(module, helper, vector, intrinsic)
    for fn in list(module.functions):
        if fn.name.startswith(f"{CAST_HELPER}.") and fn.blocks:
            _x86_numpy_cast(fn)


def _x86_truncate(module: ir.Module, helper: ir.Function, vector: ir.VectorType,
                  intrinsic: str) -> None:
    """cvttsd2si answers 0x8000000000000000 (-2**63) for nan, inf and anything out of range.

    So the result is exact unless it is -2**63, and one integer compare replaces the
    portable |x| < 2**63 (an andpd with a mask and a float compare); -2**63 itself is
    then suspect too, which the caller's cold path lets through.
    """
    cvt = module.globals.get(intrinsic)
    if cvt is None:
        cvt = ir.Function(module, ir.FunctionType(_i64, [vector]), intrinsic)
    helper.blocks = []
    b = ir.IRBuilder(helper.append_basic_block("entry"))
    (x,) = helper.args
    lane0 = b.insert_element(ir.Constant(vector, ir.Undefined), x, ir.Constant(_i32, 0))
    result = b.call(cvt, [lane0])
    suspect = b.icmp_signed("==", result, ir.Constant(_i64, -(2**63)))
    pair = helper.function_type.return_type
    out = b.insert_value(ir.Constant(pair, ir.Undefined), result, 0)
    b.ret(b.insert_value(out, suspect, 1))


def _x86_numpy_cast(helper: ir.Function) -> None:
    """C's cast of a float to `jc.npcast.<src>.<int type>` as x86-64 compilers emit it.

    To int8..int32, uint8 and uint16 through a signed 32-bit truncation, to int64 and
    uint32 through a 64-bit one, to uint64 through the unsigned sequence (below 2**63 a
    signed conversion; from 2**63 on, convert x - 2**63 and set the top bit back). A value
    outside the intermediate range, and nan, becomes cvttsd2si's INT_MIN before narrowing:
    np.int32(nan) is -2**31, np.int8(1e10) is 0, np.uint64(-1.0) is 2**64 - 1. LLVM's
    fptosi is poison out of range, so each conversion guards it and yields INT_MIN itself.
    """
    dst = helper.name.rsplit(".", 1)[1]
    signed, bits = not dst.startswith("u"), int(dst.rsplit("int", 1)[1])
    helper.blocks = []
    b = ir.IRBuilder(helper.append_basic_block("entry"))
    (x,) = helper.args
    if bits == 64 and not signed:
        top = ir.Constant(x.type, 2.0 ** 63)
        high = b.xor(_cvtt(b, b.fsub(x, top), 64), ir.Constant(_i64, 1 << 63))
        b.ret(b.select(b.fcmp_ordered(">=", x, top), high, _cvtt(b, x, 64)))
        return
    via = 32 if bits < 32 or (bits == 32 and signed) else 64
    value = _cvtt(b, x, via)
    b.ret(b.trunc(value, ir.IntType(bits)) if bits < via else value)


def _cvtt(b: ir.IRBuilder, x: ir.Value, bits: int) -> ir.Value:
    """cvttsd2si: `x` truncated to a signed `bits`-bit integer, INT_MIN when out of range."""
    limit = 2.0 ** (bits - 1)  # exact in float32 and float64
    in_range = b.and_(b.fcmp_ordered(">=", x, ir.Constant(x.type, -limit)),
                      b.fcmp_ordered("<", x, ir.Constant(x.type, limit)))
    safe = b.select(in_range, x, ir.Constant(x.type, 0.0))
    ity = ir.IntType(bits)
    return b.select(in_range, b.fptosi(safe, ity), ir.Constant(ity, -(1 << (bits - 1))))


def _vector_math(module: ir.Module, isas: list[tuple[str, str, int]]) -> None:
    """Attach libmvec variants to the fast math calls of every function in the module."""
    used: list[ir.Function] = []
    for fn in module.functions:
        for block in fn.blocks:
            for inst in block.instructions:
                if isinstance(inst, ir.CallInstr) and isinstance(inst.callee, ir.Function):
                    used += _attach_variants(module, inst, isas)
    if used:
        _keep_declarations(module, used)


def _attach_variants(module: ir.Module, call: ir.CallInstr,
                     isas: list[tuple[str, str, int]]) -> list[ir.Function]:
    if not ({"fast", "afn"} & set(call.fastmath)):
        return []
    scalar = call.callee.name
    ty = call.callee.function_type.return_type
    if ty not in (_f32, _f64):
        return []
    base = scalar[5:].rsplit(".", 1)[0] if scalar.startswith("llvm.") else scalar
    if ty == _f32 and not scalar.startswith("llvm."):
        base = base[:-1]  # erff -> erf
    nargs = _LIBMVEC.get(base)
    if nargs is None or len(call.args) != nargs:
        return []
    suffix = "f" if ty == _f32 else ""
    variants, declared = [], []
    for isa, _, bits in isas:
        lanes = bits // (32 if ty == _f32 else 64)
        params = "v" * nargs
        name = f"_ZGV{isa}N{lanes}{params}_{base}{suffix}"
        if not has_symbol(name):
            continue
        vty = ir.VectorType(ty, lanes)
        vector_fn = module.globals.get(name)
        if vector_fn is None:
            vector_fn = ir.Function(module, ir.FunctionType(vty, [vty] * nargs), name)
        declared.append(vector_fn)
        variants.append(f"_ZGV_LLVM_N{lanes}{params}_{scalar}({name})")
    if variants:
        # llvmlite knows no string attributes: add the text of one to the call's set.
        set.add(call.attributes, f'"{_ABI_VARIANT}"="{",".join(variants)}"')
        if not scalar.startswith("llvm."):
            call.attributes.add("readnone")  # libm's errno is never read: calls can move
    return declared


def _keep_declarations(module: ir.Module, functions: list[ir.Function]) -> None:
    """List the vector functions in llvm.compiler.used, so that their declarations (which
    nothing calls yet) survive until the loop vectoriser looks them up."""
    ptr = ir.IntType(8).as_pointer()
    unique = list(dict.fromkeys(functions))
    arr = ir.ArrayType(ptr, len(unique))
    assert "llvm.compiler.used" not in module.globals, "lowering made its own list"
    gv = ir.GlobalVariable(module, arr, "llvm.compiler.used")
    gv.linkage = "appending"
    gv.section = "llvm.metadata"
    gv.initializer = ir.Constant(arr, [f.bitcast(ptr) for f in unique])


@cache
def has_symbol(name: str) -> bool:
    return hasattr(ctypes.CDLL(None), name)
