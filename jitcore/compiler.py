"""The compilation pipeline: one function per stage, called top to bottom.

    overload = compile_overload(dispatcher, argtypes, symbol):
        cached = load_cached(dispatcher, argtypes)     # jitcore.caching: a hit needs no LLVM
        typed = infer(dispatcher, argtypes)            # frontend.flow + typeinfer.annotator
        native = lower(typed, symbol, options, ...)    # lowering.emit, targets.wrapper
        library = load(native, opt_level)              # targets.codegen: optimise, link, JIT
        register(session)                              # finalize; dispatchers and disk cache

AOT (jitcore.aot) calls the same `infer` and `lower` and hands the IR to
targets.aot; @vectorize/@guvectorize compile their kernels here and load their
loop modules with the same `load`.

Callees are inferred on demand (`signature_of`) and compiled when the caller is
lowered (`native_symbol`); a cycle of recursive functions is typed by repeated
rounds and its modules are finalized together, once the outermost compilation is
done. That bookkeeping lives in a `Session`, one per thread from the outermost
inference or compilation to its end.

The compiler sees a dispatcher only through `Compilable`, the small interface
jitcore.dispatcher.Dispatcher implements.
"""
from __future__ import annotations

from _thread import RLock, _local  # = threading's; importing threading costs a cache hit 0.6 ms
from typing import TYPE_CHECKING, Any, Protocol

from jitcore.frontend.errors import CompilerBug, JitError, TypingError
from jitcore.typeinfer import types as t

if TYPE_CHECKING:  # a cache hit needs no IR: keep its import off that path
    from llvmlite import ir as llir

    from jitcore.frontend import ir
    from jitcore.lowering.context import ModuleInfo

_state = _local()
compile_lock = RLock()  # one compilation at a time per process

Key = tuple[int, tuple[t.Type, ...]]  # (id(dispatcher), argtypes)


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


class Compilable(Protocol):
    """What the compiler needs of a jitted function (jitcore.dispatcher.Dispatcher)."""

    py_func: Any  # the Python function (a FunctionType)
    targetoptions: dict[str, Any]
    opt_level: int

    @property
    def disk_cache(self) -> Any:
        """The on-disk cache (jitcore.caching.FunctionCache), or None without cache=True."""

    @property
    def parameter_names(self) -> tuple[str, ...]:
        """The Python parameters, in order (for the wrapper's error messages)."""

    def typed_for(self, argtypes: tuple[t.Type, ...]) -> Typed | None:
        """The final inference result for `argtypes`, if there is one."""

    def remember_typed(self, typed: Typed) -> None:
        """Keep a final inference result (the first one for its argument types wins)."""

    def declared_return(self, argtypes: tuple[t.Type, ...]) -> t.Type | None:
        """The return type a signature given by the user declares, if any."""

    def declare(self, ret: t.Type | None, argtypes: tuple[t.Type, ...]) -> None:
        """Record a signature given by the user (jit("f8(f8)"), export, compile())."""

    def callee_argtypes(self, argtypes: tuple[t.Type, ...]) -> tuple[t.Type, ...]:
        """The argument types a call from compiled code is compiled for (the declared
        signature they convert to, for eagerly compiled functions)."""

    def compile_overload(self, argtypes: tuple[t.Type, ...]) -> Overload:
        """Compile (or find) the overload for `argtypes`; it may not be finalized yet."""

    def register(self, overload: Overload) -> None:
        """Make a finalized overload callable from Python."""

    def forget(self, overload: Overload) -> None:
        """Drop an overload whose compilation failed before it was finalized."""


class Session:
    """The compilations in progress on one thread, from the outermost `infer` or
    `compile_overload` to its end (see `session()`).

    `inferring`/`stack`: the functions being typed, innermost last, with the partial
    return type each has published so far; `provisional`: those whose current round
    used a partial type (a recursive cycle); `compiling`: the symbols being lowered;
    `finished`: overloads loaded but not yet finalized and registered; `depth`: the
    nesting of compile_overload (1: the one Python asked for).
    """

    def __init__(self) -> None:
        self.inferring: dict[Key, list[t.Type | None]] = {}
        self.stack: list[Key] = []
        self.provisional: set[Key] = set()
        self.compiling: dict[Key, str] = {}
        self.finished: list[tuple[Compilable, Overload]] = []
        self.depth = 0
        self.clocks: list[Any] = []  # JITCORE_TIMING: the compilations' jitcore.timing.Clocks


class _SessionScope:
    """`with session() as s:` the thread's session, opened by the outermost scope and
    closed when it ends (a plain class: contextlib costs a cache hit an import)."""

    def __enter__(self) -> Session:
        current: Session | None = getattr(_state, "session", None)
        self.owner = current is None
        if current is None:
            current = _state.session = Session()
        return current

    def __exit__(self, *exc: object) -> None:
        if self.owner:
            _state.session = None


