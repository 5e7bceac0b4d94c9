"""Fuse elementwise array operations into ArrayExpr ops, one loop each, no temporaries.

Before:                              After:
    v1 = mul a, b                        v3 = arrayexpr add(mul(a, b), c)   leaves [a, b, c]
    v2 = call np.sqrt(c)   (v2 unused)   ...
    v3 = add v1, c

An elementwise op (an operator or ufunc whose result is an array) becomes an
ArrayExpr; an operand produced by another elementwise op of the same block and
used nowhere else is inlined into the tree instead of becoming an array. In-place
updates (a += b) write into their target and are never inlined into another tree.
Inlining moves a computation down to its use, so it is allowed only when nothing
between the two may write memory (a store, a call, an in-place update): a tree
read after `a[0] = x` must see the old `a`.
Runs after type inference, before reference counting and emission.
"""
from __future__ import annotations

import builtins
from collections import Counter
from typing import Any

from jitcore.frontend import ir
from jitcore.typeinfer import types as t


def fuse_array_expressions(fn: ir.Function) -> None:
    for block in fn.blocks():
        if any(_ufunc_of(op) is not None for op in block.ops):
            _fuse_block(block)


# Ops that never write memory a fused tree may read; every other op is a barrier.
_READ_ONLY_OPS = (ir.BinOp, ir.UnaryOp, ir.GetAttr, ir.GetItem, ir.BuildTuple, ir.TupleItem,
                  ir.UnpackCheck, ir.GetIter)


def _ufunc_of(op: ir.Op) -> Any:
    """The ufunc an elementwise op applies, or None if it is not elementwise on arrays."""
    if op.result is None:
        return None
    if not isinstance(op.result.type, t.Array) and not any(  # a scalar from 0-d arrays
            isinstance(v.type, t.Array) and v.type.ndim == 0 for v in op.sources()):
        return None
    import numpy as np

    from jitcore.typeinfer.rules.arrayexpr import CLIP, LOOP_TYPERS, OPERATOR_UFUNCS, UFUNCS

    if isinstance(op, ir.BinOp):
        name = op.opname[1:] if op.opname[1:] in OPERATOR_UFUNCS and op.opname.startswith(
            "i") else op.opname
        return OPERATOR_UFUNCS.get(name)
    if isinstance(op, ir.UnaryOp):
        return OPERATOR_UFUNCS.get(op.opname)
    if isinstance(op, ir.Call) and not op.kwargs:
        target = op.target
        if target is np.where or (target is np.clip and CLIP is not None):
            return target
        if any(target is u for u in UFUNCS) or id(target) in LOOP_TYPERS:
            return target
        if target is builtins.abs:  # of an array: np.absolute
            return np.absolute
    return None


def _operands(op: ir.Op) -> list[ir.Value]:
    if isinstance(op, ir.BinOp):
        return [op.lhs, op.rhs]
    if isinstance(op, ir.UnaryOp):
        return [op.operand]
    assert isinstance(op, ir.Call)
    return list(op.args)


def _is_inplace(op: ir.Op) -> bool:
    """a += b on an array: typed by the in-place rule, whose result is the target itself."""
    from jitcore.frontend.operations import plain

    return isinstance(op, ir.BinOp) and plain(op.opname) != op.opname \
        and isinstance(op.sig.args[0], t.Array) and op.sig.return_type == op.sig.args[0]


def _fuse_block(block: ir.Block) -> None:
    import numpy as np

    from jitcore.frontend.operations import plain

    from jitcore.typeinfer.rules.arrayexpr import CLIP, loop_signature

    uses: Counter[int] = Counter(id(v) for op in block.ops for v in op.sources())
    assert block.exit is not None
    uses.update(id(v) for v in block.exit.sources())
    uses.update(id(a) for link in block.exit.links() for a in link.args)
    trees: dict[int, tuple[Any, list[ir.Value], ir.ArrayExpr]] = {}
    made_at: dict[int, int] = {}  # tree result -> the number of writes seen before it
    writes = 0
    absorbed: set[int] = set()
    new_ops: list[ir.Op] = []
    for op in block.ops:
        ufunc = _ufunc_of(op)
        if ufunc is None:
            writes += not isinstance(op, _READ_ONLY_OPS) or (
                isinstance(op, ir.BinOp) and plain(op.opname) != op.opname)
            new_ops.append(op)
            continue
        leaves: list[ir.Value] = []
        children = []
        inplace = _is_inplace(op)
        operands = _operands(op)
        for k, v in enumerate(operands):
            inlined = trees.get(id(v))
            if inlined is not None and uses[id(v)] == 1 and not (inplace and k == 0) \
                    and not inlined[2].inplace and made_at[id(v)] == writes:
                subtree, sub_leaves, sub_op = inlined
                absorbed.add(id(sub_op))
                children.append(_remap(subtree, sub_leaves, leaves))
            else:
                children.append(("leaf", _leaf_index(leaves, v)))
        element_types = tuple(_operand_type(c, leaves) for c in children)
        loop_ufunc = np.add if ufunc is np.where else CLIP if ufunc is np.clip else ufunc
        if ufunc is np.where:
            loop = loop_signature(np.add, element_types[1:])
            assert loop is not None
            loop = t.Signature(loop.args[0], (t.boolean, loop.args[0], loop.args[0]))
        else:
            loop = loop_signature(loop_ufunc, element_types)
        assert loop is not None, (ufunc, element_types)
        tree = ("apply", ufunc, loop, children)
        assert op.result is not None
        expr = ir.ArrayExpr(op.result, op.loc, tree, leaves, inplace)
        trees[id(op.result)] = (tree, leaves, expr)
        made_at[id(op.result)] = writes
        writes += inplace
        new_ops.append(expr)
    block.ops[:] = [op for op in new_ops if id(op) not in absorbed]


def _leaf_index(leaves: list[ir.Value], v: ir.Value) -> int:
    for i, leaf in enumerate(leaves):
        if leaf is v:
            return i
    leaves.append(v)
    return len(leaves) - 1


def _remap(tree: Any, old: list[ir.Value], new: list[ir.Value]) -> Any:
    if tree[0] == "leaf":
        return ("leaf", _leaf_index(new, old[tree[1]]))
    kind, ufunc, loop, children = tree
    return (kind, ufunc, loop, [_remap(c, old, new) for c in children])


def _operand_type(tree: Any, leaves: list[ir.Value]) -> t.Type:
    """The type NumPy sees for a subtree: a leaf's own type, an inner node's array."""
    if tree[0] == "leaf":
        return leaves[tree[1]].type  # type: ignore[no-any-return]
    return t.Array(tree[2].return_type, 1, "C")
