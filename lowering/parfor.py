"""Outline `prange` loops of a parallel=True function into chunk functions.

Before:                                       After (main function):
    block0(a, n):                                 block0(a, n):
      r = call prange(n)                            r = call prange(n)
      it = getiter r                                v = call parallel_loop[L](r, a, 0.0)
      jump head(a, 0.0, it)                         s1 = tupleitem v[0]
    head(a, s, it):                                 jump after(s1)
      i, valid = iternext it
      branch valid ? body(a, s, it, i) : after(s)  L.chunk (a new ir.Function):
    body(a, s, it, i):                              entry(lo, hi, start, step, a, s0):
      x = getitem a[i]                                r = call range(start + lo*step,
      s2 = iadd s, x                                             start + hi*step, step)
      jump head(a, s2, it)                            it = getiter r
                                                      jump head(a, s0, it)
                                                    head, body: moved unchanged
                                                    done(s): return (s,)

The loop's header and body blocks move into the chunk function, which runs one
share [lo, hi) of the iterations. The header's arguments are the loop's free
variables: each is either invariant (every back edge passes it unchanged; arrays
written by index are invariant) or a scalar reduction, recognised from how the
back edges update it: `s += x` / `s -= x` / `s *= x`, `m = min(m, x)` /
`max`, and `if x > m: m = x` (any of < <= > >=, the assigned value being the
one compared). Chunks of + and * reductions start from 0 and 1, the others from
the value before the loop; the caller combines the partial results in chunk
order (lowering/impls/prange.py). Anything else carried around the loop, a
`break` or a `return` inside it, is an UnsupportedError naming the variable.
Nested loops stay inside the body; an inner prange runs serially in its chunk.
"""
from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from typing import Any

from jitcore import ir
from jitcore.errors import Loc, UnsupportedError
from typeinfer import types as t

_ADD = {"add": "add", "iadd": "add", "sub": "add", "isub": "add", "mul": "mul", "imul": "mul"}
_COMPARE = ("lt", "le", "gt", "ge")
_NONE = -1  # origin of a value that is not a copy of any header argument


@dataclass(frozen=True)
class Reduction:
    """How chunk partials of one header argument combine.

    kind: "add" (identity 0), "mul" (identity 1), "min", "max" (builtins), or "select":
    acc = partial if <compare> else acc, `compare` = (opname, reduction operand on the rhs).
    """

    kind: str
    type: t.Type
    compare: tuple[str, bool] | None = None


@dataclass(eq=False)
class ParallelLoop:
    """What `call parallel_loop[L](range, *env)` runs: `env` is one value per header
    argument except the iterator; `reductions[j]` is None for an invariant."""

    chunk: ir.Function
    reductions: list[Reduction | None]
    index: int
    loc: Loc
    result_types: list[t.Type] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"parallel_loop[{self.index}]"


def parallel_loop(*args: Any) -> None:
    """The callee of an outlined loop's Call op (lowered in lowering/impls/prange.py)."""
    raise RuntimeError("parallel_loop exists only in compiled code")


def outline_parallel_loops(fn: ir.Function) -> int:
    """Replace each outermost prange loop of `fn` by a call running it in chunks."""
    from jitcore import prange

    count = 0
    while True:
        found = _find_prange(fn, prange)
        if found is None:
            return count
        block, index = found
        _outline(fn, block, index, count)
        count += 1


def _find_prange(fn: ir.Function, prange: Any) -> tuple[ir.Block, int] | None:
    for block in fn.blocks():
        for index, op in enumerate(block.ops):
            if isinstance(op, ir.Call) and op.target is prange and _loop_shape(block, op):
                return block, index
    return None


def _loop_shape(block: ir.Block, call: ir.Call) -> bool:
    """prange(...) -> getiter -> jump to the header, as the flow builder makes `for` loops."""
    ops = block.ops
    getiters = [op for op in ops if isinstance(op, ir.GetIter) and op.obj is call.result]
    if len(getiters) != 1 or not isinstance(block.exit, ir.Jump):
        return False
    it = getiters[0].result
    return sum(a is it for a in block.exit.link.args) == 1


