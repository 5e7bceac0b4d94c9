"""Type inference: give every variable of a flow graph a type, by fixpoint over its blocks.

    annotate(graph, (int64, float64), callees)
    graph.entry.inputargs[0].type       # int64
    graph.return_type                   # float64

Types enter at the parameters and at constants, flow through ops by the
registered typing rules (each op keeps its `Signature` in `op.sig` for the
lowering) and merge where links meet a block (`unify`). A block is revisited
when one of its argument types widens; the lattice is finite, so this stops.

Calls to other jitted functions ask `callees.signature_of(dispatcher, argtypes)`
for the callee's signature; it returns None while that callee's own inference
is still in progress (recursion). Such a call leaves its result untyped for a
round, and rounds repeat until the return type stops changing, so a recursive
function takes its type from its non-recursive return paths.
"""
from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable
from types import FunctionType
from typing import Any, Protocol

from jitcore.frontend import ir
from jitcore.frontend.closures import bind_closure
from jitcore.frontend.errors import JitError, Loc, TypingError, with_loc
from jitcore.frontend.operations import plain, symbol

from . import narrowing, registry
from . import types as t
from .typeof import typeof_constant

MAX_ROUNDS = 20


class CalleeResolver(Protocol):
    def signature_of(self, dispatcher: Any, argtypes: tuple[t.Type, ...]) -> t.Signature | None:
        ...


def annotate(fn: ir.Function, argtypes: tuple[t.Type, ...], callees: CalleeResolver,
             publish: Callable[[t.Type | None], None] | None = None,
             partial_ok: Callable[[], bool] | None = None) -> None:
    """Type every value of `fn` for these argument types; raises TypingError on a conflict.

    `publish` is told each widening of the return type, for recursive calls to see.
    If `partial_ok()` is true at the end (a provisional round of a recursive cycle, whose
    result is thrown away), values left untyped by pending recursive calls are no error.
    """
    if len(argtypes) != len(fn.entry.inputargs):
        raise TypingError(f"{fn.name}() takes {len(fn.entry.inputargs)} arguments "
                          f"but {len(argtypes)} were given", fn.loc)
    registry.ensure_domains_for(argtypes)  # array types need the NumPy rules, NumPy or not
    checking = os.environ.get("JITCORE_CHECK_IR", "") not in ("", "0")
    if checking:  # tests set JITCORE_CHECK_IR=1: every graph is checked before and after
        from jitcore.frontend.ircheck import check_graph

        check_graph(fn)
    _Annotator(fn, callees, publish or (lambda ty: None)).run(argtypes, partial_ok)
    if checking and not (partial_ok is not None and partial_ok()):
        from jitcore.frontend.ircheck import check_typed

        check_typed(fn)


