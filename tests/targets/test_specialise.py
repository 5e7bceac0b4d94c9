"""targets.specialise: target bodies for lowering's portable helpers, same answers."""
from __future__ import annotations

import math

import numpy as np
import pytest

from jitcore import njit
from jitcore.targets import codegen, machine

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
    monkeypatch.setattr(codegen, "specialise", lambda module, triple, features="": None)
    fn = njit(lambda x: int(x))
    check_all(fn)
    assert "llvm.x86" not in str(fn.inspect_llvm(fn.signatures[0]))


def test_other_targets_keep_the_portable_body():
    from llvmlite import ir

    from jitcore.lowering.impls.builtins import TRUNCATE_HELPER
    from jitcore.targets.specialise import specialise

    module = ir.Module()
    helper = ir.Function(module, ir.FunctionType(ir.LiteralStructType(
        [ir.IntType(64), ir.IntType(1)]), [ir.DoubleType()]), f"{TRUNCATE_HELPER}.f64")
    block = helper.append_basic_block("entry")
    ir.IRBuilder(block).unreachable()
    specialise(module, "aarch64-unknown-linux-gnu")
    assert helper.blocks == [block]
    specialise(module, "x86_64-unknown-linux-gnu")
    assert helper.blocks != [block] and "cvttsd2si64" in str(module)


# --- vector math under fastmath (glibc's libmvec) --------------------------------------------

def has_avx2() -> bool:
    return "+avx2" in machine.host_cpu()[1].split(",")


def map_exp(a, out):
    for i in range(len(a)):
        out[i] = math.exp(a[i])


def map_all(a, b, out):
    for i in range(len(a)):
        x = a[i]
        out[0, i] = math.log(x)
        out[1, i] = math.sin(x)
        out[2, i] = math.cos(x)
        out[3, i] = math.erf(x)
        out[4, i] = math.tanh(x)
        out[5, i] = math.pow(x, b[i])
        out[6, i] = math.atan2(x, b[i])
        out[7, i] = math.exp(-x)


def vector_functions(fn) -> set[str]:
    import re

    return set(re.findall(r"\b_ZGV[bcde]N\d+v+_\w+", fn.inspect_asm(fn.signatures[0])))


@pytest.mark.skipif(not (on_x86_64() and has_avx2()), reason="libmvec needs x86-64 with AVX2")
def test_fastmath_math_calls_use_libmvec_within_its_ulps():
    rng = np.random.default_rng(3)
    a = rng.uniform(0.01, 20.0, 1003)  # an odd length: the scalar remainder runs too
    b = rng.uniform(-3.0, 3.0, 1003)
    fn = njit(fastmath=True, error_model="numpy")(map_all)
    out = np.empty((8, len(a)))
    fn(a, b, out)
    names = {name.split("_", 3)[-1] for name in vector_functions(fn)}
    assert {"log", "sin", "cos", "erf", "tanh", "pow", "atan2", "exp"} <= names
    expected = np.array([[f(x, y) for x, y in zip(a, b)] for f in (
        lambda x, y: math.log(x), lambda x, y: math.sin(x), lambda x, y: math.cos(x),
        lambda x, y: math.erf(x), lambda x, y: math.tanh(x), math.pow, math.atan2,
        lambda x, y: math.exp(-x))])
    # glibc documents libmvec within 4 ulp; allow that relative to each value
    ulp = np.spacing(np.abs(expected))
    assert np.all(np.abs(out - expected) <= 4 * ulp), np.max(np.abs(out - expected) / ulp)


@pytest.mark.skipif(not (on_x86_64() and has_avx2()), reason="libmvec needs x86-64 with AVX2")
def test_fastmath_float32_exp_uses_the_float_variant():
    a = np.linspace(-5, 5, 517, dtype=np.float32)
    out = np.empty_like(a)
    fn = njit(fastmath=True)(map_exp)
    fn(a, out)
    assert any(name.endswith("_expf") for name in vector_functions(fn))
    expected = np.exp(a.astype(np.float64)).astype(np.float32)
    assert np.all(np.abs(out - expected) <= 4 * np.spacing(expected))


