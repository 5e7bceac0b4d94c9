"""Target-specific bodies for the portable helpers that lowering leaves in a module.

    specialise(module, triple)    # before the module is parsed and optimised

Lowering knows nothing of the machine; a few operations have a much cheaper form on
one. Lowering emits those as small internal, always-inlined functions with a portable
body, and this module replaces the body when the target allows, before LLVM optimises
(and inlines) them. Each replacement computes exactly what the portable body does.
"""
from __future__ import annotations

from llvmlite import ir

from lowering.impls.builtins import TRUNCATE_HELPER

_i32, _i64 = ir.IntType(32), ir.IntType(64)


def specialise(module: ir.Module, triple: str) -> None:
    """Replace the bodies of the helpers that have a better form on `triple`."""
    if triple.split("-")[0] not in ("x86_64", "amd64"):
        return
    for suffix, vector, intrinsic in (("f64", ir.VectorType(ir.DoubleType(), 2),
                                       "llvm.x86.sse2.cvttsd2si64"),
                                      ("f32", ir.VectorType(ir.FloatType(), 4),
                                       "llvm.x86.sse.cvttss2si64")):
        helper = module.globals.get(f"{TRUNCATE_HELPER}.{suffix}")
        if isinstance(helper, ir.Function) and helper.blocks:
            _x86_truncate(module, helper, vector, intrinsic)


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