class _Annotator:
    def __init__(self, fn: ir.Function, callees: CalleeResolver,
                 publish: Callable[[t.Type | None], None]) -> None:
        self.fn = fn
        self.callees = callees
        self.publish = publish
        self.return_type: t.Type | None = None
        self.changed = False
        self.pending_calls = False
        self.consts: dict[int, Any] = {}  # id(variable) -> its compile-time value
        self.decisions: dict[int, bool] = {}  # id(branch) -> the side it always takes
        self.reached = {id(fn.entry)}  # blocks some typed link leads to

    def run(self, argtypes: tuple[t.Type, ...],
            partial_ok: Callable[[], bool] | None = None) -> None:
        for v, ty in zip(self.fn.entry.inputargs, argtypes):
            v.type = ty
        for _ in range(MAX_ROUNDS):
            self.changed = False
            self.pending_calls = False
            previous = self.return_type
            self._fixpoint()
            if not self.changed and previous == self.return_type:
                break
        narrowing.prune(self.fn, self.decisions)  # untaken sides are never typed nor lowered
        if partial_ok is None or not partial_ok():
            self._check_complete()
        self.fn.return_type = self.return_type if self.return_type is not None else t.none

    def _fixpoint(self) -> None:
        queue: deque[ir.Block] = deque(b for b in self.fn.blocks() if id(b) in self.reached)
        queued = {id(b) for b in queue}
        while queue:
            block = queue.popleft()
            queued.discard(id(block))
            if any(v.type is None for v in block.inputargs):
                continue  # reached later, once every argument has a type
            for op in block.ops:
                self._type_op(op)
            assert block.exit is not None
            links, narrowed = self._taken_links(block, block.exit)
            self._type_exit(block.exit)
            for link in links:
                first = id(link.target) not in self.reached
                self.reached.add(id(link.target))
                grew = self._merge(link, block.exit.loc, narrowed.get(id(link), {}))
                if (grew or first) and id(link.target) not in queued:
                    queue.append(link.target)
                    queued.add(id(link.target))

    def _taken_links(self, block: ir.Block, exit: ir.Exit) -> tuple[
            list[ir.Link], dict[int, dict[int, t.Type]]]:
        """The links typing follows out of `block` (one, if a branch's condition is a
        compile-time constant) and the Optional values each narrows (typeinfer.narrowing)."""
        if not isinstance(exit, ir.Branch) or self._type_of(exit.cond) is None:
            return exit.links(), {}
        decision = narrowing.decide(exit, self.consts)
        if decision is None:
            self.decisions.pop(id(exit), None)
            return exit.links(), narrowing.narrowed(exit, block)
        self.decisions[id(exit)] = decision
        return [exit.if_true if decision else exit.if_false], {}

    def _merge(self, link: ir.Link, loc: Loc, narrowed: dict[int, t.Type] | None = None) -> bool:
        grew = False
        for arg, param in zip(link.args, link.target.inputargs):
            ty = self._type_of(arg)
            if ty is None:
                continue
            ty = (narrowed or {}).get(id(arg), ty)
            if param.type is None:
                param.type = ty
                grew = True
                continue
            merged = t.unify(param.type, ty)
            if merged is None:
                raise TypingError(
                    f"variable '{_source_name(param)}' has type {param.type} on one path and "
                    f"{ty} on another", loc,
                    "give the variable the same type on every path")
            if merged != param.type:
                param.type = merged
                grew = True
        if grew:
            self.changed = True
        return grew

    def _type_of(self, v: ir.Value) -> t.Type | None:
        if isinstance(v, ir.Constant) and v.type is None:
            v.type = _constant_type(v.value)
            if v.type is None:
                raise TypingError(f"cannot use a value of type {type(v.value).__name__} in "
                                  f"compiled code: {v.value!r}")
        return v.type  # type: ignore[no-any-return]

    def _set(self, op: ir.Op, ty: t.Type | None) -> None:
        if op.result is not None and ty is not None and op.result.type != ty:
            op.result.type = ty

    def _type_op(self, op: ir.Op, final: bool = False) -> None:
        try:
            types = [self._type_of(v) for v in op.sources()]
            # A local assigned later in a loop is `undefined` until the back edge is typed.
            if any(ty is None or (not final and isinstance(ty, t.Undefined)) for ty in types):
                self.pending_calls = True
                return
            handler = _OP_TYPERS[type(op)]
            handler(self, op, *types)
            if op.result is not None:
                value = narrowing.fold(op, self.consts)
                if value is narrowing.NOT_CONSTANT:
                    self.consts.pop(id(op.result), None)
                else:
                    self.consts[id(op.result)] = value
        except JitError as exc:
            raise with_loc(exc, op.loc) from None

    def _type_exit(self, exit: ir.Exit, final: bool = False) -> None:
        try:
            types = [self._type_of(v) for v in exit.sources()]
            # As for ops: `if x:` after a loop that assigns x waits for the back edge's type.
            if any(ty is None or (not final and isinstance(ty, t.Undefined)) for ty in types):
                return
            if isinstance(exit, ir.Return):
                ty = exit.value.type
                if isinstance(ty, t.PyObjectConst) and isinstance(ty.value, str):
                    raise TypingError(f"cannot return the string {ty.value!r} from compiled "
                                      "code", None, _STR_NOTE)
                merged = ty if self.return_type is None else t.unify(self.return_type, ty)
                if merged is None:
                    raise TypingError(f"{self.fn.name}() returns {self.return_type} on one path "
                                      f"and {ty} on another", None,
                                      "return values of one type on every path")
                if merged != self.return_type:
                    self.return_type = merged
                    self.publish(merged)
            elif isinstance(exit, ir.Branch) and id(exit) not in self.decisions:
                exit.sig = _require(registry.resolve("truth", exit.cond.type),
                                    f"cannot use {exit.cond.type} as a condition")
            elif isinstance(exit, ir.Raise):
                _check_raisable(exit.exc.type)
        except JitError as exc:
            raise with_loc(exc, exit.loc) from None

    def _check_complete(self) -> None:
        for block in self.fn.blocks():
            if any(v.type is None for v in block.inputargs):
                continue
            for op in block.ops:
                if any(isinstance(v.type, t.Undefined) for v in op.sources()):
                    self._type_op(op, final=True)  # the typer's own error for an undefined
                if op.result is not None and op.result.type is None:
                    raise TypingError(
                        f"cannot infer the type of this expression in {self.fn.name}()", op.loc,
                        "a recursive function needs a return path that does not recurse")
            assert block.exit is not None
            if any(isinstance(v.type, t.Undefined) for v in block.exit.sources()):
                self._type_exit(block.exit, final=True)

    # --- one typer per op class ------------------------------------------------------------

    def binop(self, op: ir.BinOp, lhs: t.Type, rhs: t.Type) -> None:
        sig = _resolve(op.opname, lhs, rhs)
        if sig is None and plain(op.opname) != op.opname:
            sig = _resolve(plain(op.opname), lhs, rhs)
        if sig is None and op.opname in ("is_", "is_not"):
            sig = registry.resolve(op.opname, rhs, lhs)
            if sig is not None:
                op.lhs, op.rhs = op.rhs, op.lhs
        if sig is None and any(isinstance(x, t.NoneType) for x in (lhs, rhs)):
            raise TypingError(
                f"unsupported operand type(s) for {symbol(op.opname)}: "
                f"{_python_name(lhs)!r} and {_python_name(rhs)!r} (the value is None on "
                "every path here)", None,
                "give the variable a value on every path, or check `is not None` first")
        strings = any(isinstance(x, t.PyObjectConst) and isinstance(x.value, str)
                      for x in (lhs, rhs))
        op.sig = _require(sig, f"unsupported operand types for {symbol(op.opname)}: "
                               f"{lhs} and {rhs}", _STR_NOTE if strings else None)
        self._set(op, op.sig.return_type)

    def unaryop(self, op: ir.UnaryOp, operand: t.Type) -> None:
        op.sig = _require(_resolve(op.opname, operand),
                          f"unsupported operand type for unary {symbol(op.opname)}: {operand}")
        self._set(op, op.sig.return_type)

    def call(self, op: ir.Call, func: t.Type, *argtypes: t.Type) -> None:
        npos = len(op.args)
        args, kws = tuple(argtypes[:npos]), dict(zip(op.kwnames, argtypes[npos:]))
        if isinstance(func, t.Dispatcher):
            if not kws:
                _check_arg_count(func.dispatcher.py_func, len(args))
            if op.kwnames or len(op.args) != func.dispatcher.arity:
                # Bind keywords and defaults as Python does, once: the call becomes positional.
                op.args = func.dispatcher.bind_ir(op.args, dict(zip(op.kwnames, op.kwargs)))
                op.kwnames, op.kwargs = (), []
                args = tuple(self._type_of(v) for v in op.args)  # type: ignore[misc]
                if any(a is None for a in args):
                    self.pending_calls = True
                    return
            sig = self.callees.signature_of(func.dispatcher, args)
            if sig is None:  # the callee is still being inferred (recursion)
                self.pending_calls = True
                return
            op.sig, op.target = sig, func.dispatcher
        elif isinstance(func, t.BoundClosure):
            full = (*func.items, *args)
            if kws or func.function.dispatcher.arity != len(full):
                raise TypingError(f"{func} is called with {len(args)} arguments by position, "
                                  f"but takes {func.function.dispatcher.arity - len(func.items)}",
                                  None, "pass its own arguments, by position")
            sig = self.callees.signature_of(func.function.dispatcher, full)
            if sig is None:
                self.pending_calls = True
                return
            op.sig, op.target = t.Signature(sig.return_type, (func, *args)), sig
        elif isinstance(func, t.PyObjectConst) and func.value is bind_closure:
            assert isinstance(args[0], t.Dispatcher)
            op.sig = t.Signature(t.BoundClosure(args[1:], args[0]), args)
            op.target = bind_closure
        elif isinstance(func, t.FunctionChoice):
            sigs = self._choice_signatures(func, args, kws)
            if sigs is None:
                self.pending_calls = True
                return
            op.sig, op.target = _common_signature(func, sigs, args), sigs
        elif isinstance(func, t.PyObjectConst):
            callee = func.value
            if isinstance(callee, type) and issubclass(callee, BaseException):
                op.sig, op.target = _exception_signature(callee, op, args, kws), "exception"
            else:
                if op.target is not callee:  # bind to the declared parameters, once
                    args, kws = self._bind(op, callee, registry.bind_call(
                        callee, op.args, dict(zip(op.kwnames, op.kwargs)), ir.Constant), args, kws)
                sig = registry.resolve_call(callee, args, kws)
                if sig is None and callee is not isinstance and _has_optional(args):
                    sig = registry.resolve_call(callee, _unwrapped(args), kws)
                name = getattr(callee, "__qualname__", repr(callee))
                if sig is None and not registry.has_call_rule(callee):
                    raise TypingError(f"{_module_prefix(callee)}{name}() is not supported in "
                                      "compiled code", None, _unsupported_call_note(callee))
                shown = ", ".join([*map(str, args), *(f"{k}={v}" for k, v in kws.items())])
                op.sig = _require(sig, f"{name}() does not accept arguments ({shown})")
                op.target = callee
        else:
            # A bound method (complex.conjugate, later array methods): keyed by its type's class.
            if isinstance(func, t.BoundMethod) and op.target is not type(func):
                args, kws = self._bind(op, type(func), registry.bind_method(
                    func.this, func.attr, op.args, dict(zip(op.kwnames, op.kwargs)),
                    ir.Constant), args, kws)
            sig = registry.resolve_call(type(func), (func, *args), kws)
            op.sig = _require(sig, f"cannot call a value of type {func}")
            op.target = type(func)
        self._set(op, op.sig.return_type)

    def _choice_signatures(self, func: t.FunctionChoice, args: tuple[t.Type, ...],
                           kws: dict[str, t.Type]) -> list[t.Signature] | None:
        """The signature of each function a run-time choice may call; None while pending."""
        if kws:
            raise TypingError(f"a call of {func} takes positional arguments only", None,
                              "pass the arguments by position")
        sigs = []
        for option in func.options:
            if option.dispatcher.arity != len(args):
                raise TypingError(f"{func} is called with {len(args)} arguments, but "
                                  f"{option.dispatcher.py_func.__name__}() takes "
                                  f"{option.dispatcher.arity}", None,
                                  "choose between functions that take the same arguments")
            sig = self.callees.signature_of(option.dispatcher, args)
            if sig is None:
                return None
            sigs.append(sig)
        return sigs

    def _bind(self, op: ir.Call, target: Any, bound: list[ir.Value] | None,
              args: tuple[t.Type, ...], kws: dict[str, t.Type]) -> tuple[
                  tuple[t.Type, ...], dict[str, t.Type]]:
        """The call made positional in parameter order (defaults as constants), once."""
        if bound is None:
            return args, kws
        op.args, op.kwnames, op.kwargs, op.target = bound, (), [], target
        return tuple(self._type_of(v) for v in bound), {}  # type: ignore[misc]

    def getattr(self, op: ir.GetAttr, obj: t.Type) -> None:
        note = None
        if isinstance(obj, t.Optional) and registry.resolve_attr(obj.base, op.attr) is not None:
            note = "the value may be None here: check `is not None` first, then use it"
        ty = _require(registry.resolve_attr(obj, op.attr), f"{obj} has no attribute '{op.attr}'",
                      note)
        op.sig = t.Signature(ty, (obj,))
        self._set(op, ty)

    def getitem(self, op: ir.GetItem, obj: t.Type, index: t.Type) -> None:
        if isinstance(obj, t.Tuple) and isinstance(op.index, ir.Constant) and isinstance(
                op.index.value, int) and not isinstance(op.index.value, bool):
            n, i = len(obj.items), op.index.value
            if not -n <= i < n:
                raise TypingError(f"tuple index {i} is out of range for {obj}")
            op.sig = t.Signature(obj.items[i], (obj, index))
        else:
            note = None
            if isinstance(obj, t.Tuple) and isinstance(index, (t.Integer, t.Boolean)):
                note = ("a tuple whose items differ in type can be indexed with constants only"
                        if obj.items else "the tuple is empty")
            op.sig = _require(_resolve("getitem", obj, index),
                              f"cannot index {obj} with {index}", note)
        self._set(op, op.sig.return_type)

    def setitem(self, op: ir.SetItem, obj: t.Type, index: t.Type, value: t.Type) -> None:
        op.sig = _require(_resolve("setitem", obj, index, value),
                          f"cannot assign {value} to an item of {obj}",
                          "tuples are immutable" if isinstance(obj, t.Tuple) else None)

    def buildtuple(self, op: ir.BuildTuple, *items: t.Type) -> None:
        self._set(op, t.Tuple(tuple(items)))

    def tupleitem(self, op: ir.TupleItem, tup: t.Type) -> None:
        if not isinstance(tup, t.Tuple):
            raise TypingError(f"cannot unpack a value of type {tup}", None,
                              "only tuples can be unpacked")
        self._set(op, tup.items[op.index])

    def unpackcheck(self, op: ir.UnpackCheck, seq: t.Type) -> None:
        if isinstance(seq, t.Tuple) and len(seq.items) != op.count:
            raise TypingError(f"cannot unpack {seq} into {op.count} values")

    def getiter(self, op: ir.GetIter, obj: t.Type) -> None:
        note = None
        if isinstance(obj, t.Tuple):
            note = ("only tuples whose items share one type can be iterated" if obj.items
                    else "the tuple is empty, so the loop's variable has no type")
        op.sig = _require(registry.resolve("iter", obj), f"{obj} is not iterable", note)
        self._set(op, op.sig.return_type)

    def iternext(self, op: ir.IterNext, it: t.Type) -> None:
        op.sig = _require(registry.resolve("iternext", it), f"{it} is not an iterator")
        self._set(op, t.Tuple((op.sig.return_type, t.boolean)))