def _outline(fn: ir.Function, pre: ir.Block, call_index: int, number: int) -> None:
    call = pre.ops[call_index]
    assert isinstance(call, ir.Call) and call.result is not None and isinstance(pre.exit, ir.Jump)
    getiter = next(op for op in pre.ops if isinstance(op, ir.GetIter) and op.obj is call.result)
    entry_link = pre.exit.link
    head = entry_link.target
    it_pos = next(k for k, a in enumerate(entry_link.args) if a is getiter.result)
    branch = head.exit
    if not isinstance(branch, ir.Branch):
        raise UnsupportedError("this prange loop has an unexpected shape", call.loc)
    body = _body_blocks(fn, head, branch.if_true.target, call.loc)
    reductions = _classify(head, body, it_pos, call.loc)
    loop = ParallelLoop(_chunk_function(fn, head, body, it_pos, reductions, call),
                        [r for k, r in enumerate(reductions) if k != it_pos], number, call.loc)
    loop.result_types = [r.type for r in loop.reductions if r is not None]
    _replace_loop(pre, getiter, call, loop, entry_link, branch.if_false, head, it_pos)


def _body_blocks(fn: ir.Function, head: ir.Block, first: ir.Block, loc: Loc) -> list[ir.Block]:
    """The blocks of the loop body: reachable from its first block without the header, and
    dominated by it; a link leaving them elsewhere than the header is a break or return."""
    reach = _reachable([first], stop={id(head)})
    outside = _reachable([fn.entry], stop={id(first)})
    body = [blk for blk in reach if id(blk) not in {id(b) for b in outside}]
    inside = {id(b) for b in body} | {id(head)}
    for blk in body:
        assert blk.exit is not None
        if isinstance(blk.exit, ir.Return):
            raise UnsupportedError("a prange loop cannot return from the function",
                                   blk.exit.loc, "compute the result after the loop")
        for link in blk.exit.links():
            if id(link.target) not in inside:
                raise UnsupportedError("a prange loop cannot be left with break",
                                       blk.exit.loc, "iterations run in any order, in parallel")
    return body


def _reachable(starts: list[ir.Block], stop: set[int]) -> list[ir.Block]:
    seen = {id(b) for b in starts}
    order = list(starts)
    stack = list(starts)
    while stack:
        blk = stack.pop()
        assert blk.exit is not None
        for link in blk.exit.links():
            target = link.target
            if id(target) not in seen and id(target) not in stop:
                seen.add(id(target))
                order.append(target)
                stack.append(target)
    return order


# --- classification of the header's arguments -------------------------------------------


class _Region:
    """Def-use facts of the loop: which header argument each value copies (its origin)."""

    def __init__(self, head: ir.Block, body: list[ir.Block]) -> None:
        self.head, self.body = head, body
        self.origin: dict[int, int] = {id(v): k for k, v in enumerate(head.inputargs)}
        self.defs: dict[int, ir.Op] = {}
        self.params: dict[int, tuple[ir.Block, int]] = {}
        self.incoming: dict[int, list[ir.Link]] = {id(b): [] for b in body}
        for blk in [head, *body]:
            assert blk.exit is not None
            for link in blk.exit.links():
                if id(link.target) in self.incoming:
                    self.incoming[id(link.target)].append(link)
        for blk in body:
            for op in blk.ops:
                if op.result is not None:
                    self.defs[id(op.result)] = op
            for j, v in enumerate(blk.inputargs):
                self.params[id(v)] = (blk, j)
        self._propagate()
        self.back_edges = [link for blk in body for link in blk.exit.links()  # type: ignore[union-attr]
                           if link.target is head]

    def _propagate(self) -> None:
        """A block argument copies header argument k when every incoming link passes one;
        unknown (not yet visited) arguments are optimistic, so loops reach a fixpoint."""
        changed = True
        while changed:
            changed = False
            for blk in self.body:
                for j, v in enumerate(blk.inputargs):
                    old = self.origin.get(id(v))
                    if old == _NONE:
                        continue
                    known = {self.origin_of(link.args[j], unknown=None)
                             for link in self.incoming[id(blk)]} - {None}
                    if not known:
                        continue
                    new = known.pop() if len(known) == 1 else _NONE
                    if old is not None and old != new:
                        new = _NONE
                    if new != old:
                        self.origin[id(v)] = new
                        changed = True

    def origin_of(self, v: ir.Value, unknown: Any = _NONE) -> Any:
        if not isinstance(v, ir.Variable):
            return _NONE
        if id(v) in self.params and id(v) not in self.origin:
            return unknown  # not decided yet: optimistic
        return self.origin.get(id(v), _NONE)


