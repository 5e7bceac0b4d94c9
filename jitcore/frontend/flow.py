"""Build the flow-graph IR of a Python function by abstract interpretation of its bytecode.

    def f(n):                       block0(n):
        total = 0                     v1 = call range(n)
        for i in range(n):            v2 = getiter v1
            total += i                jump block6(v2, 0)
        return total              ->  block6(it, total):
                                      v3 = iternext it
                                      ...

Each basic block (from jitcore.frontend.bytecode) becomes one IR block whose arguments
are its live locals followed by the entries of its entry stack that differ between the
paths into it. An entry that every path passes unchanged and that is no IR variable (the
NULL below a callable, a frozen global such as `math.sqrt`, a literal) is carried into the
block as it is, so `f(x if c else y)` still calls `f` itself. Blocks are built in reverse
postorder, so every forward path into a block is known before the block is. One handler per opcode,
named after it, pushes and pops IR values on an abstract stack and appends
ops. Globals and closure cells are read once and frozen into constants.
"""
from __future__ import annotations

import builtins
import enum
from collections.abc import Callable
from types import CodeType, FunctionType
from typing import Any, NoReturn

from jitcore.frontend import ir
from jitcore.frontend.bytecode import BasicBlock, DecodedCode, Instr, assigned_flag, decode
from jitcore.frontend.closures import (CellRef, InnerFunction, bind_closure,
                                       check_closure_uses, make_inner_function, nonlocals_of)
from jitcore.frontend.errors import CompilerBug, Loc, TypingError, UnsupportedError
from jitcore.frontend.listdisplays import check_list_displays


class _Null:
    """The NULL CPython pushes below a callable (LOAD_GLOBAL, PUSH_NULL, LOAD_METHOD)."""

    def __repr__(self) -> str:
        return "NULL"


NULL = _Null()


class _Undefined:
    """Passed along a link for a local that is not assigned on that path."""

    def __repr__(self) -> str:
        return "UNDEFINED"


UNDEFINED = ir.Constant(_Undefined())
TRUE, FALSE = ir.Constant(True), ir.Constant(False)
# What an exceptional edge pushes: the exception, still in the error indicator until a
# handler's PUSH_EXC_INFO takes it, and (for cleanup handlers) the offset of the raise.
PENDING = ir.Constant(ir.PendingError)
LASTI = ir.Constant(-1)
# The name of the variables holding a caught exception (a bare `raise` looks for them).
_EXCINFO = "excinfo"

_COMPARE = {"<": "lt", "<=": "le", "==": "eq", "!=": "ne", ">": "gt", ">=": "ge"}
_UNARY = {"UNARY_NEGATIVE": "neg", "UNARY_POSITIVE": "pos", "UNARY_INVERT": "invert",
          "UNARY_NOT": "not_"}
# Constructs that are valid Python but not compiled, with what to do instead.
_UNSUPPORTED = {
    "BUILD_MAP": ("dicts are not supported yet", None),
    "BUILD_SET": ("sets are not supported yet", None),
    "BUILD_CONST_KEY_MAP": ("dicts are not supported yet", None),
    "LIST_APPEND": ("list comprehensions are not supported yet", "use a loop over an array"),
    "STORE_GLOBAL": ("assigning to a global variable is not supported",
                     "return the value instead"),
    "STORE_ATTR": ("assigning to attributes is not supported", None),
    "CALL_FUNCTION_EX": ("calls with *args or **kwargs are not supported",
                         "pass the arguments one by one"),
    "FORMAT_VALUE": ("f-strings are not supported in compiled code", None),
    "BUILD_STRING": ("string building is not supported in compiled code", None),
    "IMPORT_NAME": ("import statements are not supported inside compiled functions",
                    "import at module level"),
    "YIELD_VALUE": ("generators are not supported", None),
    "SETUP_ANNOTATIONS": ("annotations are not supported", None),
}


