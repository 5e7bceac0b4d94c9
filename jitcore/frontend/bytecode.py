"""Decode a code object into version-neutral instructions grouped into basic blocks.

    >>> code = decode(f.__code__)
    >>> [b.start for b in code.blocks]          # bytecode offsets of block leaders
    [0, 12, 30]
    >>> code.blocks[1].live_in, code.blocks[1].depth_in
    (('i', 'total'), 1)

Everything that depends on the CPython version stays here: opcode names are
normalised (3.11's POP_JUMP_FORWARD_IF_FALSE becomes POP_JUMP_IF_FALSE, the
in-place BINARY_OP arguments become operator names), jump targets are resolved
to offsets, and each block knows the stack depth and the live locals at its
entry, so the flow builder can give every block its arguments in one pass.

`try` statements: 3.11 keeps protected ranges in the exception table. Inside a range,
every instruction that may raise starts a block of its own, and that block records
the handler (offset, stack depth kept, whether the offset of the raise is pushed), so
the flow builder can give it an explicit exceptional edge: the state at the block's
entry is the state at the raise.
"""
from __future__ import annotations

import dis
import sys
from dataclasses import dataclass, field
from types import CodeType
from typing import Any

from jitcore.frontend.errors import Loc, UnsupportedError

if sys.version_info[:2] != (3, 11):  # pragma: no cover - the decoder targets one version
    raise ImportError("jitcore's bytecode front end supports CPython 3.11")

# BINARY_OP's argument -> operation name; in-place forms get an "i" prefix.
_NB_NAMES = ["add", "and_", "floordiv", "lshift", "matmul", "mul", "mod", "or_", "pow",
             "rshift", "sub", "truediv", "xor"]
BINARY_OP_NAMES = _NB_NAMES + ["i" + n for n in _NB_NAMES]

_RENAMES = {
    "POP_JUMP_FORWARD_IF_FALSE": "POP_JUMP_IF_FALSE",
    "POP_JUMP_BACKWARD_IF_FALSE": "POP_JUMP_IF_FALSE",
    "POP_JUMP_FORWARD_IF_TRUE": "POP_JUMP_IF_TRUE",
    "POP_JUMP_BACKWARD_IF_TRUE": "POP_JUMP_IF_TRUE",
    "POP_JUMP_FORWARD_IF_NONE": "POP_JUMP_IF_NONE",
    "POP_JUMP_BACKWARD_IF_NONE": "POP_JUMP_IF_NONE",
    "POP_JUMP_FORWARD_IF_NOT_NONE": "POP_JUMP_IF_NOT_NONE",
    "POP_JUMP_BACKWARD_IF_NOT_NONE": "POP_JUMP_IF_NOT_NONE",
    "JUMP_FORWARD": "JUMP",
    "JUMP_BACKWARD": "JUMP",
    "JUMP_BACKWARD_NO_INTERRUPT": "JUMP",
}
# Instructions that end a block; the conditional ones also fall through.
UNCONDITIONAL = {"JUMP", "RETURN_VALUE", "RAISE_VARARGS", "RERAISE"}
CONDITIONAL = {"POP_JUMP_IF_FALSE", "POP_JUMP_IF_TRUE", "POP_JUMP_IF_NONE",
               "POP_JUMP_IF_NOT_NONE", "JUMP_IF_FALSE_OR_POP", "JUMP_IF_TRUE_OR_POP",
               "FOR_ITER"}
