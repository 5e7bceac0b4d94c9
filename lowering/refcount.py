"""Where references to native memory are taken and released, decided per block.

    block3(a, b):                 a, b: arrays (block arguments own a reference)
      v1 = getitem a, 0           v1 owns a reference (a view shares a's memory)
      decref a                    a's last use
      v2 = call g(v1)
      decref v1                   v1's last use
      jump block4(v2, b)          v2 and b are handed over, no count changes

Ownership rules: every value whose type holds native memory (arrays, tuples of
arrays) owns one reference, except the function's parameters, which the
caller keeps alive (borrowed). A value is released right after its last use in
its block, or on each outgoing edge that does not pass it on; passing a value
along a link or returning it hands its reference over (a borrowed value, or
one passed twice, is increfed first). Because values cross blocks only through
links, the analysis is local to each block and linear in the graph's size.

A local assigned on some paths only (`jump block1(UNDEFINED)`) reaches its block
argument as a null reference (`Context.cast` from `undefined`), which incref and
decref skip: the argument is owned like any other and released when rebound or at
the exit, whether or not a path assigned it.

An exception raised in the middle of a block releases, before returning, the
references live at that point (`live_during`: owned values defined before the op
and not yet released), so raising in a loop over native arrays leaks nothing.

Inside a `try` the exit also has a `handler` link, taken when an op of the block raises:
what it passes is kept alive to the end of the block (the block may raise at any op),
handed over to the handler on a raise (`handed_over`) and released on the normal exits
that do not pass it on; the other live values are released before the jump.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from jitcore.frontend import ir
from jitcore.typeinfer import types as t


def holds_memory(ty: t.Type | None) -> bool:
    if isinstance(ty, (t.Array, t.ArrayFlat, t.ArrayIter)):
        return True
    if isinstance(ty, (t.CaughtException, t.CaughtArgs)):  # a Python object (Py_IncRef)
        return True
    if isinstance(ty, t.BoundMethod):  # a.sum before the call holds the array
        return holds_memory(ty.this)
    if isinstance(ty, t.Optional):
        return holds_memory(ty.base)
    if isinstance(ty, STRUCTS):
        return any(holds_memory(part) for part in parts(ty))
    return False


# Types laid out as a struct of values, each of which may hold memory (`parts`).
STRUCTS = (t.Tuple, t.Enumerate, t.EnumerateIter, t.Zip, t.ZipIter)


def parts(ty: t.Type) -> tuple[t.Type, ...]:
    """The member types of a tuple, or of an enumerate/zip value or iterator, by field."""
    if isinstance(ty, t.Tuple):
        return ty.items
    if isinstance(ty, t.Enumerate):
        return (ty.iterable, t.int64)
    if isinstance(ty, t.EnumerateIter):
        return (t.int64, ty.inner)  # field 0 points at the count
    if isinstance(ty, t.Zip):
        return ty.iterables
    if isinstance(ty, t.ZipIter):
        return ty.inners
    return ()


@dataclass
class RefcountPlan:
    """What the emitter does besides the ops: keyed by id() of ops and links."""

    after_op: dict[int, list[ir.Value]] = field(default_factory=dict)  # decref after the op
    link_increfs: dict[int, list[ir.Value]] = field(default_factory=dict)
    link_decrefs: dict[int, list[ir.Value]] = field(default_factory=dict)
    return_incref: dict[int, bool] = field(default_factory=dict)  # by id(block)
    live_during: dict[int, list[ir.Value]] = field(default_factory=dict)  # by id(op)
    at_block_start: dict[int, list[ir.Value]] = field(default_factory=dict)  # by id(block)
    # ids of the values whose reference a handler link takes over, by id(link)
    handed_over: dict[int, set[int]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.after_op or self.link_increfs or self.link_decrefs
                    or any(self.return_incref.values()))


def plan_refcounts(fn: ir.Function) -> RefcountPlan:
    plan = RefcountPlan()
    borrowed = _borrowed(fn)
    for block in fn.blocks():
        _plan_block(block, plan, borrowed)
    return plan


def _borrowed(fn: ir.Function) -> set[int]:
    """The parameters, and block arguments that only ever receive borrowed values.

    A block argument every incoming link feeds a borrowed value or itself (an array
    parameter carried around a loop) stays borrowed: it costs no count changes at all.
    Computed as the greatest fixpoint: assume every argument borrowed, drop those fed
    an owned value, repeat.
    """
    borrowed = {id(v) for v in fn.entry.inputargs if holds_memory(v.type)}
    feeds: dict[int, list[ir.Value]] = {}
    for block in fn.blocks():
        assert block.exit is not None
        for link in block.exit.links():
            for arg, param in zip(link.args, link.target.inputargs):
                if holds_memory(param.type):
                    feeds.setdefault(id(param), []).append(arg)
    candidates = set(feeds) - borrowed
    changed = True
    while changed:
        changed = False
        for pid in list(candidates):
            if any(_owned_feed(a, pid, borrowed, candidates) for a in feeds[pid]):
                candidates.discard(pid)
                changed = True
    return borrowed | candidates


def _owned_feed(arg: ir.Value, pid: int, borrowed: set[int], candidates: set[int]) -> bool:
    """Whether `arg`, fed to the block argument `pid`, may bring a reference of its own."""
    if isinstance(arg.type, t.Undefined):
        return False  # a local missing on this path arrives as null: nothing to count
    if isinstance(arg, ir.Constant):
        return True
    return id(arg) != pid and id(arg) not in borrowed and id(arg) not in candidates


def _plan_block(block: ir.Block, plan: RefcountPlan, borrowed: set[int]) -> None:
    owned: list[ir.Value] = [v for v in block.inputargs
                             if holds_memory(v.type) and id(v) not in borrowed]
    last_use: dict[int, int] = {}
    for index, op in enumerate(block.ops):
        for v in op.sources():
            last_use[id(v)] = index
        if op.result is not None and holds_memory(op.result.type):
            owned.append(op.result)
            last_use.setdefault(id(op.result), index)
    exit = block.exit
    assert exit is not None
    links = exit.links()
    at_exit = {id(v) for v in exit.sources()} | {id(a) for lk in links for a in lk.args}

    for v in owned:
        if id(v) in at_exit:
            continue
        if id(v) in last_use:  # dies inside the block
            plan.after_op.setdefault(id(block.ops[last_use[id(v)]]), []).append(v)
        else:  # a block argument this block never uses: released on arrival
            plan.at_block_start.setdefault(id(block), []).append(v)
    if owned:
        defined = {id(v): -1 for v in block.inputargs}
        defined.update((id(op.result), i) for i, op in enumerate(block.ops)
                       if op.result is not None)
        for index, op in enumerate(block.ops):
            live = [v for v in owned if defined[id(v)] < index
                    and (id(v) in at_exit or last_use.get(id(v), -1) >= index)]
            if live:
                plan.live_during[id(op)] = live
    owned_ids = {id(v) for v in owned}
    for link in links:
        increfs: list[ir.Value] = []
        handed_over: set[int] = set()
        for arg, param in zip(link.args, link.target.inputargs):
            if not holds_memory(arg.type) or isinstance(arg, ir.Constant) \
                    or id(param) in borrowed:
                continue  # a borrowed argument receives borrowed values: nothing to count
            if id(arg) in owned_ids and id(arg) not in handed_over:
                handed_over.add(id(arg))  # its reference moves to the argument
            else:
                increfs.append(arg)  # borrowed, or passed a second time
        if increfs:
            plan.link_increfs[id(link)] = increfs
        if link is exit.handler:  # the emitter releases the rest where the raise happens
            plan.handed_over[id(link)] = handed_over
            continue
        decrefs = [v for v in owned if id(v) in at_exit and id(v) not in handed_over
                   and not _returned(exit, v)]
        if decrefs:
            plan.link_decrefs[id(link)] = decrefs
    if isinstance(exit, ir.Return) and holds_memory(exit.value.type):
        plan.return_incref[id(block)] = not any(v is exit.value for v in owned)
    if isinstance(exit, (ir.Return, ir.Raise)):
        # Values that reach the exit only because the exit reads them (not arrays today)
        # are released just before it; the returned value itself is handed over.
        to_handler = plan.handed_over.get(id(exit.handler), set())
        leftovers = [v for v in owned if id(v) in at_exit and not _returned(exit, v)
                     and id(v) not in to_handler]
        if leftovers:
            plan.link_decrefs[id(exit)] = leftovers


def _returned(exit: ir.Exit, v: ir.Value) -> bool:
    return isinstance(exit, ir.Return) and exit.value is v