def build_flow_graph(func: FunctionType) -> ir.Function:
    """The flow graph of `func`, with globals and closure cells folded in as constants."""
    code = func.__code__
    decoded = decode(code, func.__name__, nonlocals_of(func))
    builder = _FlowBuilder(func, decoded)
    fn = builder.build()
    if builder.early_reads & builder.inner_locals.keys():
        # A block reading an inner function was built before the block defining it (a
        # `def` in a loop, called after it): build again, knowing it from the start.
        again = _FlowBuilder(func, decoded)
        again.inner_locals = dict(builder.inner_locals)
        fn = again.build()
    return fn


def _store_counts(decoded: DecodedCode) -> dict[str, int]:
    counts: dict[str, int] = {}
    for bb in decoded.blocks:
        for ins in bb.instrs:
            if ins.opname in ("STORE_FAST", "DELETE_FAST"):
                counts[str(ins.argval)] = counts.get(str(ins.argval), 0) + 1
    return counts


def _negative_int_literal(v: Any) -> bool:
    return (isinstance(v, ir.Constant) and type(v.value) is int  # not bool, not np.int64
            and v.value < 0)


def _reverse_postorder(decoded: DecodedCode) -> list[BasicBlock]:
    """The blocks in reverse postorder: each after every block that reaches it by a
    forward edge."""
    seen: set[int] = set()
    order: list[BasicBlock] = []
    first = decoded.blocks[0]
    stack: list[tuple[BasicBlock, int]] = [(first, 0)]
    seen.add(first.start)
    while stack:
        bb, i = stack.pop()
        if i < len(bb.successors):
            stack.append((bb, i + 1))
            succ = decoded.by_start[bb.successors[i]]
            if succ.start not in seen:
                seen.add(succ.start)
                stack.append((succ, 0))
        else:
            order.append(bb)
    order.reverse()
    return order


def _loop_headers(decoded: DecodedCode) -> frozenset[int]:
    """Blocks entered by a back edge: a successor that comes no later in reverse postorder."""
    position = {bb.start: i for i, bb in enumerate(_reverse_postorder(decoded))}
    return frozenset(s for bb in decoded.blocks for s in bb.successors
                     if s in position and position[s] <= position[bb.start])