def test_without_fastmath_math_calls_stay_exact():
    a = np.linspace(-5, 5, 64)
    out = np.empty_like(a)
    fn = njit(map_exp)
    fn(a, out)
    assert not vector_functions(fn)
    assert list(out) == [math.exp(x) for x in a]


def test_cached_code_finds_libmvec_in_a_new_process():
    # a cache hit loads object code without LLVM: the loader itself must load libmvec
    import subprocess
    import sys

    code = ("import ctypes\nfrom targets.objcache import process_symbol\n"
            "assert not hasattr(ctypes.CDLL(None), '_ZGVdN4v_exp')\n"
            "print(process_symbol('_ZGVdN4v_exp') != 0)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert run.stdout.strip() == "True"


# np.<int>(float) as C casts on AArch64 (fcvtzs / fcvtzu: saturating, nan -> 0), then narrowed:
# what aarch64-linux-gnu-gcc's code gives under qemu (tests/aot/test_aot_casts.py checks it).
AARCH64_CASTS = {  # x: (int8, uint8, int32, uint32, int64, uint64)
    1e10: (-1, 255, 2**31 - 1, 2**32 - 1, 10**10, 10**10),
    -1e10: (0, 0, -2**31, 0, -10**10, 0),
    math.nan: (0, 0, 0, 0, 0, 0),
    -1.0: (-1, 0, -1, 0, -1, 0),
    300.0: (44, 44, 300, 300, 300, 300),
    1e20: (-1, 255, 2**31 - 1, 2**32 - 1, 2**63 - 1, 2**64 - 1),
}
# ... and as x86-64 compilers emit them (cvttsd2si's INT_MIN out of range): NumPy here.
X86_CASTS = {
    1e10: (0, 0, -2**31, 1410065408, 10**10, 10**10),
    -1e10: (0, 0, -2**31, 2884901888, -10**10, 2**64 - 10**10),
    math.nan: (0, 0, -2**31, 0, -2**63, 2**63),
    -1.0: (-1, 255, -1, 2**32 - 1, -1, 2**64 - 1),
    300.0: (44, 44, 300, 300, 300, 300),
    1e20: (0, 0, -2**31, 0, -2**63, 0),
}


def casts(x):
    return (np.int8(x), np.uint8(x), np.int32(x), np.uint32(x), np.int64(x), np.uint64(x))


def _cast_module(triple: str) -> str:
    from llvmlite import ir

    from jitcore.lowering.context import Context, ModuleInfo
    from jitcore.lowering.impls.npscalars import float_to_int
    from jitcore.targets.specialise import specialise
    from jitcore.typeinfer import types as t

    module = ir.Module()
    fn = ir.Function(module, ir.FunctionType(ir.IntType(32), [ir.IntType(8).as_pointer(),
                                                              ir.DoubleType()]), "f")
    ctx = Context(module, fn, ModuleInfo(), None, {})
    ctx.b.ret(ctx.b.trunc(float_to_int(ctx, fn.args[1], t.uint64), ir.IntType(32)))
    specialise(module, triple)
    return str(module)


def test_numpy_casts_are_the_targets_own():
    aarch64 = _cast_module("aarch64-unknown-linux-gnu")
    assert 'call i64 @"llvm.fptoui.sat.i64.f64"' in aarch64
    x86 = _cast_module("x86_64-unknown-linux-gnu")
    assert 'call i64 @"llvm.fptoui' not in x86  # the signed sequence of x86 compilers
    assert "fptosi double" in x86


@pytest.mark.skipif(not on_x86_64(), reason="NumPy's x86-64 answers")
def test_numpy_casts_jit_as_numpy_here():
    fn = njit(casts)
    for x, want in X86_CASTS.items():
        assert fn(x) == want, x
        with np.errstate(invalid="ignore", over="ignore"):
            assert casts(np.float64(x)) == want, x


def test_portable_numpy_casts_saturate_as_on_aarch64(monkeypatch):
    monkeypatch.setattr(codegen, "specialise", lambda module, triple, features="": None)
    fn = njit(casts)
    for x, want in AARCH64_CASTS.items():
        assert fn(x) == want, x