# Instructions that cannot raise: inside a protected range every other one starts a block.
CANNOT_RAISE = {"NOP", "RESUME", "PRECALL", "CACHE", "EXTENDED_ARG", "COPY_FREE_VARS",
                "MAKE_CELL", "LOAD_FAST", "LOAD_CONST", "STORE_FAST", "DELETE_FAST", "POP_TOP",
                "COPY", "SWAP", "PUSH_NULL", "KW_NAMES", "LOAD_GLOBAL", "LOAD_DEREF", "JUMP",
                "LOAD_ASSERTION_ERROR", "RETURN_VALUE", "PUSH_EXC_INFO", "CHECK_EXC_MATCH",
                "POP_EXCEPT", "LOAD_METHOD", "BUILD_TUPLE", "BUILD_SLICE", "BUILD_LIST",
                "LIST_EXTEND", "POP_JUMP_IF_FALSE", "POP_JUMP_IF_TRUE", "POP_JUMP_IF_NONE",
                "POP_JUMP_IF_NOT_NONE", "JUMP_IF_FALSE_OR_POP", "JUMP_IF_TRUE_OR_POP"}
# Markers with no effect on the abstract state.
IGNORED = {"NOP", "RESUME", "PRECALL", "CACHE", "EXTENDED_ARG", "COPY_FREE_VARS", "MAKE_CELL"}


@dataclass(slots=True)
class Instr:
    """One instruction: normalised name, argument, resolved value, jump target, location."""

    opname: str
    opcode: int
    arg: int | None
    argval: object
    offset: int
    target: int | None
    loc: Loc


@dataclass(slots=True)
class BasicBlock:
    start: int
    instrs: list[Instr] = field(default_factory=list)
    successors: list[int] = field(default_factory=list)
    depth_in: int = -1
    live_in: tuple[str, ...] = ()
    # Where an exception raised by this block's first instruction goes, if it is protected.
    handler: Handler | None = None
    handler_edge: bool = False  # successors[-1] is the handler, entered with the entry state

    def normal_successors(self) -> list[int]:
        return self.successors[:-1] if self.handler_edge else self.successors


@dataclass(frozen=True, slots=True)
class Handler:
    """An exception table entry: jump to `target` keeping `depth` stack entries, then
    push the offset of the raise (`lasti`) and the exception."""

    target: int
    depth: int
    lasti: bool

    @property
    def depth_in(self) -> int:
        return self.depth + self.lasti + 1


@dataclass(slots=True)
class DecodedCode:
    code: CodeType
    blocks: list[BasicBlock]
    by_start: dict[int, BasicBlock]
    # LOAD_FAST offset -> local name, for reads of a local that no path assigns ...
    unassigned_reads: dict[int, str] = field(default_factory=dict)
    # ... and for reads of a local that some paths leave unassigned (checked at run time)
    checked_reads: dict[int, str] = field(default_factory=dict)
    # locals that need a run-time "is assigned" flag (see `assigned_flag`)
    tracked: frozenset[str] = frozenset()
    # CALL offset -> captured locals (read by inner functions) not assigned on every path
    unassigned_captures: dict[int, frozenset[str]] = field(default_factory=dict)


def assigned_flag(name: str) -> str:
    """The pseudo-local holding whether local `name` is assigned; not a valid identifier."""
    return name + "?"


def decode(code: CodeType, funcname: str, read_at_return: tuple[str, ...] = ()) -> DecodedCode:
    """The basic blocks of `code`, with entry stack depths and live locals.

    `read_at_return`: locals that every `return` also hands back (an inner function's
    `nonlocal` variables, jitcore/frontend/closures.py)."""
    instrs = [_normalise(ins, code.co_filename, funcname) for ins in dis.get_instructions(code)]
    _cells_as_locals(code, instrs)
    _reject_unsupported_code(code, instrs)
    entries: list[Any] = dis._parse_exception_table(code)  # type: ignore[attr-defined]
    params = frozenset(code.co_varnames[: code.co_argcount + code.co_kwonlyargcount])
    checked: frozenset[int] = frozenset()
    while True:
        blocks = _split_blocks(instrs, entries, checked)
        by_start = {b.start: b for b in blocks}
        _compute_depths(blocks, by_start)
        reachable = [b for b in blocks if b.depth_in >= 0]
        decoded = DecodedCode(code, reachable, by_start)
        _classify_reads(decoded, params)
        # A read of a local some paths leave unassigned may raise: inside a `try` it needs
        # a block (and an exceptional edge) of its own, so split again.
        if not entries or checked >= decoded.checked_reads.keys():
            break
        checked = frozenset(decoded.checked_reads)
    decoded.tracked = frozenset(decoded.checked_reads.values())
    _compute_liveness(reachable, by_start, decoded.checked_reads, frozenset(code.co_cellvars),
                      frozenset(read_at_return))
    return decoded


