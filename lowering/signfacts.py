"""Which float operands of int-returning calls are known to be >= 0 (or NaN).

    if lo <= value < hi:
        counts[int((value - lo) * scale)] += 1       # scale = nbins / (hi - lo)

Python wraps a negative index, so every `counts[k]` costs a compare and an add on
the address path unless `k >= 0` is known. Here it is: inside the branch
`lo <= value` gives `value - lo >= 0`, `lo <= value < hi` gives `hi - lo > 0`, so
the product is >= 0 or NaN, and `int()` raises on NaN. Lowering then tells LLVM
(llvm.assume) that the truncation it returns is >= 0, and the wraparound folds
away: 5-10 % of a histogram loop.

The proof works on the typed flow graph, on demand, for the first argument of each
call that turns a float into an int (`int`, `math.floor`, `round`, ...):

- Block arguments that only rename one value (a single incoming link, or a loop
  header passing the same value round) are replaced by that value.
- Facts are the comparisons that decide the branches on the way into the call's
  block: an edge's target with that edge as its only way in, found up the
  dominator tree. A float comparison counts only where it held (a taken `<` says
  neither side is NaN; a failed one says nothing).
- Signs follow from the definitions: constants, len() and shapes, a - b when a >= b
  is a fact (directly or through one chain of facts), products and sums of
  non-negatives, quotients by a positive, x % positive, abs, sqrt.

"NaN allowed" is what keeps the float rules sound: 0 * inf, inf - inf and 0 / 0
are NaN, never negative, and the int() check catches them. Values that change
round a loop (accumulators) are not followed: facts about the current iteration
would not hold for the earlier values a loop phi carries.
"""
from __future__ import annotations

import builtins
import math
from jitcore.frontend import ir as jir
from jitcore.frontend.operations import plain
from jitcore.typeinfer import types as t

_BUDGET = 400  # definitions visited per query; functions past it just keep the wraparound
_ORDER = {"lt": (False, True), "le": (False, False), "gt": (True, True), "ge": (True, False)}
_NONNEG_CALLS = {builtins.len, math.sqrt, math.fabs, math.exp, math.hypot}


def nonneg_first_operands(fn: jir.Function) -> set[int]:
    """ids of the Call ops whose float first argument is >= 0 or NaN where they run."""
    candidates = [(block, op) for block in fn.blocks() for op in block.ops
                  if isinstance(op, jir.Call) and op.args and op.result is not None
                  and isinstance(op.result.type, t.Integer)
                  and isinstance(op.args[0].type, t.Float)]
    if not candidates:
        return set()
    graph = _Graph(fn)
    proven = set()
    for block, op in candidates:
        if _Query(graph, graph.facts_at(block)).nonneg(op.args[0]):
            proven.add(id(op))
    return proven


