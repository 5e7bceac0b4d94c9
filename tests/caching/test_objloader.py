"""The ELF loader behind cache hits: object code runs without LLVM's loader."""
from __future__ import annotations

import ctypes
import math
import platform

import pytest
from llvmlite import ir

from jitcore.targets import objcache

pytestmark = pytest.mark.skipif(platform.machine() != "x86_64",
                                reason="the built-in loader handles x86-64 ELF only")

f64, i64 = ir.DoubleType(), ir.IntType(64)


def _module(tag: str) -> ir.Module:
    """f(x) = cos(x) * table[k] + counter++, with a constant table and a global counter."""
    m = ir.Module(f"loader_{tag}")
    cos = ir.Function(m, ir.FunctionType(f64, [f64]), "cos")
    table = ir.GlobalVariable(m, ir.ArrayType(f64, 3), f"table_{tag}")
    table.initializer = ir.Constant(table.value_type, [1.5, 2.5, 3.5])
    table.global_constant = True
    table.linkage = "internal"
    counter = ir.GlobalVariable(m, i64, f"counter_{tag}")
    counter.initializer = ir.Constant(i64, 0)
    fn = ir.Function(m, ir.FunctionType(f64, [f64, i64]), f"f_{tag}")
    b = ir.IRBuilder(fn.append_basic_block("entry"))
    x, k = fn.args
    scale = b.load(b.gep(table, [ir.Constant(i64, 0), k]))
    count = b.load(counter)
    b.store(b.add(count, ir.Constant(i64, 1)), counter)
    b.ret(b.fadd(b.fmul(b.call(cos, [x]), scale), b.sitofp(count, f64)))
    caller = ir.Function(m, ir.FunctionType(f64, [f64]), f"g_{tag}")
    b = ir.IRBuilder(caller.append_basic_block("entry"))
    b.ret(b.call(fn, [caller.args[0], ir.Constant(i64, 2)]))
    return m


def _check(symbols: dict[str, int], tag: str) -> None:
    f = ctypes.CFUNCTYPE(ctypes.c_double, ctypes.c_double, ctypes.c_int64)(symbols[f"f_{tag}"])
    g = ctypes.CFUNCTYPE(ctypes.c_double, ctypes.c_double)(symbols[f"g_{tag}"])
    assert f(0.5, 1) == math.cos(0.5) * 2.5
    assert f(0.5, 0) == math.cos(0.5) * 1.5 + 1
    assert g(1.0) == math.cos(1.0) * 3.5 + 2
    assert ctypes.c_int64.from_address(symbols[f"counter_{tag}"]).value == 3


def test_jit_style_objects_large_code_model() -> None:
    obj = objcache.compile_object(_module("large"), opt=2)
    _check(objcache.load_object(obj, ["f_large", "g_large"]), "large")


def test_position_independent_small_model_objects() -> None:
    """PLT32 calls to far functions go through stubs, GOTPCREL loads through a GOT."""
    import llvmlite.binding as llvm

    from jitcore.targets.aot import target_machine

    tm = target_machine(None, "host", None)
    m = _module("pic")
    m.triple, m.data_layout = tm.triple, str(tm.target_data)
    obj = bytes(tm.emit_object(llvm.parse_assembly(str(m))))
    _check(objcache.load_object(obj, ["f_pic", "g_pic"]), "pic")


def test_objects_referring_to_each_other_load_as_a_batch() -> None:
    def half(name: str, other: str, result: int) -> bytes:
        m = ir.Module(name)
        callee = ir.Function(m, ir.FunctionType(i64, [i64]), other)
        fn = ir.Function(m, ir.FunctionType(i64, [i64]), name)
        b = ir.IRBuilder(fn.append_basic_block("entry"))
        n = fn.args[0]
        with b.if_else(b.icmp_signed("==", n, ir.Constant(i64, 0))) as (zero, more):
            with zero:
                z = b.block
            with more:
                r = b.call(callee, [b.sub(n, ir.Constant(i64, 1))])
                m_block = b.block
        phi = b.phi(i64)
        phi.add_incoming(ir.Constant(i64, result), z)
        phi.add_incoming(r, m_block)
        b.ret(phi)
        return objcache.compile_object(m, opt=1)

    syms = objcache.load_objects([(half("even_b", "odd_b", 1), ["even_b"]),
                                  (half("odd_b", "even_b", 0), ["odd_b"])])
    even = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_int64)(syms["even_b"])
    assert [even(n) for n in range(6)] == [1, 0, 1, 0, 1, 0]
    assert objcache.address_of("odd_b") == syms["odd_b"]


def test_unresolvable_symbols_are_an_error_not_a_crash() -> None:
    m = ir.Module("missing")
    ghost = ir.Function(m, ir.FunctionType(i64, []), "jc_no_such_function_anywhere")
    fn = ir.Function(m, ir.FunctionType(i64, []), "calls_ghost")
    b = ir.IRBuilder(fn.append_basic_block("entry"))
    b.ret(b.call(ghost, []))
    with pytest.raises(objcache.LoadError, match="jc_no_such_function_anywhere"):
        objcache.load_object(objcache.compile_object(m, opt=0), ["calls_ghost"])
    assert not objcache.address_of("calls_ghost")
