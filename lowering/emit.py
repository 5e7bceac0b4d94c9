"""Emit a typed flow graph as an LLVM function, in the native calling convention.

    i32 @<symbol>(<ret>* %retptr, <arg0>, <arg1>, ...)

returns 0 with the result stored through %retptr, or 1 with a Python
exception set (the caller propagates the 1; inside a `try`, an error jumps to the
block's handler link instead, see `_Emitter.raise_to_handler`). Graph blocks become LLVM blocks;
block arguments become phis fed by the links; every op is handed to the
implementation registered for its key and operand types.
"""
from __future__ import annotations

from typing import Any, Protocol

from llvmlite import ir

from jitcore.frontend import ir as jir
from jitcore.frontend.closures import bind_closure
from jitcore.frontend.errors import LoweringError, with_loc
from jitcore.frontend.operations import plain
from jitcore.typeinfer import types as t

from . import aliasing, registry, signfacts
from .context import Context, ModuleInfo
from .models import DUMMY, is_compile_time_only, llvm_type
from .refcount import holds_memory, plan_refcounts


class CalleeSymbols(Protocol):
    """What lowering asks the driver about other jitted functions."""

    def native_symbol(self, dispatcher: Any, argtypes: tuple[t.Type, ...]) -> str:
        ...

    def signature_of(self, dispatcher: Any, argtypes: tuple[t.Type, ...]) -> t.Signature | None:
        ...

    def library(self, name: str) -> Any:
        """The jitted routine `name` ("module.function") of jitcore.library."""
        ...


def native_function_type(return_type: t.Type, argtypes: tuple[t.Type, ...]) -> ir.FunctionType:
    return ir.FunctionType(ir.IntType(32), [llvm_type(return_type).as_pointer(),
                                            *(llvm_type(a) for a in argtypes)])


def emit_function(fn: jir.Function, symbol: str, module: ir.Module, info: ModuleInfo,
                  callees: CalleeSymbols, options: dict[str, Any]) -> ir.Function:
    """Add `fn` to `module` as the native function `symbol`."""
    argtypes = tuple(v.type for v in fn.entry.inputargs)
    llfn = ir.Function(module, native_function_type(fn.return_type, argtypes), symbol)
    llfn.attributes.add("nounwind")
    nonneg_calls = signfacts.nonneg_first_operands(fn)

    def emit_body(target: ir.Function) -> None:
        target.attributes.add("nounwind")
        _Emitter(fn, Context(module, target, info, callees, options), nonneg_calls).emit()

    if aliasing.wants_versions(fn):  # a body for disjoint arrays, one for overlapping ones
        if aliasing.emit_versions(llfn, argtypes, emit_body):
            info.alias_versions = True
            info.strided_versions |= not aliasing.contiguous_only(fn)
    else:
        emit_body(llfn)
    return llfn


