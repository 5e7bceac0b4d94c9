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
import enum
from dataclasses import dataclass, field
from typing import Any, Final

from jitcore.frontend import ir
from jitcore.frontend.errors import Loc, UnsupportedError
from jitcore.typeinfer import types as t

_ADD = {"add": "add", "iadd": "add", "sub": "add", "isub": "add", "mul": "mul", "imul": "mul"}
_COMPARE = ("lt", "le", "gt", "ge")
_NONE = -1  # origin of a value that is not a copy of any header argument


class _Unknown(enum.Enum):
    """The root of a block argument the copy analysis has not reached yet."""

    UNKNOWN = enum.auto()


_UNKNOWN: Final = _Unknown.UNKNOWN


@dataclass(frozen=True)
class Reduction:
    """How chunk partials of one header argument combine.

    kind: "add" (identity 0), "mul" (identity 1), "min", "max" (builtins), or "select":
    acc = partial if <compare> else acc, `compare` = (opname, reduction operand on the rhs).
    """

    kind: str
    type: t.Type
    compare: tuple[str, bool] | None = None
    inplace: bool = False  # an array reduction `acc += x` (else `acc = acc + x`, a new array)

    @property
    def is_array(self) -> bool:
        return isinstance(self.type, t.Array)


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


def parallel_array_expr(*args: Any) -> None:
    """The callee that replaces an ArrayExpr op in a parallel=True function."""
    raise RuntimeError("parallel_array_expr exists only in compiled code")


def private_array(*args: Any) -> None:
    """The callee giving a chunk its own copy of an array reduction variable, filled with
    the identity (lowered in lowering/impls/prange.py)."""
    raise RuntimeError("private_array exists only in compiled code")


def parallelise_array_expressions(fn: ir.Function) -> None:
    """ArrayExpr ops become calls that split large contiguous loops across the pool.

        v = arrayexpr add(a, b)   ->   v = call parallel_array_expr(<the ArrayExpr>, a, b)
    """
    for block in fn.blocks():
        for i, op in enumerate(block.ops):
            if isinstance(op, ir.ArrayExpr):
                info = _const(op, t.PyObjectConst(op))
                func = _const(parallel_array_expr, t.PyObjectConst(parallel_array_expr))
                sig = t.Signature(op.result.type,  # type: ignore[union-attr]
                                  (info.type, *(v.type for v in op.leaves)))
                block.ops[i] = ir.Call(op.result, op.loc, func, [info, *op.leaves], sig=sig,
                                       target=parallel_array_expr)


def outline_parallel_loops(fn: ir.Function) -> int:
    """Replace each outermost prange loop of `fn` by a call running it in chunks."""
    from jitcore.frontend.markers import prange

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
    """Def-use facts of the loop. A block argument that every incoming link fills with the
    same value is a copy of it: `root` follows copies, so `x` passed along from block to
    block is one value, and a value rooted at header argument k has origin k."""

    def __init__(self, head: ir.Block, body: list[ir.Block]) -> None:
        self.head, self.body = head, body
        self.index = {id(v): k for k, v in enumerate(head.inputargs)}
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
        self.roots: dict[int, ir.Value | None] = {}  # None: a real merge of different values
        self._propagate()
        self.back_edges = [link for blk in body for link in blk.exit.links()  # type: ignore[union-attr]
                           if link.target is head]

    def _propagate(self) -> None:
        """Fixpoint from optimistic unknowns: unknown -> one root -> merge."""
        changed = True
        while changed:
            changed = False
            for blk in self.body:
                for j, v in enumerate(blk.inputargs):
                    if id(v) in self.roots and self.roots[id(v)] is None:
                        continue
                    roots = [self._root(link.args[j]) for link in self.incoming[id(blk)]]
                    known = [r for r in roots if r is not _UNKNOWN]
                    if not known:
                        continue
                    new = known[0] if all(r is known[0] for r in known) else None
                    old = self.roots.get(id(v), _UNKNOWN)
                    if old is not _UNKNOWN and old is not new:
                        new = None
                    if new is not old:
                        self.roots[id(v)] = new
                        changed = True

    def _root(self, v: ir.Value) -> ir.Value | _Unknown:
        if id(v) in self.params:
            r = self.roots.get(id(v), _UNKNOWN)
            return v if r is None else r
        return v

    def root(self, v: ir.Value) -> ir.Value:
        r = self._root(v)
        return v if r is _UNKNOWN else r

    def is_merge(self, v: ir.Value) -> bool:
        return id(v) in self.params and self.roots.get(id(v), _UNKNOWN) in (None, _UNKNOWN)

    def origin_of(self, v: ir.Value) -> int:
        return self.index.get(id(self.root(v)), _NONE)