class _Graph:
    """Definitions, renamings, predecessors and dominators of one flow graph."""

    def __init__(self, fn: jir.Function) -> None:
        self.blocks = list(fn.blocks())
        self.defs: dict[int, jir.Op] = {}
        self.incoming: dict[int, list[tuple[jir.Block, jir.Link]]] = {
            id(b): [] for b in self.blocks}
        for block in self.blocks:
            for op in block.ops:
                if op.result is not None:
                    self.defs[id(op.result)] = op
            assert block.exit is not None
            for link in block.exit.links():
                self.incoming[id(link.target)].append((block, link))
        self.alias: dict[int, jir.Value] = {}
        self._resolve_renamings()
        self.idom = self._dominators()

    def canon(self, v: jir.Value) -> jir.Value:
        seen = 0
        while isinstance(v, jir.Variable) and id(v) in self.alias and seen < 10_000:
            v = self.alias[id(v)]
            seen += 1
        return v

    def _resolve_renamings(self) -> None:
        """Alias each block argument that always holds one other value to that value."""
        changed = True
        while changed:
            changed = False
            for block in self.blocks[1:]:
                links = self.incoming[id(block)]
                for k, arg in enumerate(block.inputargs):
                    if id(arg) in self.alias:
                        continue
                    sources = {id(s): s for s in (self.canon(link.args[k]) for _, link in links)
                               if s is not arg}
                    if len(sources) == 1:
                        self.alias[id(arg)] = next(iter(sources.values()))
                        changed = True

    def _dominators(self) -> dict[int, jir.Block]:
        """Immediate dominators (Cooper, Harvey and Kennedy's iteration over reverse postorder)."""
        order: list[jir.Block] = []
        seen: set[int] = set()
        stack: list[tuple[jir.Block, int]] = [(self.blocks[0], 0)]
        seen.add(id(self.blocks[0]))
        while stack:
            block, k = stack.pop()
            links = block.exit.links() if block.exit is not None else []
            if k < len(links):
                stack.append((block, k + 1))
                target = links[k].target
                if id(target) not in seen:
                    seen.add(id(target))
                    stack.append((target, 0))
            else:
                order.append(block)
        order.reverse()
        rank = {id(b): i for i, b in enumerate(order)}
        idom: dict[int, jir.Block] = {id(order[0]): order[0]}

        def intersect(a: jir.Block, b: jir.Block) -> jir.Block:
            while a is not b:
                while rank[id(a)] > rank[id(b)]:
                    a = idom[id(a)]
                while rank[id(b)] > rank[id(a)]:
                    b = idom[id(b)]
            return a

        changed = True
        while changed:
            changed = False
            for block in order[1:]:
                preds = [p for p, _ in self.incoming[id(block)] if id(p) in idom]
                new = preds[0]
                for p in preds[1:]:
                    new = intersect(p, new)
                if idom.get(id(block)) is not new:
                    idom[id(block)] = new
                    changed = True
        return idom

    def facts_at(self, block: jir.Block) -> list[tuple[jir.Value, jir.Value, bool]]:
        """(a, b, strict): a <= b (a < b when strict) holds, neither NaN, whenever `block` runs."""
        facts: list[tuple[jir.Value, jir.Value, bool]] = []
        node = block
        while True:
            links = self.incoming[id(node)]
            if len(links) == 1:
                pred, link = links[0]
                ex = pred.exit
                if isinstance(ex, jir.Branch) and ex.if_true.target is not ex.if_false.target:
                    facts.extend(self._condition(ex.cond, link is ex.if_true))
            parent = self.idom.get(id(node), node)
            if parent is node:
                return facts
            node = parent

    def _condition(self, cond: jir.Value, holds: bool) -> list[tuple[jir.Value, jir.Value, bool]]:
        op = self.defs.get(id(self.canon(cond)))
        while isinstance(op, jir.UnaryOp) and op.opname in ("not_", "truth"):
            holds ^= op.opname == "not_"
            op = self.defs.get(id(self.canon(op.operand)))
        if not isinstance(op, jir.BinOp) or op.opname not in (*_ORDER, "eq"):
            return []
        lhs, rhs = self.canon(op.lhs), self.canon(op.rhs)
        if not all(isinstance(v.type, (t.Integer, t.Float)) for v in (lhs, rhs)):
            return []
        if op.opname == "eq":
            return [(lhs, rhs, False), (rhs, lhs, False)] if holds else []
        swap, strict = _ORDER[op.opname]
        if not holds:  # a failed comparison orders the operands only when neither can be NaN
            if isinstance(lhs.type, t.Float) or isinstance(rhs.type, t.Float):
                return []
            swap, strict = not swap, not strict
        small, big = (rhs, lhs) if swap else (lhs, rhs)
        return [(small, big, strict)]


