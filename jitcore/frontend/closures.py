"""Inner functions and closures: lifted to functions of their own, captured variables first.

    def outer(a):                         def inner(x, y):     # x: captured, y: its parameter
        x = a + 1                             return x * y
        def inner(y):             ->      def outer(a):
            return x * y                      x = a + 1
        return inner(2.0)                     return inner(x, 2.0)

`def` and `lambda` inside a compiled function become an `InnerFunction` constant
whose `lifted` Python function takes the captured variables as leading parameters
(its code is the inner code with LOAD_DEREF of a free variable turned into
LOAD_FAST). The flow builder passes the captured variables' current values at each
call, so a value assigned after the `def` is seen as Python's cells see it, and the
call is an ordinary call of a jitted function, specialised and inlined like one.
The driver turns each InnerFunction into a dispatcher of its own (compiler._infer).

An inner function that captures nothing is a plain function value: it can be
passed, stored and returned like any jitted function. One that captures variables
is called where it is defined, or passed to a jitted function bound to their
current values (`call bind_closure(inner, x, y)`, typed as a BoundClosure); storing
or returning it is refused (`check_closure_uses`).
"""
from __future__ import annotations

import dis
from types import CodeType, FunctionType
from typing import Any

from jitcore.frontend import ir
from jitcore.frontend.errors import Loc, UnsupportedError

_OP = dis.opmap
_LOCAL_OPS = frozenset(dis.haslocal) | frozenset(dis.hasfree)
_FLAG_DEFAULTS, _FLAG_KWDEFAULTS, _FLAG_ANNOTATIONS, _FLAG_CLOSURE = 1, 2, 4, 8


def bind_closure(function: Any, *captured: Any) -> Any:
    """What passing an inner function that reads enclosing variables does: binds their
    current values to it (the flow builder emits `call bind_closure(inner, x, y)`)."""
    raise AssertionError("only called in compiled code")  # pragma: no cover


