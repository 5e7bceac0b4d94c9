"""targets.specialise: target bodies for lowering's portable helpers, same answers."""
from __future__ import annotations

import math

import numpy as np
import pytest

from jitcore import njit
from targets import codegen, machine

M = 2.0**63
EDGES = [0.0, -0.0, 0.5, -0.5, 1.99, -1.99, 1e18, -1e18, M - 1024, -M, -M - 2048, M, 1e300,
         -1e300, math.inf, -math.inf, math.nan, 5e-324]


def truncate(x):
    return int(x)


def expected(x: float) -> tuple[type, str] | int:
    if math.isnan(x):
        return (ValueError, "cannot convert float NaN to integer")
    if math.isinf(x):
        return (OverflowError, "cannot convert float infinity to integer")
    if not -(2**63) <= int(x) < 2**63:
        return (OverflowError, "float is out of the int64 range")
    return int(x)


def outcome(fn, x) -> tuple[type, str] | int:
    try:
        return fn(x)
    except (ValueError, OverflowError) as exc:
        return (type(exc), str(exc))


@np.errstate(over="ignore")
def check_all(fn) -> None:
    for x in EDGES:
        assert outcome(fn, np.float64(x)) == expected(x), x
        x32 = float(np.float32(x))  # float32 rounds some edges onto 2**63 or -2**63
        assert outcome(fn, np.float32(x)) == expected(x32), x32


def on_x86_64() -> bool:
    return machine.host_target_machine().triple.startswith("x86_64")


@pytest.mark.skipif(not on_x86_64(), reason="the x86-64 body is checked on x86-64 hosts")
def test_int_of_float_uses_the_conversions_own_out_of_range_answer():
    fn = njit(truncate)
    check_all(fn)
    text = str(fn.inspect_llvm(fn.signatures[0]))
    assert "llvm.x86.sse2.cvttsd2si64" in text
    assert "fcmp olt double" not in text  # the portable |x| < 2**63 test is gone
    asm32 = fn.inspect_asm(fn.signatures[1])
    assert "cvttss2si" in asm32


def test_portable_body_gives_the_same_answers(monkeypatch):
    # What a target without a specialised body (aarch64 AOT output) runs.
    monkeypatch.setattr(codegen, "specialise", lambda module, triple: None)
    fn = njit(lambda x: int(x))
    check_all(fn)
    assert "llvm.x86" not in str(fn.inspect_llvm(fn.signatures[0]))


def test_other_targets_keep_the_portable_body():
    from llvmlite import ir

    from lowering.impls.builtins import TRUNCATE_HELPER
    from targets.specialise import specialise

    module = ir.Module()
    helper = ir.Function(module, ir.FunctionType(ir.LiteralStructType(
        [ir.IntType(64), ir.IntType(1)]), [ir.DoubleType()]), f"{TRUNCATE_HELPER}.f64")
    block = helper.append_basic_block("entry")
    ir.IRBuilder(block).unreachable()
    specialise(module, "aarch64-unknown-linux-gnu")
    assert helper.blocks == [block]
    specialise(module, "x86_64-unknown-linux-gnu")
    assert helper.blocks != [block] and "cvttsd2si64" in str(module)
