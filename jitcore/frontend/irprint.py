"""Print flow graphs as text: for tests, `inspect_types()` and debugging.

    def f(n: int64) -> int64:
      entry(n0: int64):
        jump block0(n0)
      block0(n1: int64):
        # line 3: return n + 1
        v0: int64 = add n1, 1
        return v0

Variables are renamed per function (`total0`, `total1`, `v0`, ...) in the
order they are printed, so the text does not depend on how many graphs were
built before: the data-driven tests in tests/data/ compare it verbatim.
"""
from __future__ import annotations

import linecache
from typing import Any

from jitcore.frontend import ir


class _Names:
    """Stable per-function names: the base of a Variable's name plus a counter per base."""

    def __init__(self) -> None:
        self.names: dict[int, str] = {}
        self.counts: dict[str, int] = {}

    def __call__(self, v: ir.Value) -> str:
        if not isinstance(v, ir.Variable):
            return repr(v)
        name = self.names.get(id(v))
        if name is None:
            base = v.name.rsplit("_", 1)[0]
            k = self.counts.get(base, 0)
            self.counts[base] = k + 1
            name = self.names[id(v)] = f"{base}{k}"
        return name

    def typed(self, v: ir.Variable) -> str:
        return f"{self(v)}: {v.type}" if v.type is not None else self(v)


def format_op(op: ir.Op, name: _Names | None = None) -> str:
    """One op as `result = opname operands`."""
    name = name or _Names()
    lhs = f"{name.typed(op.result)} = " if op.result is not None else ""
    if isinstance(op, ir.BinOp):
        body = f"{op.opname} {name(op.lhs)}, {name(op.rhs)}"
    elif isinstance(op, ir.UnaryOp):
        body = f"{op.opname} {name(op.operand)}"
    elif isinstance(op, ir.Call):
        args = [name(a) for a in op.args] + [f"{k}={name(v)}" for k, v in
                                             zip(op.kwnames, op.kwargs)]
        body = f"call {name(op.func)}({', '.join(args)})"
    elif isinstance(op, ir.GetAttr):
        body = f"getattr {name(op.obj)}.{op.attr}"
    elif isinstance(op, ir.GetItem):
        body = f"getitem {name(op.obj)}[{name(op.index)}]"
    elif isinstance(op, ir.SetItem):
        body = f"setitem {name(op.obj)}[{name(op.index)}] = {name(op.value)}"
    elif isinstance(op, ir.BuildTuple):
        items = ", ".join(name(i) for i in op.items)
        body = (f"buildlist [{items}]" if op.is_list
                else f"buildtuple ({items}{',' if len(op.items) == 1 else ''})")
    elif isinstance(op, ir.TupleItem):
        body = f"tupleitem {name(op.tup)}[{op.index}]"
    elif isinstance(op, ir.UnpackCheck):
        body = f"unpackcheck {name(op.seq)}, {op.count}"
    else:
        body = f"{type(op).__name__.lower()} {', '.join(name(s) for s in op.sources())}"
    return lhs + body


def format_exit(exit: ir.Exit, name: _Names | None = None) -> str:
    """A block exit: jump, branch, return or raise, with the values its links pass."""
    name = name or _Names()

    def link(lk: ir.Link) -> str:
        return f"{lk.target!r}({', '.join(name(a) for a in lk.args)})"

    # inside a `try`: where an exception raised in the block goes
    on_raise = "" if exit.handler is None else f"  except -> {link(exit.handler)}"
    if isinstance(exit, ir.Jump):
        return f"jump {link(exit.link)}{on_raise}"
    if isinstance(exit, ir.Branch):
        return (f"branch {name(exit.cond)} ? {link(exit.if_true)} : {link(exit.if_false)}"
                f"{on_raise}")
    if isinstance(exit, ir.Return):
        return f"return {name(exit.value)}{on_raise}"
    if isinstance(exit, ir.Raise):
        return f"raise {name(exit.exc)}{on_raise}"
    return type(exit).__name__


def format_function(fn: ir.Function, with_source: bool = False) -> str:
    """The whole graph, blocks in bytecode order; `with_source` adds `# line N: ...`."""
    name = _Names()
    params = ", ".join(f"{a}: {v.type}" if v.type is not None else a
                       for a, v in zip(fn.argnames, fn.entry.inputargs))
    ret = f" -> {fn.return_type}" if fn.return_type is not None else ""
    lines = [f"def {fn.name}({params}){ret}:"]
    last_line: int | None = None

    def source(loc: Any) -> None:
        nonlocal last_line
        if with_source and loc.line and loc.line != last_line:
            last_line = loc.line
            src = linecache.getline(loc.filename, loc.line).strip()
            lines.append(f"    # line {loc.line}: {src}")

    for block in sorted(fn.blocks(), key=lambda b: b.label):  # bytecode order, entry first
        args = ", ".join(name.typed(v) for v in block.inputargs)
        lines.append(f"  {block!r}({args}):")
        for op in block.ops:
            source(op.loc)
            lines.append(f"    {format_op(op, name)}")
        assert block.exit is not None
        source(block.exit.loc)
        lines.append(f"    {format_exit(block.exit, name)}")
    return "\n".join(lines)


def format_typed(py_func: Any, fn: ir.Function) -> str:
    """The typed IR of one overload, interleaved with the source lines it came from."""
    header = f"{py_func.__qualname__} ({fn.loc.filename})"
    return header + "\n" + "-" * len(header) + "\n" + format_function(fn, with_source=True)