_CELL_AS_LOCAL = {"LOAD_DEREF": "LOAD_FAST", "STORE_DEREF": "STORE_FAST",
                  "DELETE_DEREF": "DELETE_FAST"}


def _cells_as_locals(code: CodeType, instrs: list[Instr]) -> None:
    """A variable an inner function captures is an ordinary local of this function: its
    inner functions receive its current value at each call (jitcore/frontend/closures.py)."""
    for ins in instrs:
        if ins.opname in _CELL_AS_LOCAL and ins.argval in code.co_cellvars:
            ins.opname = _CELL_AS_LOCAL[ins.opname]


def _normalise(ins: dis.Instruction, filename: str, funcname: str) -> Instr:
    pos = ins.positions
    line = (pos.lineno if pos and pos.lineno else None) or ins.starts_line or 0
    loc = Loc(filename, line, pos.col_offset if pos else None,
              pos.end_lineno if pos else None, pos.end_col_offset if pos else None, funcname)
    name = _RENAMES.get(ins.opname, ins.opname)
    target = ins.argval if name in UNCONDITIONAL | CONDITIONAL and name not in (
        "RETURN_VALUE", "RAISE_VARARGS", "RERAISE") else None
    argval = ins.argval
    if name == "BINARY_OP" and ins.arg is not None:
        argval = BINARY_OP_NAMES[ins.arg]
    return Instr(name, ins.opcode, ins.arg, argval, ins.offset, target, loc)


def _reject_unsupported_code(code: CodeType, instrs: list[Instr]) -> None:
    import inspect

    first = instrs[0].loc if instrs else None
    if code.co_flags & (inspect.CO_GENERATOR | inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR):
        where = next((i.loc for i in instrs if i.opname in ("YIELD_VALUE", "SEND")), first)
        raise UnsupportedError("generators and coroutines are not supported in compiled code",
                               where, "return a tuple or fill an output array instead")
    if code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS):
        raise UnsupportedError("*args and **kwargs parameters are not supported", first,
                               "declare each parameter by name")
    for ins in instrs:
        if ins.opname in ("BEFORE_WITH", "BEFORE_ASYNC_WITH"):
            raise UnsupportedError("with-statements are not supported in compiled code",
                                   ins.loc, "call the functions you need directly, in a "
                                   "try/finally if the cleanup must always run")
        if ins.opname in ("CHECK_EG_MATCH", "PREP_RERAISE_STAR"):
            raise UnsupportedError("exception groups (except*) are not supported in compiled "
                                   "code", ins.loc, "catch the exception classes with a plain "
                                   "'except'")


