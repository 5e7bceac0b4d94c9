"""The compilation pipeline: one call per stage, top to bottom.

    typed = infer(dispatcher, argtypes)    # jitcore.frontend.flow + typeinfer.annotator
    native = lower(typed, options)         # lowering.emit + targets.wrapper: llvmlite.ir
    library = load(native)                 # targets.codegen: optimise, link callees, JIT

Callees are inferred on demand (`signature_of`) and compiled when the caller
is lowered (`native_symbol`); a cycle of recursive functions is typed by
repeated rounds and its modules are finalized together, once the outermost
compilation is done.
"""
from __future__ import annotations

from _thread import RLock, _local  # = threading's; importing threading costs a cache hit 0.6 ms
from typing import TYPE_CHECKING, Any

from jitcore.frontend.errors import CompilerBug, JitError, TypingError
from jitcore.typeinfer import types as t

if TYPE_CHECKING:  # a cache hit needs no IR: keep its import off that path
    from jitcore.frontend import ir

_state = _local()
compile_lock = RLock()  # one compilation at a time per process


class Typed:
    """A function typed for one tuple of argument types."""

    def __init__(self, graph: ir.Function, signature: t.Signature) -> None:
        self.graph = graph
        self.signature = signature


class Overload:
    """A compiled specialisation: what `dispatcher.overloads[argtypes]` holds.

    A plain class, not a dataclass: a cache hit builds one, and creating dataclasses
    at import costs milliseconds there.
    """

    def __init__(self, signature: t.Signature, symbol: str, wrapper_symbol: str, typed: Typed,
                 library: Any = None, entry_point: Any = None, wrapper_address: int = 0,
                 inline_ir: str = "", returnable: bool = True,
                 extra: dict[str, Any] | None = None) -> None:
        self.signature = signature
        self.symbol = symbol
        self.wrapper_symbol = wrapper_symbol
        self.typed = typed
        self.library = library
        self.entry_point = entry_point  # a builtin function object calling the wrapper
        self.wrapper_address = wrapper_address
        self.inline_ir = inline_ir
        self.returnable = returnable  # whether Python can take the result (targets.wrapper)
        self.extra = {} if extra is None else extra

    @property
    def argtypes(self) -> tuple[t.Type, ...]:
        return self.signature.args


class _Frames:
    """Per-thread compilation state: inference in progress, depth, provisional results."""

    def __init__(self) -> None:
        self.inferring: dict[tuple[int, tuple[t.Type, ...]], list[Any]] = {}
        self.stack: list[tuple[int, tuple[t.Type, ...]]] = []
        self.provisional: set[tuple[int, tuple[t.Type, ...]]] = set()
        self.compiling: dict[tuple[int, tuple[t.Type, ...]], str] = {}
        self.finished: list[tuple[Any, Overload]] = []  # registered after finalize
        self.depth = 0


def _frames() -> _Frames:
    frames = getattr(_state, "frames", None)
    if frames is None:
        frames = _state.frames = _Frames()
    return frames


class Callees:
    """How inference and lowering reach other jitted functions (see typeinfer.annotator)."""

    def signature_of(self, dispatcher: Any, argtypes: tuple[t.Type, ...]) -> t.Signature | None:
        """The callee's signature; None while it depends on an unfinished recursive cycle.

        The signature's args may differ from `argtypes`: an eager callee converts them.
        """
        frames = _frames()
        if dispatcher._eager:
            argtypes = dispatcher._eager_argtypes_for(argtypes)
        key = (id(dispatcher), argtypes)
        declared = dispatcher._declared_returns.get(argtypes)
        if key in frames.inferring and declared is not None:
            return t.Signature(declared, argtypes)  # recursion, but the type is known
        if key in frames.inferring:  # recursion: the partial return type so far
            pos = frames.stack.index(key)
            frames.provisional.update(frames.stack[pos + 1:])
            ret = frames.inferring[key][0]
            return None if ret is None else t.Signature(ret, argtypes)
        typed = _infer(dispatcher, argtypes)
        return None if typed is None else typed.signature

    def native_symbol(self, dispatcher: Any, argtypes: tuple[t.Type, ...]) -> str:
        frames = _frames()
        key = (id(dispatcher), argtypes)
        if key in frames.compiling:
            from jitcore.targets.codegen import promise

            promise(frames.compiling[key])
            return frames.compiling[key]
        symbol: str = dispatcher.compile_overload(argtypes).symbol
        return symbol

    def library(self, name: str) -> Any:
        """The jitted routine `name` ("module.function") of jitcore.library."""
        import importlib

        module, _, function = name.rpartition(".")
        return getattr(importlib.import_module(f"jitcore.library.{module}"), function)


