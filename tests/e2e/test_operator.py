"""The operator module's functions compared with the operators they stand for in CPython:
values and exceptions, over grids of ints, floats, bools and complex numbers."""
from __future__ import annotations

import itertools
import operator

import numpy as np
import pytest

from jitcore import njit
from jitcore.errors import TypingError
from jitcore.typeinfer import types as t
from tests.e2e.numgrid import outcome, same, wrap

BINARY = ["add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "lshift", "rshift", "and_",
          "or_", "xor", "lt", "le", "eq", "ne", "gt", "ge", "iadd", "isub", "imul",
          "itruediv", "ifloordiv", "imod", "ipow", "ilshift", "irshift", "iand", "ior", "ixor"]
UNARY = ["neg", "pos", "invert", "inv", "not_", "truth", "index"]
INTS = [0, 1, -1, 3, -7, 64, True, False]
FLOATS = [0.0, -0.0, 2.5, -1.5, 1e300, float("inf"), float("nan")]
_compiled: dict[str, object] = {}


def compiled(name: str, nargs: int):  # type: ignore[no-untyped-def]
    if name not in _compiled:
        params = ", ".join("ab"[:nargs])
        ns = {"operator": operator}
        exec(f"def f({params}):\n    return operator.{name}({params})\n", ns)
        # CPython's float ** overflow error too (by default inf: test_mathfuncs)
        _compiled[name] = njit(error_model="cpython")(ns["f"])
    return _compiled[name]


@pytest.mark.parametrize("name", BINARY)
def test_binary_on_ints(name: str) -> None:
    fn = getattr(operator, name)
    for a, b in itertools.product(INTS, repeat=2):
        if name in ("pow", "ipow") and b < 0:
            continue  # int ** negative int: see test_numbers (a float in Python)
        expected = outcome(lambda: fn(a, b))
        if type(expected) is int:
            expected = wrap(expected, t.int64)  # int64 arithmetic wraps, as NumPy's
        got = outcome(lambda: compiled(name, 2)(a, b))
        if isinstance(expected, bool) or (type(a) is bool and type(b) is bool):
            assert got == expected, (name, a, b, got, expected)
        else:
            assert same(got, expected), (name, a, b, got, expected)


@pytest.mark.parametrize("name", [n for n in BINARY if n.lstrip("i") not in (
    "lshift", "rshift", "and_", "or_", "xor", "and", "or")])
def test_binary_on_floats(name: str) -> None:
    fn = getattr(operator, name)
    for a, b in itertools.product(FLOATS, repeat=2):
        expected = outcome(lambda: fn(a, b))
        if isinstance(expected, complex):
            continue  # negative ** fraction: nan in compiled code (see test_numbers)
        got = outcome(lambda: compiled(name, 2)(a, b))
        assert same(got, expected), (name, a, b, got, expected)


@pytest.mark.parametrize("name", UNARY)
def test_unary(name: str) -> None:
    fn = getattr(operator, name)
    for a in INTS + (FLOATS if name not in ("invert", "inv", "index") else []):
        expected = outcome(lambda: fn(a))
        got = outcome(lambda: compiled(name, 1)(a))
        assert got == expected or same(got, expected), (name, a, got, expected)


def test_complex_operands() -> None:
    for name in ("add", "sub", "mul", "truediv", "eq", "ne", "neg", "pos", "truth"):
        fn = getattr(operator, name)
        nargs = 1 if name in ("neg", "pos", "truth") else 2
        for a in (1 + 2j, -0.5j, 0j):
            args = (a, 3 - 1j)[:nargs]
            assert same(outcome(lambda: compiled(name, nargs)(*args)),
                        outcome(lambda: fn(*args))), (name, a)


def test_getitem_setitem_contains() -> None:
    @njit
    def f(a, i, t):
        operator.setitem(a, i, 9.5)
        return operator.getitem(a, i), operator.getitem(t, i), operator.contains(t, 3), \
            operator.is_(None, None), operator.is_not(i, None)

    a = np.arange(4.0)
    assert f(a, 1, (1, 2, 3)) == (9.5, 2, True, True, True)
    assert a[1] == 9.5
    with pytest.raises(IndexError):
        f(np.arange(4.0), 7, (1, 2, 3))


def test_runtime_errors_are_pythons() -> None:
    assert outcome(lambda: compiled("truediv", 2)(1, 0)) == outcome(lambda: 1 / 0)
    assert outcome(lambda: compiled("floordiv", 2)(1.5, 0.0)) == outcome(lambda: 1.5 // 0.0)
    assert outcome(lambda: compiled("lshift", 2)(1, -1)) == outcome(lambda: 1 << -1)


def test_wrong_calls_are_pythons_type_errors() -> None:
    for source, args in [("operator.add(a)", (1,)), ("operator.neg(a, a)", (1,)),
                         ("operator.add(a, b=a)", (1,)), ("operator.index(a)", (1.5,))]:
        ns = {"operator": operator}
        exec(f"def f(a):\n    return {source}\n", ns)
        with pytest.raises(TypeError) as python:
            ns["f"](*args)
        with pytest.raises(TypingError) as compiled_error:
            njit(ns["f"])(*args)
        if "index" not in source:  # a float is refused by typing, not by arity
            assert str(python.value) in str(compiled_error.value)


def test_array_operands_say_to_write_the_operator() -> None:
    with pytest.raises(TypingError, match="add"):
        njit(lambda a: operator.add(a, a))(np.arange(3.0))