def session() -> _SessionScope:
    return _SessionScope()


class Callees:
    """How inference and lowering reach other jitted functions (see typeinfer.annotator)."""

    def signature_of(self, dispatcher: Compilable,
                     argtypes: tuple[t.Type, ...]) -> t.Signature | None:
        """The callee's signature; None while it depends on an unfinished recursive cycle.

        The signature's args may differ from `argtypes`: an eager callee converts them.
        """
        argtypes = dispatcher.callee_argtypes(argtypes)
        with session() as s:
            key = (id(dispatcher), argtypes)
            declared = dispatcher.declared_return(argtypes)
            if key in s.inferring and declared is not None:
                return t.Signature(declared, argtypes)  # recursion, but the type is known
            if key in s.inferring:  # recursion: the partial return type so far
                pos = s.stack.index(key)
                s.provisional.update(s.stack[pos + 1:])
                ret = s.inferring[key][0]
                return None if ret is None else t.Signature(ret, argtypes)
            typed = _infer(dispatcher, argtypes)
            return None if typed is None else typed.signature

    def native_symbol(self, dispatcher: Compilable, argtypes: tuple[t.Type, ...]) -> str:
        with session() as s:
            key = (id(dispatcher), argtypes)
            if key in s.compiling:
                from jitcore.targets.codegen import promise

                promise(s.compiling[key])
                return s.compiling[key]
        symbol: str = dispatcher.compile_overload(argtypes).symbol
        return symbol

    def library(self, name: str) -> Any:
        """The jitted routine `name` ("module.function") of jitcore.library."""
        import importlib

        module, _, function = name.rpartition(".")
        return getattr(importlib.import_module(f"jitcore.library.{module}"), function)


CALLEES = Callees()


# --- the stages ----------------------------------------------------------------------------

def compile_overload(dispatcher: Compilable, argtypes: tuple[t.Type, ...],
                     symbol: str) -> Overload:
    """Infer, lower and load `dispatcher` for `argtypes`; the overload is ready to call
    once the outermost compilation of the session has registered it."""
    from jitcore.frontend import config

    with session() as s:
        if config.TIMING:
            return _timed_compile(dispatcher, argtypes, symbol, s)
        cached = load_cached(dispatcher, argtypes, s)  # before anything imports LLVM
        if cached is not None:
            return cached
        return _compile(dispatcher, argtypes, symbol, s, None)


def _compile(dispatcher: Compilable, argtypes: tuple[t.Type, ...], symbol: str, s: Session,
             clock: Any) -> Overload:
    """compile_overload's stages; `clock`: JITCORE_TIMING's, else None."""
    key = (id(dispatcher), argtypes)
    s.compiling[key] = symbol
    s.depth += 1
    try:
        with _stage(clock, "infer"):
            typed = infer(dispatcher, argtypes)
        if s.depth == 1:  # called from Python, not compiled as a callee
            check_returnable(typed.graph)
        with _stage(clock, "lower"):
            native = lower(typed, symbol, dispatcher.targetoptions, CALLEES,
                           wrapper=(dispatcher.py_func.__qualname__,
                                    dispatcher.parameter_names))
        with _stage(clock, "optimise"):
            library = load(native, dispatcher.opt_level)
        overload = _overload(typed, native, library)
        s.finished.append((dispatcher, overload))
        if s.depth == 1:
            with _stage(clock, "codegen"):
                register(s)
        return overload
    except JitError:
        if s.depth == 1:
            _discard(s)
        raise
    except Exception as exc:  # an internal error: say where, keep the traceback
        if s.depth == 1:
            _discard(s)
        raise CompilerBug(f"internal error while compiling {dispatcher.py_func.__qualname__}"
                          f"({', '.join(map(str, argtypes))}): {exc!r}",
                          None, "please report this with the function's source") from exc
    finally:
        s.depth -= 1
        del s.compiling[key]


def _stage(clock: Any, name: str) -> Any:
    return _NO_STAGE if clock is None else clock.stage(name)


class _NoStage:
    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: Any) -> None:
        pass


_NO_STAGE = _NoStage()