def _split_blocks(instrs: list[Instr], entries: list[Any],
                  checked_reads: frozenset[int]) -> list[BasicBlock]:
    def may_raise(ins: Instr) -> bool:
        return ins.opname not in CANNOT_RAISE or ins.offset in checked_reads

    leaders = {0}
    for i, ins in enumerate(instrs):
        if ins.target is not None:
            leaders.add(ins.target)
        if (ins.opname in UNCONDITIONAL or ins.opname in CONDITIONAL) and i + 1 < len(instrs):
            leaders.add(instrs[i + 1].offset)
    for e in entries:  # a block lies inside one protected range or outside all
        leaders.update((e.start, e.end, e.target))
    handlers = _handler_at(instrs, entries)
    for i, ins in enumerate(instrs):
        if ins.offset in handlers and may_raise(ins):
            # The arguments of a call are named before it: KW_NAMES and PRECALL go along.
            while i > 0 and instrs[i - 1].opname in ("PRECALL", "KW_NAMES"):
                i -= 1
            leaders.add(instrs[i].offset)
    blocks: list[BasicBlock] = []
    for ins in instrs:
        if ins.offset in leaders:
            blocks.append(BasicBlock(ins.offset))
        blocks[-1].instrs.append(ins)
    for block in blocks:
        raiser = next((ins for ins in block.instrs
                       if ins.opname not in ("PRECALL", "KW_NAMES")), block.instrs[0])
        if may_raise(raiser):
            block.handler = handlers.get(raiser.offset)
    for i, block in enumerate(blocks):
        last = block.instrs[-1]
        if last.target is not None:
            block.successors.append(last.target)
        falls_through = last.opname not in UNCONDITIONAL
        if falls_through and i + 1 < len(blocks):
            block.successors.insert(0, blocks[i + 1].start)
        if block.handler is not None and block.handler.target not in block.successors:
            block.successors.append(block.handler.target)
            block.handler_edge = True
    return blocks


def _handler_at(instrs: list[Instr], entries: list[Any],
                ) -> dict[int, Handler]:
    """The handler protecting each instruction, by offset."""
    out: dict[int, Handler] = {}
    for e in entries:
        handler = Handler(e.target, e.depth, e.lasti)
        for ins in instrs:
            if e.start <= ins.offset < e.end:
                out[ins.offset] = handler
    return out


def _compute_depths(blocks: list[BasicBlock], by_start: dict[int, BasicBlock]) -> None:
    """Stack depth at each block entry, by walking every path once."""
    blocks[0].depth_in = 0
    work = [blocks[0]]
    while work:
        block = work.pop()
        depth = block.depth_in
        for ins in block.instrs[:-1]:
            depth += _effect(ins, jump=False)
        last = block.instrs[-1]
        outs: list[tuple[int, int]] = []
        if last.opname not in UNCONDITIONAL:
            nxt = _next_start(blocks, block)
            if nxt is not None:
                outs.append((nxt, depth + _effect(last, jump=False)))
        if last.target is not None:
            outs.append((last.target, depth + _effect(last, jump=True)))
        if block.handler is not None:
            outs.append((block.handler.target, block.handler.depth_in))
        for start, d in outs:
            succ = by_start[start]
            if succ.depth_in < 0:
                succ.depth_in = d
                work.append(succ)


def _effect(ins: Instr, jump: bool) -> int:
    # PRECALL and CALL share a call's effect; only the block's total matters here.
    return dis.stack_effect(ins.opcode, ins.arg, jump=jump)


def _next_start(blocks: list[BasicBlock], block: BasicBlock) -> int | None:
    i = blocks.index(block)
    return blocks[i + 1].start if i + 1 < len(blocks) else None