_OP_TYPERS: dict[type, Callable[..., None]] = {
    ir.BinOp: _Annotator.binop, ir.UnaryOp: _Annotator.unaryop, ir.Call: _Annotator.call,
    ir.GetAttr: _Annotator.getattr, ir.GetItem: _Annotator.getitem,
    ir.SetItem: _Annotator.setitem, ir.BuildTuple: _Annotator.buildtuple,
    ir.TupleItem: _Annotator.tupleitem, ir.UnpackCheck: _Annotator.unpackcheck,
    ir.GetIter: _Annotator.getiter, ir.IterNext: _Annotator.iternext,
}


_STR_NOTE = "strings are supported only as constant arguments of exceptions"


def _check_arg_count(py_func: Any, given: int) -> None:
    """A call to a jitted function passes as many arguments as Python would accept."""
    code = py_func.__code__
    most = code.co_argcount
    least = most - len(py_func.__defaults__ or ())
    if not least <= given <= most:
        takes = f"{most}" if least == most else f"from {least} to {most}"
        plural = "" if most == 1 and least == most else "s"
        raise TypingError(f"{py_func.__name__}() takes {takes} positional argument{plural} but "
                          f"{given} {'was' if given == 1 else 'were'} given")


def _common_signature(func: t.FunctionChoice, sigs: list[t.Signature],
                      args: tuple[t.Type, ...]) -> t.Signature:
    ret = sigs[0].return_type
    for sig in sigs[1:]:
        merged = t.unify(ret, sig.return_type)
        if merged is None:
            raise TypingError(f"the functions of {func} return {ret} and {sig.return_type}, so "
                              "a call of either has no one result type", None,
                              "choose between functions that return the same type")
        ret = merged
    return t.Signature(ret, (func, *args))