CALLEES = Callees()


def infer(dispatcher: Any, argtypes: tuple[t.Type, ...]) -> Typed:
    """Type `dispatcher`'s function for `argtypes`, reusing a final earlier result."""
    typed = _infer(dispatcher, argtypes)
    if typed is None:  # only a provisional inference inside a cycle has no result yet
        raise CompilerBug(f"{dispatcher.__qualname__}{argtypes} has no type yet", None)
    return typed


def _infer(dispatcher: Any, argtypes: tuple[t.Type, ...]) -> Typed | None:
    """`infer`, or None for a provisional round that found no return type yet.

    An inference is provisional when it used the partial return type of a function
    further down the stack (a recursive cycle). Its result is returned to that
    function for the current round but not cached: the next round redoes it.
    """
    from jitcore.frontend.flow import build_flow_graph
    from jitcore.typeinfer.annotator import annotate

    cached = dispatcher._typed.get(argtypes)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    frames = _frames()
    key = (id(dispatcher), argtypes)
    partial: list[Any] = [None]
    frames.inferring[key] = partial
    frames.stack.append(key)
    try:
        graph = build_flow_graph(dispatcher.py_func)
        annotate(graph, argtypes, CALLEES, publish=lambda ty: partial.__setitem__(0, ty),
                 partial_ok=lambda: key in frames.provisional)
    finally:
        frames.stack.pop()
        del frames.inferring[key]
        if not frames.stack:
            provisional, frames.provisional = key in frames.provisional, set()
        else:
            provisional = key in frames.provisional
            frames.provisional.discard(key)
    if provisional and partial[0] is None:
        return None
    ret = graph.return_type if not provisional else partial[0]
    declared = dispatcher._declared_returns.get(argtypes)
    if declared is not None:
        if not t.can_convert(ret, declared) and not (ret.is_number and declared.is_number):
            raise TypingError(f"{graph.name}() returns {ret}, which cannot be "
                              f"converted to the declared {declared}", graph.loc)
        ret = graph.return_type = declared
    typed = Typed(graph, t.Signature(ret, argtypes))
    if not provisional:
        dispatcher._typed[argtypes] = typed
    return typed


def check_returnable(graph: ir.Function) -> None:
    """Python callers need a boxable result; jitted callers take any type (checked at the top)."""
    from jitcore.targets.wrapper import boxable

    if not boxable(graph.return_type):
        raise TypingError(f"{graph.name}() cannot return a value of type {graph.return_type} "
                          "to Python", graph.loc,
                          "return numbers, arrays, (nested) tuples of them or None")