def _classify(head: ir.Block, body: list[ir.Block], it_pos: int,
              loc: Loc) -> list[Reduction | None]:
    region = _Region(head, body)
    result: list[Reduction | None] = []
    allowed: set[int] = set()  # ops allowed to read a reduction variable
    for k, param in enumerate(head.inputargs):
        if k == it_pos:
            result.append(None)
            continue
        passed = [link.args[k] for link in region.back_edges]
        if all(region.origin_of(v) == k for v in passed):
            result.append(None)  # invariant
            continue
        result.append(_reduction(region, k, param, passed, allowed, loc))
    _check_reads(region, result, allowed, loc)
    return result


def _name(v: ir.Variable) -> str:
    return v.name.rstrip("0123456789").rstrip("_") or v.name


def _reduction(region: _Region, k: int, param: ir.Variable, passed: list[ir.Value],
               allowed: set[int], loc: Loc) -> Reduction:
    kinds: set[str] = set()
    assigned: list[ir.Value] = []
    seen: set[int] = set()
    for v in passed:
        _trace(region, k, v, kinds, assigned, allowed, seen)
    kinds.discard("same")
    name = _name(param)
    if not param.type.is_number:
        raise UnsupportedError(f"'{name}' of type {param.type} is carried from one prange "
                               "iteration to the next", loc,
                               "only scalar reductions (+=, *=, min, max) can be")
    if kinds == {"assign"}:
        return Reduction("select", param.type, _compare_of(region, k, assigned, allowed, name,
                                                           loc))
    if len(kinds) == 1 and "assign" not in kinds:
        return Reduction(kinds.pop(), param.type)
    raise UnsupportedError(f"'{name}' is assigned in a prange loop and carried to the next "
                           "iteration or past the loop", loc,
                           "only reductions (x += ..., x *= ..., x = min(x, ...), "
                           "if y > x: x = y) can be")


def _trace(region: _Region, k: int, v: ir.Value, kinds: set[str], assigned: list[ir.Value],
           allowed: set[int], seen: set[int]) -> None:
    """What update the value `v` passed back to the header makes to argument k."""
    if id(v) in seen:
        return
    seen.add(id(v))
    if region.origin_of(v) == k:
        kinds.add("same")
        return
    if id(v) in region.params:  # a merge of paths: each incoming value is an update
        blk, j = region.params[id(v)]
        for link in region.incoming[id(blk)]:
            _trace(region, k, link.args[j], kinds, assigned, allowed, seen)
        return
    op = region.defs.get(id(v))
    if isinstance(op, ir.BinOp) and op.opname in _ADD:
        lhs, rhs = (region.origin_of(x) == k for x in (op.lhs, op.rhs))
        commutes = op.opname in ("add", "iadd", "mul", "imul")
        if lhs != rhs and (lhs or commutes):
            kinds.add(_ADD[op.opname])
            allowed.add(id(op))
            return
    if isinstance(op, ir.Call) and op.target in (builtins.min, builtins.max) and len(
            op.args) == 2 and not op.kwargs:
        if sum(region.origin_of(x) == k for x in op.args) == 1:
            kinds.add(op.target.__name__)
            allowed.add(id(op))
            return
    kinds.add("assign")
    assigned.append(v)