def _constant_type(value: Any) -> t.Type | None:
    if type(value).__name__ == "_Undefined":
        return t.undefined
    if isinstance(value, slice) or value is Ellipsis:  # t[1:], a[..., 0]: seen via the type
        return t.PyObjectConst(value)
    if type(value) is tuple and any(v is Ellipsis for v in value):  # a[..., 0] folded by Python
        items = [_constant_type(v) for v in value]
        return None if None in items else t.Tuple(tuple(items))  # type: ignore[arg-type]
    if isinstance(value, BaseException):  # a module-level exception instance, to raise
        return t.ExceptionValue(type(value), value.args)
    return typeof_constant(value)


def _resolve(key: str, *types: t.Type) -> t.Signature | None:
    """registry.resolve, trying an Optional operand as its base type when no rule takes it:
    lowering then checks at run time that the value is not None (TypeError, as CPython)."""
    sig = registry.resolve(key, *types)
    if sig is None and key not in ("is_", "is_not") and _has_optional(types):
        sig = registry.resolve(key, *_unwrapped(types))
    return sig


def _python_name(ty: t.Type) -> str:
    return "NoneType" if isinstance(ty, t.NoneType) else str(ty)


def _has_optional(types: tuple[t.Type, ...]) -> bool:
    return any(isinstance(ty, t.Optional) for ty in types)