def _classify(head: ir.Block, body: list[ir.Block], it_pos: int,
              loc: Loc) -> list[Reduction | None]:
    region = _Region(head, body)
    result: list[Reduction | None] = []
    allowed: set[int] = set()  # ops that update a reduction (or guard its update)
    chains: dict[int, set[int]] = {}  # k -> ids of the values holding partial results
    for k, param in enumerate(head.inputargs):
        if k == it_pos:
            result.append(None)
            continue
        passed = [link.args[k] for link in region.back_edges]
        if all(region.origin_of(v) == k for v in passed):
            result.append(None)  # invariant
            continue
        chain: set[int] = set()
        result.append(_Chain(region, k, chain, allowed).reduction(param, passed, loc))
        chains[k] = chain
    _check_reads(region, chains, allowed, loc)
    return result


def _name(v: ir.Variable) -> str:
    return v.name.rstrip("0123456789").rstrip("_") or v.name


class _Chain:
    """Follows the values header argument k takes around the loop back to k itself.

    Every step must be an update (s + x, s * x, min(s, x), ...) of a value derived from
    k, or a merge of paths; a value from elsewhere is an assignment (`if y > m: m = y`).
    """

    def __init__(self, region: _Region, k: int, chain: set[int], allowed: set[int]) -> None:
        self.region, self.k, self.chain, self.allowed = region, k, chain, allowed
        self.kinds: set[str] = set()
        self.assigned: list[ir.Value] = []
        self.modes: set[bool] = set()  # array updates seen: in place (acc += x) or not
        self._visiting: set[int] = set()

    def reduction(self, param: ir.Variable, passed: list[ir.Value], loc: Loc) -> Reduction:
        for v in passed:
            self.trace(v)
        name = _name(param)
        if isinstance(param.type, t.Array) and param.type.dtype.is_number and len(
                self.kinds) == 1 and self.kinds <= {"add", "mul"} and len(self.modes) == 1:
            return Reduction(self.kinds.pop(), param.type, inplace=self.modes.pop())
        if not param.type.is_number:
            raise UnsupportedError(f"'{name}' of type {param.type} is carried from one prange "
                                   "iteration to the next", loc,
                                   "only scalar reductions (+=, *=, min, max) and array "
                                   "reductions (acc += x, acc *= x) can be")
        if self.kinds == {"assign"}:
            return Reduction("select", param.type, self.compare(name, loc))
        if len(self.kinds) == 1:
            return Reduction(self.kinds.pop(), param.type)
        raise UnsupportedError(f"'{name}' is assigned in a prange loop and carried to the "
                               "next iteration or past the loop", loc,
                               "only reductions (x += ..., x *= ..., x = min(x, ...), "
                               "if y > x: x = y) can be")

    def derives(self, v: ir.Value) -> bool:
        """Whether v holds k updated along some path (cycles count only through k)."""
        region = self.region
        if region.origin_of(v) == self.k:
            return True
        v = region.root(v)
        if id(v) in self._visiting:
            return False
        self._visiting.add(id(v))
        try:
            if region.is_merge(v):
                blk, j = region.params[id(v)]
                return any(self.derives(link.args[j]) for link in region.incoming[id(blk)])
            return self.updated_operand(v) is not None
        finally:
            self._visiting.discard(id(v))

    def updated_operand(self, v: ir.Value) -> ir.Value | None:
        """For v = s + x (s *= x, min(s, x), ...): the operand s that derives from k."""
        op = self.region.defs.get(id(v))
        if isinstance(op, ir.BinOp) and op.opname in _ADD:
            operands = [op.lhs, op.rhs]
            commutes = op.opname in ("add", "iadd", "mul", "imul")
            candidates = operands if commutes else [op.lhs]
        elif isinstance(op, ir.Call) and op.target in (builtins.min, builtins.max) and len(
                op.args) == 2 and not op.kwargs:
            operands = candidates = list(op.args)
        elif isinstance(op, ir.ArrayExpr) and _array_update(op) is not None:
            operands = list(op.leaves)
            candidates = [op.leaves[i] for i in _array_update(op)]  # type: ignore[union-attr]
        else:
            return None
        for c in candidates:
            if self.derives(c) and not any(self.derives(x) for x in operands if x is not c):
                return c
        return None

    def trace(self, v: ir.Value) -> None:
        region = self.region
        if id(v) in self.chain:
            return
        if region.origin_of(v) == self.k:
            self.chain.add(id(v))
            return
        root = region.root(v)
        if region.is_merge(root):
            self.chain.update((id(v), id(root)))
            blk, j = region.params[id(root)]
            for link in region.incoming[id(blk)]:
                self.trace(link.args[j])
            return
        operand = self.updated_operand(root)
        op = region.defs.get(id(root))
        if operand is not None and op is not None:
            self.chain.update((id(v), id(root)))
            self.kinds.add(_update_kind(op))
            if isinstance(op, ir.ArrayExpr):
                self.modes.add(op.inplace)
            self.allowed.add(id(op))
            self.trace(operand)
            return
        self.kinds.add("assign")
        self.assigned.append(root)

    def compare(self, name: str, loc: Loc) -> tuple[str, bool]:
        """The comparison guarding `if y > x: x = y`: (opname, x on the right-hand side)."""
        region = self.region
        found: list[tuple[str, bool]] = []
        directions = set()
        covered: set[int] = set()
        for blk in region.body:
            for op in blk.ops:
                if not (isinstance(op, ir.BinOp) and op.opname in _COMPARE):
                    continue
                on_rhs, on_lhs = (id(region.root(x)) in self.chain or region.origin_of(x) ==
                                  self.k for x in (op.rhs, op.lhs))
                if on_rhs == on_lhs:
                    continue
                other = _value_key(region, op.lhs if on_rhs else op.rhs)
                if not any(other == _value_key(region, a) for a in self.assigned):
                    continue
                self.allowed.add(id(op))
                covered.add(other)
                found.append((op.opname, on_rhs))
                directions.add((op.opname in ("gt", "ge")) == on_rhs)  # True: a maximum
        if not found or len(directions) != 1 or any(_value_key(region, a) not in covered
                                                    for a in self.assigned):
            raise UnsupportedError(f"'{name}' is assigned in a prange loop and carried to the "
                                   "next iteration or past the loop", loc,
                                   "a conditional update must look like: if y > x: x = y")
        return found[0]