def compile_overload(dispatcher: Any, argtypes: tuple[t.Type, ...], symbol: str) -> Overload:
    """Infer, lower and load `dispatcher` for `argtypes`; the overload is ready to call."""
    cache = getattr(dispatcher, "_cache", None)
    if cache is not None:  # before anything imports LLVM: a hit does without it
        cached = cache.load(argtypes)
        if cached is not None:
            return _adopt(dispatcher, cached, _frames())
    from llvmlite import ir as llir

    from jitcore.lowering.arrayexpr import fuse_array_expressions
    from jitcore.lowering.context import ModuleInfo
    from jitcore.lowering.emit import emit_function
    from jitcore.targets import codegen
    from jitcore.targets.wrapper import boxable, emit_wrapper

    frames = _frames()
    key = (id(dispatcher), argtypes)
    frames.compiling[key] = symbol
    frames.depth += 1
    try:
        typed = infer(dispatcher, argtypes)
        if frames.depth == 1:  # called from Python, not compiled as a callee
            check_returnable(typed.graph)
        options = dispatcher.targetoptions
        module = llir.Module(symbol)
        info = ModuleInfo()
        fuse_array_expressions(typed.graph)  # elementwise array ops -> one loop each
        if options.get("parallel"):
            _outline_parallel(typed.graph)  # prange loops -> chunks run by the thread pool
        emit_function(typed.graph, symbol, module, info, CALLEES, options)
        wrapper = emit_wrapper(module, info, symbol, typed.signature.return_type, argtypes,
                               bool(options.get("nogil")), dispatcher.__qualname__,
                               tuple(dispatcher._pysig.parameters))
        inline_from = [ov.inline_ir or ov.library.ir_text  # cached: IR kept compressed
                       for ov in _overloads_by_symbol(info.called_symbols)]
        library = codegen.load_module(module, info, dispatcher.opt_level, inline_from)
        overload = Overload(typed.signature, symbol, wrapper, typed, library,
                            inline_ir=library.ir_text,
                            returnable=boxable(typed.signature.return_type))
        _SYMBOLS[symbol] = overload
        frames.finished.append((dispatcher, overload))
        if frames.depth == 1:
            codegen.finalize()
            finished, frames.finished = frames.finished, []
            for owner, done in finished:
                owner._register(done)
                if getattr(owner, "_cache", None) is not None and done.typed.graph is not None:
                    owner._cache.store(done)
        return overload
    except JitError:
        if frames.depth == 1:
            _discard(frames)
        raise
    except Exception as exc:  # an internal error: say where, keep the traceback
        if frames.depth == 1:
            _discard(frames)
        raise CompilerBug(f"internal error while compiling {dispatcher.py_func.__qualname__}"
                          f"({', '.join(map(str, argtypes))}): {exc!r}",
                          None, "please report this with the function's source") from exc
    finally:
        frames.depth -= 1
        del frames.compiling[key]


def _outline_parallel(graph: ir.Function) -> None:
    from jitcore.lowering.parfor import outline_parallel_loops, parallelise_array_expressions
    from jitcore.targets.threadpool import ensure_pool

    ensure_pool()  # the code calls jc.pool.run by name
    outline_parallel_loops(graph)
    parallelise_array_expressions(graph)  # whole-array expressions left outside prange


_SYMBOLS: dict[str, Overload] = {}


def symbol_taken(symbol: str) -> bool:
    """Whether native code for `symbol` exists in this process already."""
    from jitcore.targets.objcache import is_defined

    return symbol in _SYMBOLS or is_defined(symbol)


def _adopt(dispatcher: Any, overload: Overload, frames: _Frames) -> Overload:
    """Make an overload loaded from the on-disk cache known like a compiled one."""
    _SYMBOLS[overload.symbol] = overload
    dispatcher._typed.setdefault(overload.argtypes, overload.typed)
    if frames.depth == 0:
        dispatcher._register(overload)
    else:  # a callee of a compilation in progress: registered with the others
        frames.finished.append((dispatcher, overload))
    return overload


def _overloads_by_symbol(symbols: set[str]) -> list[Overload]:
    return [_SYMBOLS[s] for s in sorted(symbols) if s in _SYMBOLS]


def _discard(frames: _Frames) -> None:
    """Forget everything the failed compilation produced, in the engine and the dispatchers."""
    from jitcore.targets import codegen

    codegen.discard_pending()
    for owner, overload in frames.finished:
        owner._compiled.pop(overload.argtypes, None)
        _SYMBOLS.pop(overload.symbol, None)
    frames.finished = []