def _timed_compile(dispatcher: Compilable, argtypes: tuple[t.Type, ...], symbol: str,
                   s: Session) -> Overload:
    """compile_overload under JITCORE_TIMING=1: a line per function on stderr."""
    import time

    from jitcore import timing

    name = f"{dispatcher.py_func.__module__}.{dispatcher.py_func.__qualname__}" \
           f"({', '.join(map(str, argtypes))})"
    start = time.perf_counter()
    cached = load_cached(dispatcher, argtypes, s)
    if cached is not None:
        timing.report_cache_hit(name, time.perf_counter() - start)
        return cached
    running = [c for c in s.clocks if c.running]
    clock = timing.Clock(name, running[-1] if running else None)
    s.clocks.append(clock)
    try:
        return _compile(dispatcher, argtypes, symbol, s, clock)
    finally:
        clock.finish()
        if clock.parent is None:  # the compilation Python asked for, after its callees
            for done in [*s.clocks[1:], clock]:
                done.report()
            s.clocks.clear()


def load_cached(dispatcher: Compilable, argtypes: tuple[t.Type, ...],
                s: Session) -> Overload | None:
    """The overload from the on-disk cache, known like a compiled one; None on a miss."""
    cache = dispatcher.disk_cache
    if cache is None:
        return None
    overload: Overload | None = cache.load(argtypes)
    if overload is None:
        return None
    _SYMBOLS[overload.symbol] = overload
    dispatcher.remember_typed(overload.typed)
    if s.depth == 0:
        dispatcher.register(overload)
    else:  # a callee of a compilation in progress: registered with the others
        s.finished.append((dispatcher, overload))
    return overload


def infer(dispatcher: Compilable, argtypes: tuple[t.Type, ...]) -> Typed:
    """Type `dispatcher`'s function for `argtypes`, reusing a final earlier result."""
    with session():
        typed = _infer(dispatcher, argtypes)
    if typed is None:  # only a provisional inference inside a cycle has no result yet
        raise CompilerBug(f"{dispatcher.py_func.__qualname__}{argtypes} has no type yet", None)
    return typed


def _compile_inner_functions(dispatcher: Compilable, graph: ir.Function) -> None:
    """Each inner function (`def`/`lambda`) of `graph` becomes a jitted function with the
    outer one's options, one per inner code object (jitcore/frontend/closures.py)."""
    from jitcore.frontend.closures import inner_function_constants

    constants = inner_function_constants(graph)
    if not constants:
        return
    from jitcore.dispatcher import Dispatcher

    known: dict[Any, Any] = dispatcher.__dict__.setdefault("_jc_inner_functions", {})
    for const in constants:
        lifted = const.value.lifted
        key = (lifted.__code__, lifted.__defaults__)
        if key not in known:
            options = {k: v for k, v in dispatcher.targetoptions.items() if k != "cache"}
            known[key] = Dispatcher(lifted, options)
        const.value = known[key]


def _infer(dispatcher: Compilable, argtypes: tuple[t.Type, ...]) -> Typed | None:
    """`infer` inside a session, or None for a provisional round that found no return
    type yet.

    An inference is provisional when it used the partial return type of a function
    further down the stack (a recursive cycle). Its result is returned to that
    function for the current round but not kept: the next round redoes it.
    """
    from jitcore.frontend.flow import build_flow_graph
    from jitcore.typeinfer.annotator import annotate

    cached = dispatcher.typed_for(argtypes)
    if cached is not None:
        return cached
    s: Session = _state.session
    key = (id(dispatcher), argtypes)
    partial: list[t.Type | None] = [None]
    s.inferring[key] = partial
    s.stack.append(key)
    try:
        graph = build_flow_graph(dispatcher.py_func)
        _compile_inner_functions(dispatcher, graph)
        annotate(graph, argtypes, CALLEES, publish=lambda ty: partial.__setitem__(0, ty),
                 partial_ok=lambda: key in s.provisional)
    finally:
        s.stack.pop()
        del s.inferring[key]
        if not s.stack:
            provisional, s.provisional = key in s.provisional, set()
        else:
            provisional = key in s.provisional
            s.provisional.discard(key)
    if provisional and partial[0] is None:
        return None
    ret = graph.return_type if not provisional else partial[0]
    assert ret is not None
    declared = dispatcher.declared_return(argtypes)
    if declared is not None:
        if not t.can_convert(ret, declared) and not (ret.is_number and declared.is_number):
            raise TypingError(f"{graph.name}() returns {ret}, which cannot be "
                              f"converted to the declared {declared}", graph.loc)
        ret = graph.return_type = declared
    typed = Typed(graph, t.Signature(ret, argtypes))
    if not provisional:
        dispatcher.remember_typed(typed)
    return typed


def check_returnable(graph: ir.Function) -> None:
    """Python callers need a boxable result; jitted callers take any type (checked at the top)."""
    from jitcore.targets.wrapper import boxable

    if not boxable(graph.return_type):
        raise TypingError(f"{graph.name}() cannot return a value of type {graph.return_type} "
                          "to Python", graph.loc,
                          "return numbers, arrays, (nested) tuples of them or None")


