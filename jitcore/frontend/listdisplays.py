"""List displays, `[a, b, 1.0]`, where a tuple would do the same: the rest is refused.

    np.array([[1.0, 2.0], [x, y]])       np.zeros([n, m])       np.concatenate([a, b])
    for k in [1, 2, 4]: ...              x in [1, 2, 3]         len([a, b])    [a, b][i]

jitcore has no list type yet. A display that is only read as a sequence gives the same
result as the tuple with its items, so the flow graph builds that tuple
(`BuildTuple(is_list=True)`). This check runs on the flow graph and refuses every other
use: returning the list, mutating it (`xs.append`, `xs[0] = v`), indexing an array with
it (`a[[1, 2]]` selects rows, `a[(1, 2)]` is one element), passing it to a jitted
function or a NumPy function not listed here (`np.sum(a, axis=[0, 1])` is a TypeError in
NumPy), and operators (`xs + ys`, `2 * xs`), which would give tuples.
"""
from __future__ import annotations

import builtins
import sys
from typing import Any

from jitcore.frontend import ir
from jitcore.frontend.errors import UnsupportedError

# NumPy functions whose first argument may be a list display: they read it as a sequence.
_SEQUENCE_TAKERS = ("array", "asarray", "zeros", "ones", "empty", "full", "concatenate",
                    "stack")
_READ_OPS = (ir.GetIter, ir.UnpackCheck, ir.TupleItem)


def check_list_displays(fn: ir.Function) -> None:
    """Raise UnsupportedError at the first use of a list display a tuple cannot stand for."""
    blocks = list(fn.blocks())
    lists = {id(op.result) for b in blocks for op in b.ops
             if isinstance(op, ir.BuildTuple) and op.is_list and op.result is not None}
    if not lists:
        return
    takers = _sequence_takers()
    changed = True
    while changed:  # a display carried into another block through its arguments
        changed = False
        for block in blocks:
            assert block.exit is not None
            for link in block.exit.links():
                for value, arg in zip(link.args, link.target.inputargs):
                    if id(value) in lists and id(arg) not in lists:
                        lists.add(id(arg))
                        changed = True
    for block in blocks:
        for op in block.ops:
            for value in op.sources():
                if id(value) in lists and not _reads(op, value, takers):
                    _refuse(op.loc)
        assert block.exit is not None
        if any(id(v) in lists for v in block.exit.sources()):
            _refuse(block.exit.loc)


def _reads(op: ir.Op, value: ir.Value, takers: set[int]) -> bool:
    """Whether `op` only reads `value` as a sequence."""
    if isinstance(op, _READ_OPS):
        return True
    if isinstance(op, ir.GetItem):
        return op.obj is value and op.index is not value
    if isinstance(op, ir.BinOp):
        return op.opname in ("in_", "not_in") and op.rhs is value and op.lhs is not value
    if isinstance(op, ir.BuildTuple):  # an item of an enclosing display, itself checked
        return op.is_list
    if isinstance(op, ir.Call) and isinstance(op.func, ir.Constant):
        first = op.args[0] if op.args else None
        if first is not value or any(a is value for a in (*op.args[1:], *op.kwargs)):
            return False
        target = op.func.value
        return id(target) in takers or (target is builtins.len and len(op.args) == 1)
    return False


def _sequence_takers() -> set[int]:
    np: Any = sys.modules.get("numpy")  # not imported: no Constant can be one of them
    return {id(getattr(np, name)) for name in _SEQUENCE_TAKERS} if np is not None else set()


def _refuse(loc: Any) -> None:
    raise UnsupportedError(
        "lists are not supported yet: a list display ([a, b, ...]) may be passed to "
        "np.array() and the other array constructors, iterated, indexed, or given to "
        "len() and `in`", loc, "use a tuple or a NumPy array")