def _compare_of(region: _Region, k: int, assigned: list[ir.Value], allowed: set[int],
                name: str, loc: Loc) -> tuple[str, bool]:
    """The comparison guarding `if y > x: x = y`: (opname, x on the right-hand side)."""
    found: list[tuple[str, bool]] = []
    directions = set()
    for blk in region.body:
        for op in blk.ops:
            if not (isinstance(op, ir.BinOp) and op.opname in _COMPARE):
                continue
            on_rhs = region.origin_of(op.rhs) == k
            on_lhs = region.origin_of(op.lhs) == k
            if on_rhs == on_lhs:
                continue
            other = op.lhs if on_rhs else op.rhs
            if not any(other is a for a in assigned):
                continue
            allowed.add(id(op))
            found.append((op.opname, on_rhs))
            directions.add((op.opname in ("gt", "ge")) == on_rhs)  # True: a maximum
    if not found or len(directions) != 1 or len(assigned) != len(
            {id(a) for a in assigned}) or not all(
            any(a is x for x in _compared_values(region, k)) for a in assigned):
        raise UnsupportedError(f"'{name}' is assigned in a prange loop and carried to the next "
                               "iteration or past the loop", loc,
                               "a conditional update must look like: if y > x: x = y")
    return found[0]


def _compared_values(region: _Region, k: int) -> list[ir.Value]:
    out = []
    for blk in region.body:
        for op in blk.ops:
            if isinstance(op, ir.BinOp) and op.opname in _COMPARE:
                if region.origin_of(op.rhs) == k:
                    out.append(op.lhs)
                elif region.origin_of(op.lhs) == k:
                    out.append(op.rhs)
    return out


def _check_reads(region: _Region, reductions: list[Reduction | None], allowed: set[int],
                 loc: Loc) -> None:
    """A reduction variable may only be updated: reading it would see a partial value."""
    for blk in region.body:
        assert blk.exit is not None
        for op in [*blk.ops, blk.exit]:
            if id(op) in allowed:
                continue
            for v in op.sources():
                k = region.origin_of(v)
                if k != _NONE and reductions[k] is not None:
                    raise UnsupportedError(
                        f"the reduction variable '{_name(region.head.inputargs[k])}' is read "
                        "inside the prange loop", getattr(op, "loc", loc),
                        "its value there is a partial result of one chunk")


# --- building the chunk function and the call ---------------------------------------------


def _var(name: str, ty: t.Type) -> ir.Variable:
    v = ir.Variable(name)
    v.type = ty
    return v


def _const(value: Any, ty: t.Type) -> ir.Constant:
    c = ir.Constant(value)
    c.type = ty
    return c