class Native:
    """The target-independent LLVM IR of one function and, if asked, its CPython wrapper."""

    def __init__(self, module: llir.Module, info: ModuleInfo, symbol: str,
                 wrapper_symbol: str = "") -> None:
        self.module = module
        self.info = info
        self.symbol = symbol
        self.wrapper_symbol = wrapper_symbol

    @property
    def uses_pool(self) -> bool:
        """Whether the code runs loops on the thread pool (calls jc.pool.* by name)."""
        from jitcore.targets.threadpool import RUN

        return RUN in self.module.globals


def lower(typed: Typed, symbol: str, options: dict[str, Any], callees: Any,
          wrapper: tuple[str, tuple[str, ...]] | None) -> Native:
    """LLVM IR for `typed` under `symbol`, calling other jitted functions through
    `callees.native_symbol`; `wrapper`: (the name Python knows, the parameter names) for
    a CPython-facing wrapper, None for a function only compiled code calls."""
    from llvmlite import ir as llir

    from jitcore.lowering.arrayexpr import fuse_array_expressions
    from jitcore.lowering.context import ModuleInfo
    from jitcore.lowering.emit import emit_function

    module = llir.Module(symbol)
    info = ModuleInfo()
    fuse_array_expressions(typed.graph)  # elementwise array ops -> one loop each
    if options.get("parallel"):
        from jitcore.lowering.parfor import outline_parallel_loops, parallelise_array_expressions

        outline_parallel_loops(typed.graph)  # prange loops -> chunks run by the thread pool
        parallelise_array_expressions(typed.graph)  # whole-array expressions outside prange
    emit_function(typed.graph, symbol, module, info, callees, options)
    native = Native(module, info, symbol)
    if wrapper is not None:
        from jitcore.targets.wrapper import emit_wrapper

        name, params = wrapper
        native.wrapper_symbol = emit_wrapper(module, info, symbol, typed.signature.return_type,
                                             typed.signature.args,
                                             bool(options.get("nogil")), name, params)
    return native


def load(native: Native, opt_level: int, inline_from: list[str] | None = None) -> Any:
    """Optimise `native` and add it to the process's engine (targets.codegen), with the
    IR of the callees it calls (or `inline_from`) linked in for LLVM to inline; its code
    is generated at `codegen.finalize()`."""
    from jitcore.targets import codegen

    if native.uses_pool:
        from jitcore.targets.threadpool import ensure_pool

        ensure_pool()  # loads jc.pool.*, which the code calls by name
    if inline_from is None:
        inline_from = [ov.inline_ir or ov.library.ir_text  # cached: IR kept compressed
                       for ov in _overloads_by_symbol(native.info.called_symbols)]
    return codegen.load_module(native.module, native.info, opt_level, inline_from)


def load_now(native: Native, opt_level: int, inline_from: list[str]) -> Any:
    """`load`, then generate the code at once (ufunc loops: nothing registers them)."""
    from jitcore.targets import codegen

    with compile_lock:
        library = load(native, opt_level, inline_from)
        codegen.finalize()
        return library


def register(s: Session) -> None:
    """Generate the code of the session's modules, make each overload callable from
    Python and store it in the disk cache (its dispatcher's, with cache=True)."""
    from jitcore.targets import codegen

    codegen.finalize()
    finished, s.finished = s.finished, []
    for owner, done in finished:
        owner.register(done)
        cache = owner.disk_cache
        if cache is not None and done.typed.graph is not None:
            cache.store(done)


def _overload(typed: Typed, native: Native, library: Any) -> Overload:
    from jitcore.targets.wrapper import boxable

    overload = Overload(typed.signature, native.symbol, native.wrapper_symbol, typed, library,
                        inline_ir=library.ir_text,
                        returnable=boxable(typed.signature.return_type))
    _SYMBOLS[native.symbol] = overload
    return overload


_SYMBOLS: dict[str, Overload] = {}  # read by targets.objcache (the code to store)


def symbol_taken(symbol: str) -> bool:
    """Whether native code for `symbol` exists in this process already."""
    from jitcore.targets.objcache import is_defined

    return symbol in _SYMBOLS or is_defined(symbol)


def _overloads_by_symbol(symbols: set[str]) -> list[Overload]:
    return [_SYMBOLS[s] for s in sorted(symbols) if s in _SYMBOLS]


def _discard(s: Session) -> None:
    """Forget everything the failed compilation produced, in the engine and the dispatchers."""
    from jitcore.targets import codegen

    codegen.discard_pending()
    for owner, overload in s.finished:
        owner.forget(overload)
        _SYMBOLS.pop(overload.symbol, None)
    s.finished = []