class _Emitter:
    def __init__(self, fn: jir.Function, ctx: Context, nonneg_calls: set[int]) -> None:
        self.fn = fn
        self.ctx = ctx
        self.nonneg_calls = nonneg_calls
        self.values: dict[int, ir.Value] = {}
        self.llblocks: dict[int, ir.Block] = {}
        self.refs = plan_refcounts(fn)

    def emit(self) -> None:
        ctx = self.ctx
        blocks = list(self.fn.blocks())
        for block in blocks:
            name = f"b{block.label}" if block.label >= 0 else "start"
            self.llblocks[id(block)] = ctx.llfn.append_basic_block(name)
        ctx.b.branch(self.llblocks[id(blocks[0])])  # the entry block keeps allocas only
        retptr, *params = ctx.llfn.args
        retptr.name = "retptr"
        ctx.retptr = retptr
        for v, param in zip(self.fn.entry.inputargs, params):
            param.name = v.name
            self.values[id(v)] = param
        for block in blocks[1:]:
            ctx.b.position_at_end(self.llblocks[id(block)])
            for v in block.inputargs:
                self.values[id(v)] = (DUMMY if is_compile_time_only(v.type)
                                      else ctx.b.phi(llvm_type(v.type), name=v.name))
        for block in blocks:
            ctx.b.position_at_end(self.llblocks[id(block)])
            assert block.exit is not None
            handler = block.exit.handler
            ctx.error_handler = None if handler is None else (
                lambda link=handler: self.raise_to_handler(link))
            self.live_now: list[jir.Value] = []
            for dead in self.refs.at_block_start.get(id(block), ()):
                ctx.decref(self.value(dead), dead.type)
            for op in block.ops:
                self.live_now = self.refs.live_during.get(id(op), [])
                ctx.live_references = [(self.value(v), v.type) for v in self.live_now]
                try:
                    self.emit_op(op)
                except LoweringError as exc:
                    raise with_loc(exc, op.loc) from None
                for dead in self.refs.after_op.get(id(op), ()):
                    ctx.decref(self.value(dead), dead.type)
            assert block.exit is not None
            self.current = block
            self.emit_exit(block.exit)

    def value(self, v: jir.Value) -> ir.Value:
        if isinstance(v, jir.Constant):
            return self.ctx.constant(v.value, v.type)
        return self.values[id(v)]

    def operands(self, values: list[jir.Value], sig: t.Signature) -> list[ir.Value]:
        return [self.ctx.cast(self.value(v), v.type, ty) for v, ty in zip(values, sig.args)]

    def implementation(self, key: Any, sig: t.Signature, what: str) -> Any:
        impl = registry.find(key, sig.args)
        if impl is None and isinstance(key, str) and plain(key) != key:
            impl = registry.find(plain(key), sig.args)
        if impl is None:
            raise LoweringError(f"no native implementation of {what} for {sig}")
        return impl

    def set(self, op: jir.Op, llv: ir.Value | None) -> None:
        if op.result is not None:
            self.values[id(op.result)] = DUMMY if llv is None else llv

    def set_shared(self, op: jir.Op, llv: ir.Value) -> None:
        """Set a result that shares memory with an operand: it takes its own reference."""
        self.set(op, llv)
        if op.result is not None and holds_memory(op.result.type):
            self.ctx.incref(llv, op.result.type)

    def emit_op(self, op: jir.Op) -> None:
        ctx = self.ctx
        if isinstance(op, (jir.BinOp, jir.UnaryOp)):
            args = [op.lhs, op.rhs] if isinstance(op, jir.BinOp) else [op.operand]
            impl = self.implementation(op.opname, op.sig, op.opname)
            if any(isinstance(v.type, t.Optional) for v in args):  # CPython's error for None
                from .optional import none_message

                ctx.none_message = none_message(op.opname, [v.type for v in args])
            try:
                self.set(op, impl(ctx, op.sig, *self.operands(args, op.sig)))
            finally:
                ctx.none_message = None
        elif isinstance(op, jir.Call):
            self.set(op, self.emit_call(op))
        elif isinstance(op, jir.BuildTuple):
            tup_ty = op.result.type  # type: ignore[union-attr]
            llv = ir.Constant(llvm_type(tup_ty), ir.Undefined)
            for i, item in enumerate(op.items):
                llv = ctx.b.insert_value(llv, self.value(item), i)
            self.set_shared(op, llv)
        elif isinstance(op, jir.TupleItem):
            item_ty = op.result.type  # type: ignore[union-attr]
            self.set_shared(op, DUMMY if is_compile_time_only(item_ty)
                            else ctx.b.extract_value(self.value(op.tup), op.index))
        elif isinstance(op, jir.GetItem) and isinstance(op.obj.type, t.Tuple) and isinstance(
                op.index, jir.Constant) and isinstance(op.index.value, int):
            index = op.index.value % len(op.obj.type.items)
            self.set_shared(op, ctx.b.extract_value(self.value(op.obj), index))
        elif isinstance(op, (jir.GetItem, jir.SetItem, jir.GetIter, jir.IterNext)):
            key = {jir.GetItem: "getitem", jir.SetItem: "setitem", jir.GetIter: "iter",
                   jir.IterNext: "iternext"}[type(op)]
            impl = self.implementation(key, op.sig, key)
            self.set(op, impl(ctx, op.sig, *self.operands(op.sources(), op.sig)))
        elif isinstance(op, jir.GetAttr):
            impl = self.implementation(f"getattr.{op.attr}", op.sig, f".{op.attr}")
            self.set(op, impl(ctx, op.sig, self.value(op.obj)))
        elif isinstance(op, jir.ArrayExpr):
            from .impls.arrayexpr import emit_array_expr

            self.set(op, emit_array_expr(ctx, op, [self.value(v) for v in op.leaves]))
        elif isinstance(op, jir.UnpackCheck):
            pass
        else:  # pragma: no cover - every IR op class is handled above
            raise LoweringError(f"cannot lower {type(op).__name__}")

    def emit_call(self, op: jir.Call) -> ir.Value | None:
        ctx, sig = self.ctx, op.sig
        if op.target == "exception":
            exc_ty = op.result.type if op.result is not None else None
            if not isinstance(exc_ty, t.ExceptionWithValues):
                return DUMMY  # constants only: known when compiling
            llv = ir.Constant(llvm_type(exc_ty), ir.Undefined)
            runtime = [a for a, v in zip(op.args, exc_ty.values) if v is not None]
            for k, (arg, ty) in enumerate(zip(runtime, exc_ty.runtime)):
                llv = ctx.b.insert_value(llv, ctx.cast(self.value(arg), arg.type, ty), k)
            return llv
        is_method = not isinstance(op.func.type, (t.PyObjectConst, t.Dispatcher))
        values = ([op.func] if is_method else []) + op.args + op.kwargs
        args = self.operands(values, sig)
        if isinstance(op.func.type, t.Dispatcher):
            return ctx.call_jitted(op.target, sig, args)
        if op.target is bind_closure:  # (inner, *captured) -> the tuple of the captured
            ty = sig.return_type
            for v, item in zip(args[1:], ty.items):
                ctx.incref(v, item)  # the closure owns its references, as a call's result does
            return _pack(ctx, ty, args[1:])
        if isinstance(op.func.type, t.BoundClosure):
            closure, inner = op.func.type, op.target
            captured = [ctx.b.extract_value(args[0], k) for k in range(len(closure.items))]
            passed = [ctx.cast(v, s, d) for v, s, d in zip(
                [*captured, *args[1:]], [*closure.items, *sig.args[1:]], inner.args)]
            value = ctx.call_jitted(closure.function.dispatcher, inner, passed)
            return ctx.cast(value, inner.return_type, sig.return_type)
        if isinstance(op.func.type, t.FunctionChoice):
            from .impls.calls import call_function_choice

            return call_function_choice(ctx, op.func.type, self.value(op.func), op.target, sig,
                                        args[1:])
        impl = self.implementation(op.target, sig, getattr(op.target, "__name__", "call"))
        ctx.first_arg_nonneg = id(op) in self.nonneg_calls
        try:
            return (impl(ctx, sig, *args, kwnames=op.kwnames) if op.kwnames
                    else impl(ctx, sig, *args))
        finally:
            ctx.first_arg_nonneg = False

    def raise_to_handler(self, link: jir.Link) -> None:
        """Jump from a failing op to the `except`/`finally` handler, with the exception set:
        release the live values the handler does not take, pass it the rest."""
        ctx = self.ctx
        handed_over = self.refs.handed_over.get(id(link), set())
        for v in self.live_now:
            if id(v) not in handed_over:
                ctx.decref(self.value(v), v.type)
        self.emit_link(link)
        ctx.b.branch(self.llblocks[id(link.target)])

    def emit_exit(self, exit: jir.Exit) -> None:
        ctx = self.ctx
        self.live_now = []
        ctx.live_references = []
        for v in self.refs.link_decrefs.get(id(exit), ()):
            ctx.decref(self.value(v), v.type)
        if isinstance(exit, jir.Return):
            ret_ty = self.fn.return_type
            if self.refs.return_incref.get(id(self.current)):
                ctx.incref(self.value(exit.value), exit.value.type)
            if not is_compile_time_only(ret_ty):
                ctx.b.store(ctx.cast(self.value(exit.value), exit.value.type, ret_ty),
                            ctx.retptr)
            ctx.b.ret(ir.Constant(ir.IntType(32), 0))
        elif isinstance(exit, jir.Raise):
            ctx.raise_value(exit.exc.type, self.value(exit.exc))
        elif isinstance(exit, jir.Jump):
            self.emit_link(exit.link)
            ctx.b.branch(self.llblocks[id(exit.link.target)])
        elif isinstance(exit, jir.Branch):
            truth = self.implementation("truth", exit.sig, "truth")
            cond = truth(ctx, exit.sig, self.value(exit.cond))
            # Links may need casts; emit them on edge blocks only when they do.
            then_bb = self.edge(exit.if_true, "then")
            else_bb = self.edge(exit.if_false, "else")
            ctx.b.cbranch(cond, then_bb, else_bb)

    def edge(self, link: jir.Link, name: str) -> ir.Block:
        here = self.ctx.b.block
        target = self.llblocks[id(link.target)]
        has_refs = id(link) in self.refs.link_increfs or id(link) in self.refs.link_decrefs
        if not link.target.inputargs and not has_refs:
            return target
        bb = self.ctx.llfn.append_basic_block(f"{here.name}.{name}")
        with self.ctx.b.goto_block(bb):
            self.emit_link(link)
            self.ctx.b.branch(target)
        return bb

    def emit_link(self, link: jir.Link) -> None:
        ctx = self.ctx
        for v in self.refs.link_increfs.get(id(link), ()):
            ctx.incref(self.value(v), v.type)
        for v in self.refs.link_decrefs.get(id(link), ()):
            ctx.decref(self.value(v), v.type)
        # Cast every argument first: a cast may add blocks (an Optional's None check), and
        # each phi's incoming block is the one the link finally leaves from.
        incoming = [(phi, ctx.cast(self.value(arg), arg.type, param.type))
                    for arg, param in zip(link.args, link.target.inputargs)
                    if isinstance(phi := self.values[id(param)], ir.PhiInstr)]
        for phi, llv in incoming:
            phi.add_incoming(llv, ctx.b.block)


def _pack(ctx: Context, ty: t.Type, values: list[ir.Value]) -> ir.Value:
    out: ir.Value = ir.Constant(llvm_type(ty), ir.Undefined)
    for k, v in enumerate(values):
        out = ctx.b.insert_value(out, v, k)
    return out