def _update_kind(op: ir.Op) -> str:
    if isinstance(op, ir.BinOp):
        return _ADD[op.opname]
    if isinstance(op, ir.ArrayExpr):
        kind = _array_update_kind(op.tree[1])
        assert kind is not None
        return "add" if kind == "sub" else kind  # partials of acc -= x are added on
    return op.target.__name__  # type: ignore[attr-defined, no-any-return]


def _array_update(op: ir.ArrayExpr) -> list[int] | None:
    """For `acc += x` / `acc = acc * x` fused into an ArrayExpr: the leaves that may be
    the accumulator (a direct operand of the outermost add/subtract/multiply, used once)."""
    kind, ufunc, _, children = op.tree if op.tree[0] == "apply" else (None, None, None, [])
    if kind != "apply" or _array_update_kind(ufunc) is None or len(children) != 2:
        return None
    counts: dict[int, int] = {}
    _count_leaves(op.tree, counts)
    places = children[:1] if op.inplace or _array_update_kind(ufunc) == "sub" else children
    found = [c[1] for c in places if c[0] == "leaf" and counts[c[1]] == 1]
    # The result must have the accumulator's shape: a leaf broadcast up is not one.
    result_ty = op.result.type  # type: ignore[union-attr]
    return [i for i in found if op.leaves[i].type == result_ty] or None


def _array_update_kind(ufunc: Any) -> str | None:
    """"add" for np.add, "sub" for np.subtract (combined as a sum), "mul" for np.multiply."""
    import numpy as np

    return {id(np.add): "add", id(np.subtract): "sub", id(np.multiply): "mul"}.get(id(ufunc))


