"""The table of operations the flow graph uses: one line per operation.

`symbol` is how messages print it; in-place forms ("iadd") fall back to the
plain operation when no in-place rule exists for the operand types.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class OpInfo:
    symbol: str
    arity: int
    pure: bool = True
    can_raise: bool = False  # integer division by zero, negative shift counts


BINARY: dict[str, OpInfo] = {
    "add": OpInfo("+", 2),
    "sub": OpInfo("-", 2),
    "mul": OpInfo("*", 2),
    "truediv": OpInfo("/", 2, can_raise=True),
    "floordiv": OpInfo("//", 2, can_raise=True),
    "mod": OpInfo("%", 2, can_raise=True),
    "pow": OpInfo("**", 2, can_raise=True),
    "matmul": OpInfo("@", 2),
    "lshift": OpInfo("<<", 2, can_raise=True),
    "rshift": OpInfo(">>", 2, can_raise=True),
    "and_": OpInfo("&", 2),
    "or_": OpInfo("|", 2),
    "xor": OpInfo("^", 2),
    "lt": OpInfo("<", 2),
    "le": OpInfo("<=", 2),
    "eq": OpInfo("==", 2),
    "ne": OpInfo("!=", 2),
    "gt": OpInfo(">", 2),
    "ge": OpInfo(">=", 2),
    "is_": OpInfo("is", 2),
    "is_not": OpInfo("is not", 2),
    "in_": OpInfo("in", 2),
    "not_in": OpInfo("not in", 2),
}
BINARY.update({"i" + name: info for name, info in list(BINARY.items()) if name in {
    "add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "lshift", "rshift",
    "and_", "or_", "xor"}})

UNARY: dict[str, OpInfo] = {
    "neg": OpInfo("-", 1),
    "pos": OpInfo("+", 1),
    "invert": OpInfo("~", 1),
    "not_": OpInfo("not", 1),
    "truth": OpInfo("bool", 1),
}


def symbol(opname: str) -> str:
    info = BINARY.get(opname) or UNARY.get(opname)
    return info.symbol if info else opname


def plain(opname: str) -> str:
    """The non-in-place form of an operation name ("iadd" -> "add")."""
    if opname.startswith("i") and opname[1:] in BINARY:
        return opname[1:]
    return opname
