"""Check the invariants of a flow graph; tests run it on every graph they build.

    check_graph(fn)     # after jitcore.frontend.flow: structure only
    check_typed(fn)     # after typeinfer.annotator: also every value has a type

Invariants (rpython's `checkgraph`, mypyc's `ircheck`):
- every block has an exit, and every link passes one value per argument of its target;
- every variable is defined once: as an argument of one block or the result of one op;
- every variable an op, an exit or a link reads is an argument of the same block or the
  result of an earlier op in it (no value flows between blocks except through links);
- the entry block has no predecessors, so its arguments are exactly the parameters;
- after inference, every variable has a type and every op that needs a signature has one.

A violation is a compiler bug, reported as `IRCheckError` listing every problem found.
"""
from __future__ import annotations

from jitcore.frontend import ir


class IRCheckError(AssertionError):
    """The graph breaks an invariant of jitcore.frontend.ir; the message lists each problem."""


def check_graph(fn: ir.Function) -> None:
    """Raise IRCheckError if `fn`'s structure breaks an invariant of the IR."""
    problems = _structure_problems(fn)
    if problems:
        raise IRCheckError(f"invalid flow graph of {fn.name}():\n  " + "\n  ".join(problems))


def check_typed(fn: ir.Function) -> None:
    """Like check_graph, and every value, op signature and the return type are set."""
    problems = _structure_problems(fn)
    if fn.return_type is None:
        problems.append("the function has no return type")
    for block in _reachable(fn):
        for v in block.inputargs:
            if v.type is None:
                problems.append(f"{block!r}: argument {v.name} has no type")
        for op in block.ops:
            if op.result is not None and op.result.type is None:
                problems.append(f"{block!r}: {op.result.name} has no type")
            if getattr(op, "sig", True) is None:
                problems.append(f"{block!r}: {type(op).__name__} -> {op.result} has no signature")
            problems += [f"{block!r}: constant {c!r} has no type" for c in op.sources()
                         if isinstance(c, ir.Constant) and c.type is None]
        if isinstance(block.exit, ir.Branch) and block.exit.sig is None:
            problems.append(f"{block!r}: branch on {block.exit.cond} has no truth signature")
    if problems:
        raise IRCheckError(f"invalid typed graph of {fn.name}():\n  " + "\n  ".join(problems))


def _structure_problems(fn: ir.Function) -> list[str]:
    problems: list[str] = []
    defined_in: dict[int, ir.Block] = {}

    def define(v: ir.Variable, block: ir.Block) -> None:
        if id(v) in defined_in:
            problems.append(f"{block!r}: {v.name} is defined more than once")
        defined_in[id(v)] = block

    for block in _reachable(fn):
        visible: set[int] = set()
        for v in block.inputargs:
            define(v, block)
            visible.add(id(v))
        for op in block.ops:
            problems += _unreadable(block, visible, op.sources(), type(op).__name__)
            if op.result is not None:
                define(op.result, block)
                visible.add(id(op.result))
        if block.exit is None:
            problems.append(f"{block!r} has no exit")
            continue
        problems += _unreadable(block, visible, block.exit.sources(),
                                type(block.exit).__name__)
        for link in block.exit.links():
            problems += _unreadable(block, visible, link.args, f"the link to {link.target!r}")
            if len(link.args) != len(link.target.inputargs):
                problems.append(f"{block!r}: the link to {link.target!r} passes "
                                f"{len(link.args)} values for {len(link.target.inputargs)} "
                                "arguments")
            if link.target is fn.entry:
                problems.append(f"{block!r} jumps back to the entry block")
    if len(fn.entry.inputargs) != len(fn.argnames):
        problems.append(f"the entry block has {len(fn.entry.inputargs)} arguments for "
                        f"{len(fn.argnames)} parameters")
    return problems


def _reachable(fn: ir.Function) -> list[ir.Block]:
    """Blocks reachable from the entry; unlike Function.blocks(), tolerates missing exits."""
    seen = {id(fn.entry)}
    order = [fn.entry]
    for block in order:
        for link in block.exit.links() if block.exit is not None else ():
            if id(link.target) not in seen:
                seen.add(id(link.target))
                order.append(link.target)
    return order


def _unreadable(block: ir.Block, visible: set[int], values: list[ir.Value],
                where: str) -> list[str]:
    """Problems with values read in `block` where only `visible` variables are defined."""
    problems = []
    for v in values:
        if isinstance(v, ir.Variable) and id(v) not in visible:
            problems.append(f"{block!r}: {where} reads {v.name}, which is not defined in this "
                            "block")
        elif not isinstance(v, (ir.Variable, ir.Constant)):
            problems.append(f"{block!r}: {where} reads {v!r}, which is not a value")
    return problems