class _Query:
    """Sign questions about values, under the facts of one block."""

    def __init__(self, graph: _Graph, facts: list[tuple[jir.Value, jir.Value, bool]]) -> None:
        self.graph = graph
        self.facts = facts
        self.budget = _BUDGET
        self.active: set[tuple[int, bool]] = set()

    def nonneg(self, v: jir.Value) -> bool:
        """v >= 0 or NaN (v > 0 or NaN with `positive`) whenever the facts hold."""
        return self._sign(v, positive=False)

    def positive(self, v: jir.Value) -> bool:
        return self._sign(v, positive=True)

    def _sign(self, v: jir.Value, positive: bool) -> bool:
        v = self.graph.canon(v)
        if isinstance(v, jir.Constant):
            value = v.value  # bool is an int here: True > 0, False >= 0
            return isinstance(value, (int, float)) and (value > 0 if positive else value >= 0)
        key = (id(v), positive)
        if key in self.active or self.budget <= 0:
            return False
        self.budget -= 1
        self.active.add(key)
        try:
            return self._by_facts(v, positive) or self._by_definition(v, positive)
        finally:
            self.active.discard(key)

    def _by_facts(self, v: jir.Value, positive: bool) -> bool:
        """Some fact chain c <= ... <= v starts at a value known >= 0 (with a strict step or
        c > 0)."""
        return any(self._sign(small, positive and not strict)
                   for small, big, strict in self.facts if big is v)

    def _at_least(self, big: jir.Value, small: jir.Value, strict: bool) -> bool:
        """small <= big (small < big when strict) follows from a chain of facts."""
        frontier = [(self.graph.canon(small), False)]
        target, seen = self.graph.canon(big), set()
        while frontier:
            node, was_strict = frontier.pop()
            for lo, hi, step_strict in self.facts:
                if lo is node:
                    now_strict = was_strict or step_strict
                    if hi is target and (now_strict or not strict):
                        return True
                    if (id(hi), now_strict) not in seen:
                        seen.add((id(hi), now_strict))
                        frontier.append((hi, now_strict))
        return False

    def _by_definition(self, v: jir.Value, positive: bool) -> bool:
        op = self.graph.defs.get(id(v))
        if op is None:  # a parameter, or a value carried round a loop
            return False
        is_float = isinstance(v.type, t.Float)
        if isinstance(op, jir.BinOp):
            name, a, b = plain(op.opname), op.lhs, op.rhs
            if name == "sub" and is_float:
                return self._at_least(a, b, strict=positive)
            if positive:
                return False
            if name == "mul" and is_float:
                return (self.graph.canon(a) is self.graph.canon(b)
                        or (self.nonneg(a) and self.nonneg(b)))
            if name == "add" and is_float:
                return self.nonneg(a) and self.nonneg(b)
            if name in ("truediv", "floordiv") and is_float:
                return self.nonneg(a) and self.positive(b)
            if name == "mod" and isinstance(v.type, (t.Integer, t.Float)):
                return self.positive(b)  # Python's remainder takes the divisor's sign
            return False
        if isinstance(op, jir.UnaryOp):
            return op.opname == "pos" and self._sign(op.operand, positive)
        if isinstance(op, jir.GetAttr):
            return not positive and op.attr in ("size", "ndim", "itemsize", "nbytes")
        if isinstance(op, jir.TupleItem):
            return not positive and _is_shape(self.graph, op.tup)
        if isinstance(op, jir.GetItem) and isinstance(op.obj.type, t.Tuple):
            return not positive and _is_shape(self.graph, op.obj)
        if isinstance(op, jir.Call) and not positive:
            if op.target in _NONNEG_CALLS:
                return True
            if op.target is builtins.abs:  # abs(int64 min) wraps to itself
                return is_float
            if op.target is builtins.float and op.args:
                return self.nonneg(op.args[0])
        return False


def _is_shape(graph: _Graph, tup: jir.Value) -> bool:
    op = graph.defs.get(id(graph.canon(tup)))
    return isinstance(op, jir.GetAttr) and op.attr == "shape" and isinstance(
        op.obj.type, t.Array)
