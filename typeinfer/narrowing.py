"""Compile-time facts about branch conditions: constant conditions and `is None` narrowing.

    def f(a, out=None):              block0(a, out):          # out: none at this call
        if out is None:                v1 = is_ out, None     # constant True: only the
            out = np.empty_like(a)     branch v1 -> b1, b2    # b1 link is typed, and the
        ...                                                   # branch becomes a jump to b1

    y = x if c else None             # y: OptionalType(float64)
    if y is not None:                branch (is_not y None) -> b1(y), b2(y)
        return y * 2                 # y is float64 in b1 (the link casts), none in b2

The annotator asks `fold` after typing each op for the op's compile-time value (a number,
a bool, or NOT_CONSTANT), and `decide` at each Branch for the taken side (True, False or
None when both may run) and the types its links narrow. A condition is constant when its
type says so (`x is None` where x is none or a value that cannot be None, `isinstance`,
`a.ndim == 1`, a global flag), never by looking at bytecode patterns.
"""
from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from jitcore.frontend import ir

from . import types as t

NOT_CONSTANT: Any = object()

# Operators folded when every operand is a compile-time number or bool.
_FOLDABLE: dict[str, Callable[..., Any]] = {
    "eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "le": operator.le,
    "gt": operator.gt, "ge": operator.ge, "and_": operator.and_, "or_": operator.or_,
    "add": operator.add, "sub": operator.sub, "mul": operator.mul, "not_": operator.not_,
}
_SCALARS = (bool, int, float)


def constant_of(v: ir.Value, consts: dict[int, Any]) -> Any:
    """The compile-time value of `v`, or NOT_CONSTANT."""
    if isinstance(v, ir.Constant):
        return v.value if v.value is None or type(v.value) in _SCALARS else NOT_CONSTANT
    if isinstance(v.type, t.NoneType):
        return None
    return consts.get(id(v), NOT_CONSTANT)


def fold(op: ir.Op, consts: dict[int, Any]) -> Any:
    """The compile-time value of `op`'s result, or NOT_CONSTANT."""
    if isinstance(op, ir.BinOp) and op.opname in ("is_", "is_not"):
        from .rules.introspection import identical

        known = _is_none(op.lhs, op.rhs)
        if known is None and op.sig is not None:
            known = identical(*op.sig.args)
        if known is None:
            return NOT_CONSTANT
        return known if op.opname == "is_" else not known
    if isinstance(op, ir.GetAttr) and op.attr == "ndim" and isinstance(op.obj.type, t.Array):
        return op.obj.type.ndim
    if isinstance(op, ir.Call) and op.target is isinstance and op.sig is not None:
        from .rules.introspection import isinstance_result

        known = isinstance_result(*op.sig.args)
        return NOT_CONSTANT if known is None else known
    if isinstance(op, (ir.BinOp, ir.UnaryOp)) and op.opname in _FOLDABLE:
        if all(isinstance(v, ir.Constant) for v in op.sources()):
            # Literals alone (`-1.0 != 2.0`, `MODE == 2`) are not folded: a helper whose only
            # return follows `if <literal test>: raise` would lose its return type.
            return NOT_CONSTANT
        values = [constant_of(v, consts) for v in op.sources()]
        if any(x is NOT_CONSTANT or type(x) not in _SCALARS for x in values):
            return NOT_CONSTANT
        return _FOLDABLE[op.opname](*values)
    return NOT_CONSTANT


def _is_none(lhs: ir.Value, rhs: ir.Value) -> bool | None:
    """Whether `lhs is rhs` is known from the types, one of them being None."""
    types = (lhs.type, rhs.type)
    if not any(isinstance(ty, t.NoneType) for ty in types):
        return None
    if all(isinstance(ty, t.NoneType) for ty in types):
        return True
    if any(isinstance(ty, t.Optional) for ty in types):
        return None  # decided at run time
    return False


def decide(branch: ir.Branch, consts: dict[int, Any]) -> bool | None:
    """The side a branch always takes, or None when the condition is known only at run time."""
    value = constant_of(branch.cond, consts)
    if value is NOT_CONSTANT or not (value is None or type(value) in _SCALARS):
        return None
    return bool(value)


def narrowed(branch: ir.Branch, block: ir.Block) -> dict[int, dict[int, t.Type]]:
    """For each link of `branch` (by id), the narrowed type of each Optional it passes (by id).

    `x is None` / `x is not None` narrow x to none on one side and to its base type on the
    other; `if x:` narrows x to its base type on the true side (None is falsy).
    """
    out: dict[int, dict[int, t.Type]] = {}
    cond = branch.cond
    producer = next((op for op in block.ops if op.result is cond), None)
    true_link, false_link = branch.if_true, branch.if_false
    if isinstance(cond.type, t.Optional):  # if x:
        out[id(true_link)] = {id(cond): cond.type.base}
        return out
    if isinstance(producer, ir.UnaryOp) and producer.opname == "not_":
        operand = producer.operand
        if isinstance(operand.type, t.Optional):  # if not x:
            out[id(false_link)] = {id(operand): operand.type.base}
        return out
    if not (isinstance(producer, ir.BinOp) and producer.opname in ("is_", "is_not")):
        return out
    subject = next((v for v in (producer.lhs, producer.rhs)
                    if isinstance(v.type, t.Optional)), None)
    other = producer.rhs if subject is producer.lhs else producer.lhs
    if subject is None or not isinstance(other.type, t.NoneType):
        return out
    assert isinstance(subject.type, t.Optional)
    when_none, when_value = ((true_link, false_link) if producer.opname == "is_"
                             else (false_link, true_link))
    out[id(when_none)] = {id(subject): t.none}
    out[id(when_value)] = {id(subject): subject.type.base}
    return out


def prune(fn: ir.Function, decisions: dict[int, bool]) -> None:
    """Replace each decided branch by a jump along its taken link."""
    for block in list(fn.blocks()):
        exit = block.exit
        if isinstance(exit, ir.Branch) and id(exit) in decisions:
            link = exit.if_true if decisions[id(exit)] else exit.if_false
            block.exit = ir.Jump(exit.loc, link)