class CellRef:
    """What LOAD_CLOSURE pushes: the name of a variable an inner function captures."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"cell({self.name})"


class InnerFunction:
    """A `def` or `lambda` met in compiled code: `lifted(*captured values, *args)`."""

    __slots__ = ("freevars", "lifted", "loc", "outer_name")

    def __init__(self, lifted: FunctionType, freevars: tuple[str, ...], outer_name: str,
                 loc: Loc) -> None:
        self.lifted = lifted
        self.freevars = freevars
        self.outer_name = outer_name
        self.loc = loc

    @property
    def name(self) -> str:
        return self.lifted.__name__

    def __repr__(self) -> str:
        return f"<inner function {self.lifted.__qualname__}>"


def make_inner_function(code: CodeType, outer: FunctionType, flags: int, defaults: Any,
                        cells: Any, loc: Loc) -> InnerFunction:
    """The InnerFunction MAKE_FUNCTION builds from `code` (its operands already popped)."""
    if flags & _FLAG_KWDEFAULTS:
        raise UnsupportedError("keyword-only parameters with defaults are not supported in "
                               "inner functions", loc, "give them no default or make them "
                               "ordinary parameters")
    if flags & _FLAG_DEFAULTS and not (isinstance(defaults, ir.Constant)
                                       and isinstance(defaults.value, tuple)):
        raise UnsupportedError("the default values of an inner function must be constants",
                               loc, "pass the value as an argument instead")
    names = tuple(c.name for c in cells) if flags & _FLAG_CLOSURE else ()
    if names != code.co_freevars:  # pragma: no cover - CPython builds them in this order
        raise UnsupportedError("this inner function's closure is not supported", loc, None)
    lifted_code = _lift_code(code, outer.__code__.co_name)
    lifted = FunctionType(lifted_code, outer.__globals__, code.co_name,
                          defaults.value if flags & _FLAG_DEFAULTS else None)
    lifted.__qualname__ = code.co_qualname
    lifted.__module__ = outer.__module__
    written = tuple(sorted({str(i.argval) for i in dis.get_instructions(code)
                            if i.opname == "STORE_DEREF" and i.argval in code.co_freevars}))
    if written:
        lifted._jc_nonlocals = written  # type: ignore[attr-defined]
    return InnerFunction(lifted, code.co_freevars, outer.__code__.co_name, loc)


def _lift_code(code: CodeType, outer_name: str) -> CodeType:
    """`code` with its free variables as leading parameters (see the module docstring)."""
    free = code.co_freevars
    k = len(free)
    if not k:
        return code
    nvar = len(code.co_varnames)
    cell_only = [c for c in code.co_cellvars if c not in code.co_varnames]
    free_base = nvar + len(cell_only)
    raw = bytearray(code.co_code)
    extended = False
    for ins in dis.get_instructions(code):
        op = raw[ins.offset]
        if op == _OP["COPY_FREE_VARS"]:
            raw[ins.offset], raw[ins.offset + 1] = _OP["NOP"], 0
        elif op in _LOCAL_OPS:
            old = raw[ins.offset + 1]
            is_free = old >= free_base
            name = free[old - free_base] if is_free else ""
            if extended or old + k > 255:
                raise UnsupportedError("an inner function with this many local variables is "
                                       "not supported", _loc(code, ins),
                                       "split it or define it at module level with @njit")
            if is_free and ins.opname == "DELETE_DEREF":
                raise UnsupportedError(
                    f"deleting the variable '{name}' of the enclosing function "
                    f"'{outer_name}' is not supported", _loc(code, ins),
                    f"assign '{name}' a value instead")
            if is_free and ins.opname not in ("LOAD_DEREF", "STORE_DEREF"):
                raise UnsupportedError(
                    f"an inner function of an inner function that reads '{name}' of "
                    f"'{outer_name}' is not supported", _loc(code, ins),
                    f"pass '{name}' to it as an argument")
            if is_free:
                fast = "LOAD_FAST" if ins.opname == "LOAD_DEREF" else "STORE_FAST"
                raw[ins.offset], raw[ins.offset + 1] = _OP[fast], old - free_base
            else:
                raw[ins.offset + 1] = old + k
        extended = op == _OP["EXTENDED_ARG"]
    posonly = code.co_posonlyargcount + k if code.co_posonlyargcount else 0
    varnames = free + code.co_varnames
    return code.replace(co_code=bytes(raw), co_varnames=varnames, co_freevars=(),
                        co_argcount=code.co_argcount + k, co_posonlyargcount=posonly,
                        co_nlocals=len(varnames))


def nonlocals_of(func: Any) -> tuple[str, ...]:
    """The enclosing variables a lifted inner function assigns (`nonlocal`): each of its
    returns hands back (result, *their values), and its callers assign them."""
    return getattr(func, "_jc_nonlocals", ())


def _loc(code: CodeType, ins: dis.Instruction) -> Loc:
    pos = ins.positions
    return Loc(code.co_filename, (pos.lineno if pos else None) or 0,
               pos.col_offset if pos else None, pos.end_lineno if pos else None,
               pos.end_col_offset if pos else None, code.co_name)


def _captures(v: Any) -> InnerFunction | None:
    """The InnerFunction `v` is, if it is a constant one that captures variables."""
    if isinstance(v, ir.Constant) and isinstance(v.value, InnerFunction) and v.value.freevars:
        return v.value
    return None


def check_closure_uses(fn: ir.Function) -> None:
    """An inner function that captures variables is only called, never used as a value."""
    for block in fn.blocks():
        uses: list[tuple[ir.Value, Loc, ir.Op | None]] = [
            (v, op.loc, op) for op in block.ops if not _binds(op)
            for v in ([*op.args, *op.kwargs] if isinstance(op, ir.Call) else op.sources())]
        assert block.exit is not None
        uses += [(v, block.exit.loc, None) for v in block.exit.sources()]
        for v, loc, op in uses:
            inner = _captures(v)
            if inner is None:
                continue
            if isinstance(op, ir.Call) and isinstance(op.func, ir.Constant) and (
                    op.func.value is inner):
                raise UnsupportedError(
                    f"the inner function '{inner.name}' calls itself, which is not supported",
                    loc, f"define '{inner.name}' at module level and decorate it with @njit")
            captured = ", ".join(inner.freevars)
            raise UnsupportedError(
                f"the inner function '{inner.name}' reads variables of '{inner.outer_name}' "
                f"({captured}): it can be called, or passed to a jitted function, not "
                "stored or returned", loc,
                f"pass {captured} to '{inner.name}' as arguments, or define it at module "
                "level and decorate it with @njit")


def _binds(op: ir.Op) -> bool:
    return (isinstance(op, ir.Call) and isinstance(op.func, ir.Constant)
            and op.func.value is bind_closure)


def inner_function_constants(fn: ir.Function) -> list[ir.Constant]:
    """Every constant of `fn` that holds an InnerFunction (for the driver to compile)."""
    found: list[ir.Constant] = []
    for block in fn.blocks():
        assert block.exit is not None
        values = [v for op in block.ops for v in op.sources()] + list(block.exit.sources())
        values += [v for link in block.exit.links() for v in link.args]
        found += [v for v in values
                  if isinstance(v, ir.Constant) and isinstance(v.value, InnerFunction)]
    return list({id(c): c for c in found}.values())