def _unwrapped(types: tuple[t.Type, ...]) -> tuple[t.Type, ...]:
    return tuple(ty.base if isinstance(ty, t.Optional) else ty for ty in types)


def _require(value: Any, message: str, note: str | None = None) -> Any:
    if value is None:
        raise TypingError(message, None, note)
    return value


def _exception_signature(cls: type, op: ir.Call, args: tuple[t.Type, ...],
                         kws: dict[str, t.Type]) -> t.Signature:
    runtime = tuple(None if isinstance(a, ir.Constant) else ty for a, ty in zip(op.args, args))
    if kws or any(ty is not None and not ty.is_number for ty in runtime):
        raise TypingError(f"{cls.__name__}(...) in compiled code takes constants and numbers "
                          "only", None, "write the message as a string literal")
    values = tuple(a.value if isinstance(a, ir.Constant) else None for a in op.args)
    if any(ty is not None for ty in runtime):  # numbers computed at run time
        return t.Signature(t.ExceptionWithValues(cls, values, runtime), args)
    return t.Signature(t.ExceptionValue(cls, values), args)


def _check_raisable(ty: t.Type) -> None:
    ok = isinstance(ty, (t.ExceptionValue, t.ExceptionWithValues, t.CaughtException)) or (
        isinstance(ty, t.PyObjectConst) and isinstance(ty.value, type)
        and issubclass(ty.value, BaseException))
    if not ok:
        raise TypingError(f"cannot raise a value of type {ty}", None,
                          "raise an exception class or an instance built from constants")


def _unsupported_call_note(callee: Any) -> str | None:
    if callee is print:
        return "return the values and print them outside compiled code"
    if isinstance(callee, FunctionType):
        return "decorate it with @njit if it is your own function"
    if isinstance(callee, type):
        return "only numbers, tuples and exception classes can be created in compiled code"
    return None


def _module_prefix(obj: Any) -> str:
    mod = getattr(obj, "__module__", None)
    return f"{mod}." if mod and mod not in ("builtins", "__main__") else ""


def _source_name(v: ir.Variable) -> str:
    return v.name.rsplit("_", 1)[0]