def _classify_reads(decoded: DecodedCode, params: frozenset[str]) -> None:
    """Find reads of locals that are unassigned on every path, or on some paths only.

    A forward dataflow: locals assigned on every path (must) and on some path (may)
    to each block's entry; parameters are assigned at the start.
    """
    blocks = decoded.blocks
    preds: dict[int, list[int]] = {b.start: [] for b in blocks}
    raisers: dict[int, list[int]] = {b.start: [] for b in blocks}  # exceptional edges in
    for b in blocks:
        for s in b.normal_successors():
            if s in preds:
                preds[s].append(b.start)
        if b.handler_edge and b.successors[-1] in raisers:
            raisers[b.successors[-1]].append(b.start)
    must_out: dict[int, frozenset[str] | None] = {b.start: None for b in blocks}  # None: top
    may_out: dict[int, frozenset[str]] = {b.start: frozenset() for b in blocks}
    must_in: dict[int, frozenset[str] | None] = {b.start: None for b in blocks}
    may_in: dict[int, frozenset[str]] = {b.start: frozenset() for b in blocks}

    def entry_sets(b: BasicBlock) -> tuple[frozenset[str], frozenset[str]]:
        if b is blocks[0]:
            return params, params
        musts = [m for m in (must_out[p] for p in preds[b.start]) if m is not None]
        musts += [m for m in (must_in[p] for p in raisers[b.start]) if m is not None]
        must = frozenset.intersection(*musts) if musts else frozenset()
        may = frozenset().union(*(may_out[p] for p in preds[b.start]),
                                *(may_in[p] for p in raisers[b.start]))
        return must, may

    changed = True
    while changed:
        changed = False
        for b in blocks:
            must_in[b.start], may_in[b.start] = entry_sets(b)
            must, may = (set(x) for x in entry_sets(b))
            for ins in b.instrs:
                if ins.opname == "STORE_FAST":
                    must.add(str(ins.argval))
                    may.add(str(ins.argval))
                elif ins.opname == "DELETE_FAST":
                    must.discard(str(ins.argval))
                    may.discard(str(ins.argval))
            new_must, new_may = frozenset(must), frozenset(may)
            if new_must != must_out[b.start] or new_may != may_out[b.start]:
                must_out[b.start], may_out[b.start] = new_must, new_may
                changed = True
    for b in blocks:
        must, may = (set(x) for x in entry_sets(b))
        for ins in b.instrs:
            name = str(ins.argval)
            if ins.opname in ("LOAD_FAST", "LOAD_FAST_CHECK") and name not in must:
                target = decoded.checked_reads if name in may else decoded.unassigned_reads
                target[ins.offset] = name
            elif ins.opname == "CALL" and decoded.code.co_cellvars:
                decoded.unassigned_captures[ins.offset] = frozenset(
                    decoded.code.co_cellvars) - must
            elif ins.opname == "STORE_FAST":
                must.add(name)
                may.add(name)
            elif ins.opname == "DELETE_FAST":
                must.discard(name)
                may.discard(name)


def _compute_liveness(blocks: list[BasicBlock], by_start: dict[int, BasicBlock],
                      checked_reads: dict[int, str], captured: frozenset[str],
                      read_at_return: frozenset[str] = frozenset()) -> None:
    """Locals read before being written on some path from each block's entry.

    A checked read of `x` also reads its flag `x?`, which assigning or deleting `x` writes.
    A call may call an inner function, which reads the `captured` locals.
    """
    tracked = set(checked_reads.values())
    uses: dict[int, set[str]] = {}
    defs: dict[int, set[str]] = {}
    for b in blocks:
        u: set[str] = set()
        d: set[str] = set()
        for ins in b.instrs:
            name = ins.argval if isinstance(ins.argval, str) else None
            if ins.opname in ("LOAD_FAST", "LOAD_FAST_CHECK"):
                if name not in d:
                    u.add(name)  # type: ignore[arg-type]
                flag = assigned_flag(str(name))
                if ins.offset in checked_reads and flag not in d:
                    u.add(flag)
            elif ins.opname == "CALL" and captured:
                u |= captured - d
            elif ins.opname == "RETURN_VALUE" and read_at_return:
                u |= read_at_return - d
            elif ins.opname in ("STORE_FAST", "DELETE_FAST"):
                d.add(name)  # type: ignore[arg-type]
                if name in tracked:
                    d.add(assigned_flag(str(name)))
        uses[b.start], defs[b.start] = u, d
    live: dict[int, set[str]] = {b.start: set() for b in blocks}
    changed = True
    while changed:
        changed = False
        for b in reversed(blocks):
            out: set[str] = set()
            for s in b.normal_successors():
                out |= live[s]
            new = uses[b.start] | (out - defs[b.start])
            if b.handler_edge:  # the handler sees the locals as they are at the entry
                new |= live[b.successors[-1]]
            if new != live[b.start]:
                live[b.start] = new
                changed = True
    for b in blocks:
        b.live_in = tuple(sorted(live[b.start]))
