"""jitcore.targets.codegen and targets.machine: linking callees for inlining, failure handling."""
from __future__ import annotations

import re

import pytest
from llvmlite import ir

from jitcore import njit
from jitcore.frontend.errors import CompilerBug
from jitcore.lowering.context import ModuleInfo
from jitcore.targets import codegen, machine


def native_body(ir_text: str, symbol_part: str) -> str:
    """The text of the first function definition whose name contains `symbol_part`."""
    for match in re.finditer(r"^define [^\n]*\n(?:.*\n)*?\}$", ir_text, re.MULTILINE):
        header = match.group(0).splitlines()[0]
        if symbol_part in header and ".py\"" not in header:
            return match.group(0)
    raise AssertionError(f"no definition of {symbol_part}")


def test_one_target_machine_and_one_engine():
    assert machine.host_target_machine() is machine.host_target_machine()
    assert machine.jit_engine() is machine.jit_engine()
    cpu, features = machine.host_cpu()
    assert cpu and (features == "" or features.startswith(("+", "-")))


def test_small_callee_is_inlined_and_not_redefined():
    @njit
    def tripled_plus(a, b):
        return a * 3 + b

    @njit
    def caller(n):
        s = 0
        for i in range(n):
            s += tripled_plus(i, n)
        return s

    assert caller(10) == sum(i * 3 + 10 for i in range(10))
    text = caller.inspect_llvm(caller.signatures[0])
    body = native_body(text, "caller")
    assert not re.search(r"call [^\n]*@\"jc\.", body)  # no call to jitted code left
    # The callee's code lives in its own module only: at most a declaration here.
    assert not re.search(r"^define [^\n]*tripled_plus", text, re.MULTILINE)


def test_large_callee_is_called():
    @njit
    def big(x):
        t = 0.0
        for k in range(1, 40):
            if x % k == 0:
                t += x / k
            elif x % (k + 1) == 1:
                t -= k * 0.5
            else:
                t += (x * k) % 7
        return t

    @njit
    def caller(n):
        s = 0.0
        for i in range(n):
            s += big(i) + big(i + 1)
        return s

    assert caller(20) == pytest.approx(caller.py_func(20), rel=1e-12)
    assert big(7) == big.py_func(7)


def test_recursive_callee_is_called_natively():
    @njit
    def walk(n):
        if n <= 0:
            return 0
        return walk(n - 1) + n

    @njit
    def caller(n):
        return walk(n) * 2

    assert caller(100) == 10100
    body = native_body(caller.inspect_llvm(caller.signatures[0]), "caller")
    assert re.search(r"call [^\n]*@\"jc\.[^\n]*walk", body)


def test_unresolvable_symbol_is_refused_not_aborted():
    module = ir.Module("bad")
    fnty = ir.FunctionType(ir.IntType(64), [])
    missing = ir.Function(module, fnty, "jc_no_such_function_anywhere")
    fn = ir.Function(module, fnty, "jc_test_calls_missing")
    b = ir.IRBuilder(fn.append_basic_block())
    b.ret(b.call(missing, []))
    with pytest.raises(CompilerBug, match="jc_no_such_function_anywhere"):
        codegen.load_module(module, ModuleInfo(), 1)
    assert not codegen._pending


def test_broken_promise_is_refused_and_discarded():
    module = ir.Module("promised")
    fnty = ir.FunctionType(ir.IntType(64), [])
    codegen.promise("jc.test.never_defined")
    later = ir.Function(module, fnty, "jc.test.never_defined")
    fn = ir.Function(module, fnty, "jc.test.calls_promised")
    b = ir.IRBuilder(fn.append_basic_block())
    b.ret(b.call(later, []))
    codegen.load_module(module, ModuleInfo(), 1)
    with pytest.raises(CompilerBug, match="never generated"):
        codegen.finalize()
    codegen.discard_pending()
    assert not codegen._pending and not codegen._promised
    assert njit(lambda x: x + 1)(1) == 2  # the engine still works


def test_loaded_module_addresses_and_asm():
    module = ir.Module("fine")
    fnty = ir.FunctionType(ir.IntType(64), [ir.IntType(64)])
    fn = ir.Function(module, fnty, "jc.test.plus_one")
    b = ir.IRBuilder(fn.append_basic_block())
    b.ret(b.add(fn.args[0], ir.Constant(ir.IntType(64), 1)))
    lib = codegen.load_module(module, ModuleInfo(), 2)
    codegen.finalize()
    import ctypes

    plus_one = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_int64)(lib.address("jc.test.plus_one"))
    assert plus_one(41) == 42
    assert "plus_one" in lib.asm()
    with pytest.raises(CompilerBug, match="was not generated"):
        lib.address("jc.test.absent")