def _chunk_function(fn: ir.Function, head: ir.Block, body: list[ir.Block], it_pos: int,
                    reductions: list[Reduction | None], call: ir.Call) -> ir.Function:
    """entry(lo, hi, start, step, *env) -> loop over its share -> return (partials...)."""
    loc = call.loc
    rng_ty = call.result.type  # type: ignore[union-attr]
    assert isinstance(rng_ty, t.Range)
    rt = rng_ty.dtype
    lo, hi = _var("lo", t.int64), _var("hi", t.int64)
    start, step = _var("start", rt), _var("step", rt)
    env = [_var(v.name.rstrip("0123456789") or "env", v.type)
           for k, v in enumerate(head.inputargs) if k != it_pos]
    entry = ir.Block([lo, hi, start, step, *env], label=-1)
    bounds = []
    for which in (lo, hi):
        offset = _var("offset", t.int64)
        bound = _var("bound", t.int64)
        entry.ops.append(ir.BinOp(offset, loc, "mul", which, step,
                                  t.Signature(t.int64, (t.int64, t.int64))))
        entry.ops.append(ir.BinOp(bound, loc, "add", start, offset,
                                  t.Signature(t.int64, (t.int64, t.int64))))
        bounds.append(bound)
    rng = _var("range", rng_ty)
    entry.ops.append(ir.Call(rng, loc, _const(builtins.range, t.PyObjectConst(builtins.range)),
                             [*bounds, step], sig=t.Signature(rng_ty, (rt, rt, rt)),
                             target=builtins.range))
    it = _var("it", t.RangeIter(rt))
    entry.ops.append(ir.GetIter(it, loc, rng, sig=t.Signature(it.type, (rng_ty,))))
    args: list[ir.Value] = list(env)
    args.insert(it_pos, it)
    entry.exit = ir.Jump(loc, ir.Link(head, args))
    # The loop's exit returns the reduction partials.
    branch = head.exit
    assert isinstance(branch, ir.Branch)
    kept = [(k, r) for k, r in enumerate(reductions) if r is not None]
    done = ir.Block([_var("partial", r.type) for _, r in kept], label=head.label)
    ret_ty: t.Type
    if kept:
        ret_ty = t.Tuple(tuple(r.type for _, r in kept))
        out = _var("partials", ret_ty)
        done.ops.append(ir.BuildTuple(out, loc, list(done.inputargs)))
        done.exit = ir.Return(loc, out)
    else:
        ret_ty = t.none
        done.exit = ir.Return(loc, _const(None, t.none))
    chunk_exit = ir.Link(done, [head.inputargs[k] for k, _ in kept])
    head.exit = ir.Branch(branch.loc, branch.cond, branch.if_true, chunk_exit, branch.sig)
    return ir.Function(f"{fn.name}.prange", f"{fn.qualname}.<prange>",
                       ["lo", "hi", "start", "step", *(v.name for v in env)], entry, loc,
                       return_type=ret_ty)


def _replace_loop(pre: ir.Block, getiter: ir.GetIter, call: ir.Call, loop: ParallelLoop,
                  entry_link: ir.Link, exit_link: ir.Link, head: ir.Block, it_pos: int) -> None:
    loc = call.loc
    env_values = [a for k, a in enumerate(entry_link.args) if k != it_pos]
    env_types = [v.type for k, v in enumerate(head.inputargs) if k != it_pos]
    ret_ty: t.Type = t.Tuple(tuple(loop.result_types)) if loop.result_types else t.none
    result = _var("parallel", ret_ty)
    pre.ops.remove(getiter)
    info = _const(loop, t.PyObjectConst(loop))
    rng = call.result
    assert rng is not None
    pre.ops.append(ir.Call(result, loc, _const(parallel_loop, t.PyObjectConst(parallel_loop)),
                           [info, rng, *env_values],
                           sig=t.Signature(ret_ty, (info.type, rng.type, *env_types)),
                           target=parallel_loop))
    # Values after the loop: invariants as they entered it, reductions as combined.
    after: dict[int, ir.Value] = {}
    j = 0
    env_k = [k for k in range(len(head.inputargs)) if k != it_pos]
    for pos, k in enumerate(env_k):
        if loop.reductions[pos] is None:
            after[id(head.inputargs[k])] = env_values[pos]
        else:
            item = _var(_name(head.inputargs[k]), loop.reductions[pos].type)  # type: ignore[union-attr]
            pre.ops.append(ir.TupleItem(item, loc, result, j))
            after[id(head.inputargs[k])] = item
            j += 1
    args = []
    for a in exit_link.args:
        if isinstance(a, ir.Constant):
            args.append(a)
        elif id(a) in after:
            args.append(after[id(a)])
        else:
            raise UnsupportedError("a value of the prange loop's header is used after it", loc)
    pre.exit = ir.Jump(pre.exit.loc, ir.Link(exit_link.target, args))  # type: ignore[union-attr]