class _FlowBuilder:
    def __init__(self, func: FunctionType, decoded: DecodedCode) -> None:
        self.func = func
        self.code = decoded.code
        self.decoded = decoded
        self.blocks: dict[int, ir.Block] = {}
        self.ops: list[ir.Op] = []
        self.stack: list[Any] = []
        self.locals: dict[str, ir.Value] = {}
        self.kwnames: tuple[str, ...] = ()
        self.exit: ir.Exit | None = None
        self.current: BasicBlock | None = None
        self.ins: Instr = decoded.blocks[0].instrs[0]
        # Links into blocks not built yet, with the stack each carries.
        self.incoming: dict[int, list[tuple[ir.Link, list[Any]]]] = {}
        # Each built block's entry stack: a block argument or the entry itself.
        self.entry_stacks: dict[int, list[Any]] = {}
        self.loop_headers = _loop_headers(decoded)
        # Locals assigned once, to an inner function: read as that constant everywhere.
        self.inner_locals: dict[str, ir.Constant] = {}
        self.stores = _store_counts(decoded)
        self.early_reads: set[str] = set()  # read before their one store was built

    def build(self) -> ir.Function:
        code = self.code
        argnames = list(code.co_varnames[: code.co_argcount + code.co_kwonlyargcount])
        for bb in self.decoded.blocks:
            self.blocks[bb.start] = ir.Block([ir.Variable(n) for n in bb.live_in],
                                             label=bb.start)
        params = [ir.Variable(n) for n in argnames]
        entry = ir.Block(params, label=-1)
        first = self.decoded.blocks[0]
        loc = first.instrs[0].loc
        env: dict[str, ir.Value] = dict(zip(argnames, params))
        env.update({assigned_flag(n): TRUE for n in argnames if n in self.decoded.tracked})
        entry.exit = ir.Jump(loc, self._link(first.start, env, []))
        for bb in _reverse_postorder(self.decoded):
            self._build_block(bb)
        fn = ir.Function(self.func.__name__, self.func.__qualname__, argnames, entry, loc)
        check_list_displays(fn)
        check_closure_uses(fn)
        return fn

    def _link(self, target: int, env: dict[str, ir.Value], stack: list[Any]) -> ir.Link:
        bb = self.decoded.by_start[target]
        if len(stack) != bb.depth_in:
            self._bug(f"a jump to offset {target} carries {len(stack)} stack entries, "
                      f"not {bb.depth_in}")
        # A local missing on this path passes UNDEFINED; its "assigned" flag, False.
        args = [env.get(n, FALSE if n.endswith("?") else UNDEFINED) for n in bb.live_in]
        link = ir.Link(self.blocks[target], args)
        layout = self.entry_stacks.get(target)
        if layout is None:  # not built yet: its stack is decided when it is (_enter)
            self.incoming.setdefault(target, []).append((link, list(stack)))
        else:  # a back edge: pass what the block takes as arguments
            self._pass_stack(link, layout, stack)
        return link

    def _enter(self, bb: BasicBlock) -> list[Any]:
        """The entry stack of `bb`, from the stacks of the (forward) paths into it.

        An entry that every path passes as the same object and that is no variable (NULL,
        a global or a literal) stays what it is; any other becomes a block argument. A
        block entered by a back edge (a loop header) takes each entry as an argument.
        """
        block = self.blocks[bb.start]
        incoming = self.incoming.pop(bb.start, [])
        back_edge = bb.start in self.loop_headers
        layout: list[Any] = []
        for i in range(bb.depth_in):
            values = [stack[i] for _, stack in incoming]
            first = values[0] if values else None
            if (not back_edge and values and not isinstance(first, ir.Variable)
                    and all(v is first for v in values)):
                layout.append(first)
            else:
                excinfo = isinstance(first, ir.Variable) and first.name.startswith(_EXCINFO)
                arg = ir.Variable(_EXCINFO if excinfo else "stack")
                block.inputargs.append(arg)
                layout.append(arg)
        self.entry_stacks[bb.start] = layout
        for link, stack in incoming:
            self._pass_stack(link, layout, stack)
        return layout

    def _pass_stack(self, link: ir.Link, layout: list[Any], stack: list[Any]) -> None:
        for slot, value in zip(layout, stack):
            if not isinstance(slot, ir.Variable):
                if value is not slot:
                    self._bug(f"a path into {link.target} carries {value!r} where the "
                              f"others carry {slot!r}")
            elif value is NULL or not isinstance(value, ir.Value):
                self._bug(f"a path into {link.target} carries {value!r} where the "
                          "others carry values")
            else:
                link.args.append(value)

    def _bug(self, what: str) -> NoReturn:
        raise CompilerBug(f"internal error while building the flow graph of "
                          f"{self.func.__qualname__}: {what}", self.ins.loc)

    def _build_block(self, bb: BasicBlock) -> None:
        block = self.blocks[bb.start]
        n = len(bb.live_in)
        self.locals = dict(zip(bb.live_in, block.inputargs[:n]))
        self.stack = self._enter(bb)
        entry_locals, entry_stack = dict(self.locals), list(self.stack)
        self.ops = block.ops
        self.exit = None
        self.current = bb
        for ins in bb.instrs:
            self.ins = ins
            handler = getattr(self, ins.opname, None)
            if handler is None:
                self._unsupported(ins)
            handler(ins)
        if self.exit is None:  # falls through into the next block
            nxt = next(b.start for b in self.decoded.blocks if b.start > bb.start)
            self.exit = ir.Jump(bb.instrs[-1].loc, self._link(nxt, self.locals, self.stack))
        if bb.handler is not None:  # an exception raised here enters the handler
            h = bb.handler
            pushed = [LASTI, PENDING] if h.lasti else [PENDING]
            self.exit.handler = self._link(h.target, entry_locals, entry_stack[:h.depth] + pushed)
        block.exit = self.exit

    def _unsupported(self, ins: Instr) -> NoReturn:
        what, note = _UNSUPPORTED.get(ins.opname, (f"the bytecode {ins.opname} is not supported",
                                                    None))
        raise UnsupportedError(what, ins.loc, note)

    # --- helpers -----------------------------------------------------------------------

    def push(self, v: Any) -> None:
        self.stack.append(v)

    def pop(self) -> Any:
        return self.stack.pop()

    def popn(self, n: int) -> list[Any]:
        if n == 0:
            return []
        vals = self.stack[-n:]
        del self.stack[-n:]
        return vals

    def emit(self, op_cls: Callable[..., ir.Op], *args: Any, name: str = "v") -> ir.Variable:
        result = ir.Variable(name)
        self.ops.append(op_cls(result, self.ins.loc, *args))
        return result

    # --- opcode handlers (named as in `dis`, after jitcore.frontend.bytecode's renames) ----------

    def NOP(self, ins: Instr) -> None:
        pass

    RESUME = PRECALL = COPY_FREE_VARS = MAKE_CELL = EXTENDED_ARG = CACHE = NOP

    def LOAD_CONST(self, ins: Instr) -> None:
        self.push(ir.Constant(ins.argval))

    def LOAD_FAST(self, ins: Instr) -> None:
        name = ins.argval
        assert isinstance(name, str)
        v = self.locals.get(name)
        if v is None or v is UNDEFINED or ins.offset in self.decoded.unassigned_reads:
            raise UnsupportedError(f"local variable '{name}' is used before it is assigned",
                                   ins.loc, "assign it on every path before this line")
        if ins.offset in self.decoded.checked_reads:  # assigned on some paths only
            flag = self.locals[assigned_flag(name)]
            self.ops.append(ir.Call(None, ins.loc, ir.Constant(ir.check_assigned),
                                    [flag, ir.Constant(name)]))
        if name not in self.inner_locals and self.stores.get(name) == 1:
            self.early_reads.add(name)
        self.push(self.inner_locals.get(name, v))

    LOAD_FAST_CHECK = LOAD_FAST

    def STORE_FAST(self, ins: Instr) -> None:
        name = str(ins.argval)
        self.locals[name] = self.pop()
        value = self.locals[name]
        if isinstance(value, ir.Constant) and isinstance(value.value, InnerFunction):
            if self.stores.get(name) == 1:
                self.inner_locals.setdefault(name, value)
            elif value.value.freevars:
                inner = value.value
                raise UnsupportedError(
                    f"the inner function '{inner.name}' reads variables of "
                    f"'{inner.outer_name}' ({', '.join(inner.freevars)}) and '{name}' is "
                    "assigned more than once", ins.loc,
                    "give each inner function a name of its own and assign it once")
        if name in self.decoded.tracked:
            self.locals[assigned_flag(name)] = TRUE

    def DELETE_FAST(self, ins: Instr) -> None:
        name = str(ins.argval)
        self.locals.pop(name, None)
        if name in self.decoded.tracked:
            self.locals[assigned_flag(name)] = FALSE

    def LOAD_GLOBAL(self, ins: Instr) -> None:
        if ins.arg is not None and ins.arg & 1:
            self.push(NULL)
        self.push(ir.Constant(self._global(str(ins.argval), ins.loc)))

    def _global(self, name: str, loc: Loc) -> Any:
        g = self.func.__globals__
        if name in g:
            return g[name]
        b = g.get("__builtins__", builtins)
        b = b if isinstance(b, dict) else vars(b)
        if name in b:
            return b[name]
        raise TypingError(f"name '{name}' is not defined", loc)

    def LOAD_DEREF(self, ins: Instr) -> None:
        name = str(ins.argval)
        free = self.code.co_freevars
        if name not in free:
            raise UnsupportedError(f"variable '{name}' is captured by an inner function",
                                   ins.loc, "inner functions are not supported")
        cell = self.func.__closure__[free.index(name)]  # type: ignore[index]
        try:
            value = cell.cell_contents
        except ValueError:
            raise TypingError(f"free variable '{name}' is not bound yet", ins.loc) from None
        self.push(ir.Constant(value))

    LOAD_CLASSDEREF = LOAD_DEREF

    def LOAD_CLOSURE(self, ins: Instr) -> None:
        name = str(ins.argval)
        if name not in self.code.co_cellvars:
            raise UnsupportedError(f"an inner function that reads the variable '{name}' of "
                                   "an enclosing Python function is not supported", ins.loc,
                                   f"pass '{name}' to it as an argument")
        self.push(CellRef(name))

    def MAKE_FUNCTION(self, ins: Instr) -> None:
        code = self.stack[-1].value if isinstance(self.stack[-1], ir.Constant) else None
        if getattr(code, "co_name", "") in ("<listcomp>", "<setcomp>", "<dictcomp>",
                                             "<genexpr>"):
            raise UnsupportedError("comprehensions and generator expressions are not supported "
                                   "in compiled code", ins.loc, "write the loop out")
        if not isinstance(code, CodeType):
            self._bug(f"MAKE_FUNCTION of {self.stack[-1]!r}, not of a code object")
        self.pop()
        flags = ins.arg or 0
        cells = self.pop() if flags & 8 else ()
        if flags & 4:
            self.pop()  # annotations: not needed
        kwdefaults = self.pop() if flags & 2 else None
        defaults = self.pop() if flags & 1 else None
        del kwdefaults
        inner = make_inner_function(code, self.func, flags, defaults, cells, ins.loc)
        self.push(ir.Constant(inner))

    def STORE_DEREF(self, ins: Instr) -> None:
        name = str(ins.argval)
        if name in self.code.co_cellvars:
            raise UnsupportedError(f"variable '{name}' is captured by an inner function",
                                   ins.loc, "inner functions are not supported")
        raise UnsupportedError(f"assigning to the variable '{name}' of an enclosing function "
                               "is not supported", ins.loc, "return the value instead")

    def LOAD_ATTR(self, ins: Instr) -> None:
        obj = self.pop()
        self.push(self._attr(obj, str(ins.argval)))

    def _attr(self, obj: Any, attr: str) -> ir.Value:
        # Attributes of modules and classes are frozen like globals (math.pi, np.float64).
        if isinstance(obj, ir.Constant) and isinstance(obj.value, type) and isinstance(
                getattr(obj.value, attr, None), int) and isinstance(obj.value, enum.EnumMeta):
            return ir.Constant(getattr(obj.value, attr))  # an IntEnum member: its int value
        if isinstance(obj, ir.Constant) and isinstance(obj.value, type(builtins)):
            if not hasattr(obj.value, attr):
                raise TypingError(f"module '{obj.value.__name__}' has no attribute '{attr}'",
                                  self.ins.loc)
            return ir.Constant(getattr(obj.value, attr))
        return self.emit(ir.GetAttr, obj, attr)

    def LOAD_METHOD(self, ins: Instr) -> None:
        obj = self.pop()
        self.push(NULL)
        self.push(self._attr(obj, str(ins.argval)))

    def PUSH_NULL(self, ins: Instr) -> None:
        self.push(NULL)

    def KW_NAMES(self, ins: Instr) -> None:
        self.kwnames = tuple(self.code.co_consts[ins.arg])  # type: ignore[index]

    def CALL(self, ins: Instr) -> None:
        argc = ins.arg or 0
        args = self.popn(argc)
        callable_or_self = self.pop()
        head = self.pop()
        if head is NULL:
            func = callable_or_self
        else:  # a method and its self, as LOAD_METHOD leaves them unbound
            func, args = head, [callable_or_self, *args]
        args = [self._bound(a, ins) for a in args]
        inner = func.value if isinstance(func, ir.Constant) else None
        if isinstance(inner, InnerFunction):
            args = [*self._captured(inner, ins), *args]
            written = nonlocals_of(inner.lifted)
            if written:  # it returns (result, *new values of its nonlocal variables)
                kwnames, self.kwnames = self.kwnames, ()
                nkw = len(kwnames)
                pos, kws = (args[:-nkw], args[-nkw:]) if nkw else (args, [])
                both = self.emit(ir.Call, func, pos, kwnames, kws)
                for k, name in enumerate(written, 1):
                    self.locals[name] = self.emit(ir.TupleItem, both, k)
                    if name in self.decoded.tracked:
                        self.locals[assigned_flag(name)] = TRUE
                self.push(self.emit(ir.TupleItem, both, 0))
                return
        kwnames, self.kwnames = self.kwnames, ()
        nkw = len(kwnames)
        pos, kws = (args[:-nkw], args[-nkw:]) if nkw else (args, [])
        self.push(self.emit(ir.Call, func, pos, kwnames, kws))

    def _bound(self, arg: Any, ins: Instr) -> Any:
        """An argument that is an inner function reading enclosing variables, bound to
        their current values (a closure passed to another jitted function)."""
        inner = arg.value if isinstance(arg, ir.Constant) else None
        if not isinstance(inner, InnerFunction) or not inner.freevars or nonlocals_of(
                inner.lifted):
            return arg
        if any(self.locals.get(n) is arg for n in inner.freevars):
            return arg  # it reads itself: refused as recursion (check_closure_uses)
        return self.emit(ir.Call, ir.Constant(bind_closure), [arg, *self._captured(inner, ins)],
                         (), [])

    def _captured(self, inner: InnerFunction, ins: Instr) -> list[ir.Value]:
        """The current values of the variables `inner` captures: its leading arguments."""
        values = []
        unassigned = self.decoded.unassigned_captures.get(ins.offset, frozenset())
        for name in inner.freevars:
            v = self.locals.get(name)
            if v is None or v is UNDEFINED or name in unassigned:
                raise UnsupportedError(f"the inner function '{inner.name}' reads '{name}', "
                                       "which is not assigned on every path to this call",
                                       ins.loc,
                                       f"assign '{name}' before calling '{inner.name}'")
            values.append(self.inner_locals.get(name, v))
        return values

    def BINARY_OP(self, ins: Instr) -> None:
        rhs = self.pop()
        lhs = self.pop()
        opname = str(ins.argval)
        if opname in ("pow", "ipow") and _negative_int_literal(rhs):
            # Python: 2 ** -2 is 0.25 and 0 ** -1 raises ZeroDivisionError, at run time; a
            # float exponent gives that result type for every base (as Numba does).
            rhs = ir.Constant(float(rhs.value))
        self.push(self.emit(ir.BinOp, opname, lhs, rhs))

    def COMPARE_OP(self, ins: Instr) -> None:
        rhs = self.pop()
        lhs = self.pop()
        self.push(self.emit(ir.BinOp, _COMPARE[str(ins.argval)], lhs, rhs))

    def IS_OP(self, ins: Instr) -> None:
        rhs = self.pop()
        lhs = self.pop()
        self.push(self.emit(ir.BinOp, "is_not" if ins.arg else "is_", lhs, rhs))

    def CONTAINS_OP(self, ins: Instr) -> None:
        container = self.pop()
        item = self.pop()
        self.push(self.emit(ir.BinOp, "not_in" if ins.arg else "in_", item, container))

    def UNARY_NEGATIVE(self, ins: Instr) -> None:
        self.push(self.emit(ir.UnaryOp, _UNARY[ins.opname], self.pop()))

    UNARY_POSITIVE = UNARY_INVERT = UNARY_NOT = UNARY_NEGATIVE

    def BINARY_SUBSCR(self, ins: Instr) -> None:
        index = self.pop()
        obj = self.pop()
        self.push(self.emit(ir.GetItem, obj, index))

    def STORE_SUBSCR(self, ins: Instr) -> None:
        index = self.pop()
        obj = self.pop()
        value = self.pop()
        self.ops.append(ir.SetItem(None, ins.loc, obj, index, value))

    def BUILD_SLICE(self, ins: Instr) -> None:
        parts = self.popn(ins.arg or 0)
        if all(isinstance(p, ir.Constant) for p in parts):  # t[1:], t[::-1]: known now
            self.push(ir.Constant(slice(*(p.value for p in parts))))
        else:
            self.push(self.emit(ir.Call, ir.Constant(slice), parts, (), []))

    def BUILD_TUPLE(self, ins: Instr) -> None:
        items = self.popn(ins.arg or 0)
        if items and all(isinstance(i, CellRef) for i in items):  # an inner function's cells
            self.push(tuple(items))
            return
        self.push(self.emit(ir.BuildTuple, items))

    def BUILD_LIST(self, ins: Instr) -> None:
        """A list display, `[a, b]`; jitcore/listdisplays.py checks how it is used."""
        self.push(self.emit(ir.BuildTuple, self.popn(ins.arg or 0), True))

    def LIST_EXTEND(self, ins: Instr) -> None:
        """`[1.0, 2.0, 3.0]` is BUILD_LIST 0, LOAD_CONST (1.0, 2.0, 3.0), LIST_EXTEND 1."""
        extra = self.pop()
        target = self.stack[-(ins.arg or 1)]
        op = self._op_of(target)
        if not (isinstance(extra, ir.Constant) and isinstance(extra.value, tuple)
                and isinstance(op, ir.BuildTuple) and op.is_list):
            raise UnsupportedError("lists are not supported yet, except list displays "
                                   "such as [a, b, 1.0]", ins.loc, "use a tuple or a NumPy array")
        op.items = [*op.items, *(ir.Constant(v) for v in extra.value)]

    def _op_of(self, v: Any) -> ir.Op | None:
        """The op of this block that defined `v`, if any."""
        return next((op for op in reversed(self.ops) if op.result is v), None)

    def UNPACK_SEQUENCE(self, ins: Instr) -> None:
        seq = self.pop()
        count = ins.arg or 0
        items = [self.emit(ir.TupleItem, seq, i) for i in range(count)]
        self.ops.append(ir.UnpackCheck(None, ins.loc, seq, count))
        for v in reversed(items):
            self.push(v)

    def POP_TOP(self, ins: Instr) -> None:
        self.pop()

    def COPY(self, ins: Instr) -> None:
        self.push(self.stack[-(ins.arg or 1)])

    def SWAP(self, ins: Instr) -> None:
        n = ins.arg or 1
        self.stack[-1], self.stack[-n] = self.stack[-n], self.stack[-1]

    def GET_ITER(self, ins: Instr) -> None:
        self.push(self.emit(ir.GetIter, self.pop(), name="it"))

    def FOR_ITER(self, ins: Instr) -> None:
        it = self.stack[-1]
        pair = self.emit(ir.IterNext, it)
        value = self.emit(ir.TupleItem, pair, 0)
        valid = self.emit(ir.TupleItem, pair, 1, name="valid")
        assert self.current is not None and ins.target is not None
        go_on = self._link(self._fallthrough(), self.locals, [*self.stack, value])
        done = self._link(ins.target, self.locals, self.stack[:-1])
        self.exit = ir.Branch(ins.loc, valid, go_on, done)

    def _fallthrough(self) -> int:
        assert self.current is not None
        return next(b.start for b in self.decoded.blocks if b.start > self.current.start)

    def JUMP(self, ins: Instr) -> None:
        assert ins.target is not None
        self.exit = ir.Jump(ins.loc, self._link(ins.target, self.locals, self.stack))

    def _branch(self, ins: Instr, cond: ir.Value, jump_if: bool, keep_on_jump: list[Any],
                keep_on_fall: list[Any]) -> None:
        assert ins.target is not None
        jump = self._link(ins.target, self.locals, keep_on_jump)
        fall = self._link(self._fallthrough(), self.locals, keep_on_fall)
        t, f = (jump, fall) if jump_if else (fall, jump)
        self.exit = ir.Branch(ins.loc, cond, t, f)

    def POP_JUMP_IF_FALSE(self, ins: Instr) -> None:
        cond = self.pop()
        self._branch(ins, cond, False, self.stack, self.stack)

    def POP_JUMP_IF_TRUE(self, ins: Instr) -> None:
        cond = self.pop()
        self._branch(ins, cond, True, self.stack, self.stack)

    def POP_JUMP_IF_NONE(self, ins: Instr) -> None:
        v = self.pop()
        cond = self.emit(ir.BinOp, "is_", v, ir.Constant(None))
        self._branch(ins, cond, True, self.stack, self.stack)

    def POP_JUMP_IF_NOT_NONE(self, ins: Instr) -> None:
        v = self.pop()
        cond = self.emit(ir.BinOp, "is_not", v, ir.Constant(None))
        self._branch(ins, cond, True, self.stack, self.stack)

    def JUMP_IF_FALSE_OR_POP(self, ins: Instr) -> None:
        cond = self.stack[-1]
        self._branch(ins, cond, False, self.stack, self.stack[:-1])

    def JUMP_IF_TRUE_OR_POP(self, ins: Instr) -> None:
        cond = self.stack[-1]
        self._branch(ins, cond, True, self.stack, self.stack[:-1])

    def RETURN_VALUE(self, ins: Instr) -> None:
        value = self.pop()
        written = nonlocals_of(self.func)
        if written:  # an inner function hands its nonlocal variables back to its caller
            value = self.emit(ir.BuildTuple, [value, *(self.locals[n] for n in written)])
        self.exit = ir.Return(ins.loc, value)

    def LOAD_ASSERTION_ERROR(self, ins: Instr) -> None:
        self.push(ir.Constant(AssertionError))

    def RAISE_VARARGS(self, ins: Instr) -> None:
        if not ins.arg:  # re-raise the exception being handled
            caught = next((v for v in reversed(self.stack) if isinstance(v, ir.Variable)
                           and v.name.startswith(_EXCINFO)), None)
            if caught is None:
                raise UnsupportedError("a bare 'raise' outside an 'except' clause is not "
                                       "supported", ins.loc,
                                       "raise an exception class or instance")
            self._reraise(caught)
            return
        args = self.popn(ins.arg)
        self.exit = ir.Raise(ins.loc, args[0])

    # --- try statements: see jitcore.frontend.bytecode and the helpers in ir.py -----------

    def PUSH_EXC_INFO(self, ins: Instr) -> None:
        if self.pop() is not PENDING:
            self._bug("PUSH_EXC_INFO outside an exception handler")
        # The caught exception stands for itself in sys.exc_info's slot below it, where a
        # bare `raise` finds it; its reference is counted like an array's (lowering).
        caught = self.emit(ir.Call, ir.Constant(ir.fetch_exception), [], name=_EXCINFO)
        self.push(caught)
        self.push(caught)

    def CHECK_EXC_MATCH(self, ins: Instr) -> None:
        classes = self.pop()
        op = self._op_of(classes)
        if isinstance(op, ir.BuildTuple) and all(isinstance(c, ir.Constant) for c in op.items):
            self.ops.remove(op)  # `except (A, B):` passes each class
            items = list(op.items)
        elif isinstance(classes, ir.Constant) and isinstance(classes.value, tuple):
            items = [ir.Constant(c) for c in classes.value]
        else:
            items = [classes]
        if not all(isinstance(c, ir.Constant) for c in items):
            raise UnsupportedError("'except' takes exception classes named in the code", ins.loc,
                                   "write the classes, or a tuple of them, after 'except'")
        self.push(self.emit(ir.Call, ir.Constant(ir.exception_matches),
                            [self.stack[-1], *items]))

    def POP_EXCEPT(self, ins: Instr) -> None:
        self.pop()

    def RERAISE(self, ins: Instr) -> None:
        self._reraise(self.pop())

    def _reraise(self, exc: Any) -> None:
        if exc is not PENDING:  # a caught exception: set it again
            self.ops.append(ir.Call(None, self.ins.loc, ir.Constant(ir.restore_exception),
                                    [exc]))
        self.exit = ir.Raise(self.ins.loc, PENDING)
