"""Print flow graphs as text: for tests, `inspect_types()` and debugging.

    def f(n: int64) -> int64:
      # line 3: total = 0
      block-1(n_1: int64):
        jump block2(n_1, 0)
      ...
"""
from __future__ import annotations

import linecache
from typing import Any

from jitcore import ir


def _name(v: ir.Value) -> str:
    return repr(v)


def _typed(v: ir.Variable) -> str:
    return f"{v.name}: {v.type}" if v.type is not None else v.name


def format_op(op: ir.Op) -> str:
    lhs = f"{_typed(op.result)} = " if op.result is not None else ""
    if isinstance(op, ir.BinOp):
        body = f"{op.opname} {_name(op.lhs)}, {_name(op.rhs)}"
    elif isinstance(op, ir.UnaryOp):
        body = f"{op.opname} {_name(op.operand)}"
    elif isinstance(op, ir.Call):
        args = [_name(a) for a in op.args] + [f"{k}={_name(v)}" for k, v in
                                              zip(op.kwnames, op.kwargs)]
        body = f"call {_name(op.func)}({', '.join(args)})"
    elif isinstance(op, ir.GetAttr):
        body = f"getattr {_name(op.obj)}.{op.attr}"
    elif isinstance(op, ir.TupleItem):
        body = f"tupleitem {_name(op.tup)}[{op.index}]"
    elif isinstance(op, ir.UnpackCheck):
        body = f"unpackcheck {_name(op.seq)}, {op.count}"
    else:
        body = f"{type(op).__name__.lower()} {', '.join(_name(s) for s in op.sources())}"
    return lhs + body


def format_exit(exit: ir.Exit) -> str:
    def link(lk: ir.Link) -> str:
        return f"{lk.target!r}({', '.join(_name(a) for a in lk.args)})"

    if isinstance(exit, ir.Jump):
        return f"jump {link(exit.link)}"
    if isinstance(exit, ir.Branch):
        return f"branch {_name(exit.cond)} ? {link(exit.if_true)} : {link(exit.if_false)}"
    if isinstance(exit, ir.Return):
        return f"return {_name(exit.value)}"
    if isinstance(exit, ir.Raise):
        return f"raise {_name(exit.exc)}"
    return type(exit).__name__


def format_function(fn: ir.Function, with_source: bool = False) -> str:
    params = ", ".join(f"{a}: {v.type}" if v.type is not None else a
                       for a, v in zip(fn.argnames, fn.entry.inputargs))
    ret = f" -> {fn.return_type}" if fn.return_type is not None else ""
    lines = [f"def {fn.name}({params}){ret}:"]
    last_line = None
    for block in fn.blocks():
        args = ", ".join(_typed(v) for v in block.inputargs)
        lines.append(f"  {block!r}({args}):")
        for op in block.ops:
            if with_source and op.loc.line != last_line:
                last_line = op.loc.line
                src = linecache.getline(op.loc.filename, op.loc.line).strip()
                lines.append(f"    # line {op.loc.line}: {src}")
            lines.append(f"    {format_op(op)}")
        assert block.exit is not None
        lines.append(f"    {format_exit(block.exit)}")
    return "\n".join(lines)


def format_typed(py_func: Any, fn: ir.Function) -> str:
    """The typed IR of one overload, interleaved with the source lines it came from."""
    header = f"{py_func.__qualname__} ({fn.loc.filename})"
    return header + "\n" + "-" * len(header) + "\n" + format_function(fn, with_source=True)