def _count_leaves(tree: Any, counts: dict[int, int]) -> None:
    if tree[0] == "leaf":
        counts[tree[1]] = counts.get(tree[1], 0) + 1
    else:
        for child in tree[3]:
            _count_leaves(child, counts)


def _value_key(region: _Region, v: ir.Value) -> Any:
    """Identity of a value up to copies, with a[i, j] read twice counted as one value."""
    v = region.root(v)
    op = region.defs.get(id(v))
    if isinstance(op, ir.GetItem):
        return ("getitem", _value_key(region, op.obj), _value_key(region, op.index))
    if isinstance(op, ir.BuildTuple):
        return ("tuple", *(_value_key(region, x) for x in op.items))
    if isinstance(v, ir.Constant):
        return ("const", repr(v.value))
    return id(v)


def _check_reads(region: _Region, chains: dict[int, set[int]], allowed: set[int],
                 loc: Loc) -> None:
    """A reduction variable may only be updated: reading it would see a partial value."""
    for blk in region.body:
        assert blk.exit is not None
        users: list[ir.Op | ir.Exit] = [*blk.ops, blk.exit]
        for op in users:
            if id(op) in allowed:
                continue
            for v in op.sources():
                for k, chain in chains.items():
                    if id(v) in chain or id(region.root(v)) in chain or region.origin_of(
                            v) == k:
                        raise UnsupportedError(
                            f"the reduction variable '{_name(region.head.inputargs[k])}' is "
                            "read inside the prange loop", getattr(op, "loc", loc),
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
    start_arg, step_arg = _var("start", rt), _var("step", rt)
    env = [_var(v.name.rstrip("0123456789") or "env", v.type)
           for k, v in enumerate(head.inputargs) if k != it_pos]
    entry = ir.Block([lo, hi, start_arg, step_arg, *env], label=-1)
    # A start and step known at compile time stay constants: with 0 <= lo (which the
    # trampoline tells LLVM) indices are then known non-negative, the loop unit-stride.
    known_step = _known(call.args, 2, 1)
    known_start = _known(call.args, 0, 0) if len(call.args) > 1 else 0
    step: ir.Value = step_arg if known_step is None else _const(known_step, rt)
    start: ir.Value = start_arg if known_start is None else _const(known_start, rt)
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
    args: list[ir.Value] = [_private(entry, v, r, loc) for v, r in
                            zip(env, (r for k, r in enumerate(reductions) if k != it_pos))]
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


def _private(entry: ir.Block, v: ir.Variable, red: Reduction | None, loc: Loc) -> ir.Value:
    """An array reduction's chunk-private accumulator (identity-filled); other values as is."""
    if red is None or not red.is_array:
        return v
    private = _var(f"{v.name}.private", v.type)
    identity = _const(0 if red.kind == "add" else 1, t.int64)
    func = _const(private_array, t.PyObjectConst(private_array))
    entry.ops.append(ir.Call(private, loc, func, [v, identity],
                             sig=t.Signature(v.type, (v.type, t.int64)), target=private_array))
    return private


def _known(args: list[ir.Value], index: int, default: int) -> int | None:
    """The value of prange's argument `index` if it is a constant (`default` if absent)."""
    if index >= len(args):
        return default
    arg = args[index]
    return arg.value if isinstance(arg, ir.Constant) and isinstance(arg.value, int) else None


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
        reduction = loop.reductions[pos]
        if reduction is None:
            after[id(head.inputargs[k])] = env_values[pos]
        else:
            item = _var(_name(head.inputargs[k]), reduction.type)
            pre.ops.append(ir.TupleItem(item, loc, result, j))
            after[id(head.inputargs[k])] = item
            j += 1
    args: list[ir.Value] = []
    for a in exit_link.args:
        if isinstance(a, ir.Constant):
            args.append(a)
        elif id(a) in after:
            args.append(after[id(a)])
        else:
            raise UnsupportedError("a value of the prange loop's header is used after it", loc)
    pre.exit = ir.Jump(pre.exit.loc, ir.Link(exit_link.target, args))  # type: ignore[union-attr]
