"""The object `@njit` returns: compiles per argument types and calls native code.

    f = Dispatcher(py_func, options)
    f(1, 2.0)        # native tp_call: known types -> generated wrapper, no Python frame
                     # otherwise -> _miss(): typeof, compile, call

Calls with keyword arguments, defaults or types without a native fast path
go through `_miss`, which binds the arguments like Python and dispatches on
their types. With eager signatures, nothing else is compiled: arguments are
converted to the first signature they fit, or rejected with a TypeError.

A compile error (a `JitError` other than `CompilerBug`) leaves the dispatcher's
entry (`_miss`, `compile`, the eager compilation at decoration) without the
compiler's frames: the user sees their own call and jitcore's message. The frames
stay on the exception as `internal_traceback` (a traceback object:
`traceback.print_tb(exc.internal_traceback)`), and JITCORE_DEBUG=1 leaves the
traceback whole. A CompilerBug always keeps its traceback.
"""
from __future__ import annotations

import contextlib
import functools
import itertools
import re
import sys
import types
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from jitcore.compiler import Overload, Typed, check_returnable, compile_lock, compile_overload
from jitcore.frontend import config
from jitcore.frontend.errors import CompilerBug, JitError, user_facing
from jitcore.inspection import label_asm, label_llvm
from jitcore.typeinfer import types as t
from jitcore.typeinfer.typeof import class_decides_type, describe_untyped, typeof

if TYPE_CHECKING:
    import inspect

_symbol_ids = itertools.count()
# The ndarray flags that enter an array's type: C_CONTIGUOUS, F_CONTIGUOUS, ALIGNED, WRITEABLE
# (not OWNDATA or WRITEBACKIFCOPY, which vary between arrays of one type).
_TYPE_FLAGS = 0x1 | 0x2 | 0x100 | 0x400
_NO_DEFAULT = object()  # marks a parameter without a default in Dispatcher._defaults


class Dispatcher:
    """A jitted function: `py_func`, `signatures`, `overloads`, `inspect_*()`."""

    __slots__ = ("__dict__", "__weakref__", "_jc_miss", "_jc_table")
    _jitcore_dispatcher = True
    __name__: str  # the function's, set by functools.update_wrapper
    __qualname__: str

    def __init__(self, py_func: Callable[..., Any], options: dict[str, Any],
                 signatures: list[Any] | None = None) -> None:
        functools.update_wrapper(self, py_func)
        self.py_func = py_func
        self.targetoptions = dict(options)
        if "fastmath" in options:  # True, False or sorted flags: stable in cache keys
            from jitcore.frontend.fastmath import normalise

            self.targetoptions["fastmath"] = normalise(options["fastmath"])
        self.opt_level = config.OPT_LEVEL
        self.overloads: dict[tuple[t.Type, ...], Overload] = {}
        self._typed: dict[tuple[t.Type, ...], Typed] = {}
        self._compiled: dict[tuple[t.Type, ...], Overload] = {}  # loaded, maybe not finalized
        self._declared_returns: dict[tuple[t.Type, ...], t.Type] = {}
        self._by_class: dict[tuple[type, ...], Overload] = {}  # the fallback's fast path
        self._by_array_key: dict[tuple[Any, ...], Overload] = {}  # the same, with arrays
        # argument types the native slot sends to an eager overload of other types
        self._aliases: dict[tuple[t.Type, ...], Overload] = {}
        self._param_names, self._defaults, self._simple_params = _parameters(py_func)
        self._param_index = {name: i for i, name in enumerate(self._param_names)}
        self._uid = next(_symbol_ids)
        self._eager = bool(signatures)
        self._eager_sigs: list[tuple[t.Type, ...]] = []  # in declaration order
        from jitcore.targets.nativecall import build_table

        self._jc_table = build_table([])
        self._jc_miss = self._miss
        self._cache = None
        if options.get("cache"):
            from jitcore.caching import FunctionCache

            self._cache = FunctionCache(self)
        if signatures:
            from jitcore.typeinfer.signatures import parse_signature

            parsed = [parse_signature(spec) for spec in signatures]
            for ret, argtypes in parsed:  # all known before the first compiles (recursion)
                self.declare(ret, argtypes)
            with self._bound_to_own_name():
                for _, argtypes in parsed:
                    try:
                        self.compile_overload(argtypes)
                    except JitError as exc:
                        if config.DEBUG or isinstance(exc, CompilerBug):
                            raise
                        raise user_facing(exc)  # noqa: B904 (itself; exc.internal_traceback, JITCORE_DEBUG)

    @functools.cached_property
    def _pysig(self) -> inspect.Signature:
        """The Python signature (inspect is loaded only by the paths that need it)."""
        import inspect

        return inspect.signature(self.py_func)

    @contextlib.contextmanager
    def _bound_to_own_name(self) -> Iterator[None]:
        """Let eager compilation of a self-recursive module function see itself.

        The decorator runs before Python binds the function's name, so a recursive
        call would find no global; bind it to this dispatcher for the compilation
        (the assignment that follows the decorator binds the same object).
        """
        func = self.py_func
        namespace = func.__globals__
        name = func.__name__
        if func.__qualname__ != name or name in namespace:
            yield
            return
        namespace[name] = self
        try:
            yield
        finally:
            if namespace.get(name) is self:
                del namespace[name]

    # --- calling -------------------------------------------------------------------------

    def _miss(self, *args: Any, **kwargs: Any) -> Any:
        """Every call the native slot does not handle: bind, type, maybe compile, call."""
        try:  # free in Python 3.11 unless it raises
            if kwargs or len(args) != len(self._defaults):
                args = self._bind(args, kwargs)
            classes = tuple(map(type, args))
            overload = self._by_class.get(classes)
            if overload is None:
                key = _array_key(args, classes)
                overload = self._by_array_key.get(key) if key is not None else None
                if overload is not None:
                    if self._eager:
                        _check_python_ints(args, overload.argtypes)
                    return overload.entry_point(*args)
                argtypes = self._typeof_args(args)
                overload = self.overloads.get(argtypes)
                if overload is None:
                    overload = (self._convertible(argtypes) if self._eager
                                else self.compile_overload(argtypes))
                if not overload.returnable:  # compiled as a callee; Python cannot take it
                    check_returnable(overload.typed.graph)
                if all(map(class_decides_type, classes)):
                    self._by_class[classes] = overload  # skips typeof for keyword calls
                elif key is not None:
                    self._by_array_key[key] = overload  # the same for calls with arrays
                if overload.argtypes != argtypes and _native_alias(argtypes, overload.argtypes):
                    self._aliases[argtypes] = overload  # the native slot calls it directly
                    self._refresh_table()
            if self._eager:
                _check_python_ints(args, overload.argtypes)
            return overload.entry_point(*args)
        except JitError as exc:
            if config.DEBUG or isinstance(exc, CompilerBug):
                raise
            raise user_facing(exc)  # noqa: B904 (itself; exc.internal_traceback, JITCORE_DEBUG)

    __call__ = _miss  # until the native slot is installed: one frame, not two

    def _bind(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
        """All arguments in parameter order, with defaults filled in, as Python binds them."""
        if self._simple_params and len(args) <= len(self._defaults):
            # Plain parameters: fill a list (inspect.Signature.bind is ~10x slower).
            values = list(args) + self._defaults[len(args):]
            for name, value in kwargs.items():
                i = self._param_index.get(name, -1)
                if i < len(args):  # unknown name or given twice: let inspect word it
                    break
                values[i] = value
            else:
                # `is`, not `in`: `in` also compares with ==, which an array answers elementwise
                if not any(v is _NO_DEFAULT for v in values):
                    return tuple(values)
        self._check_keywords(args, kwargs)
        try:
            bound = self._pysig.bind(*args, **kwargs)
        except TypeError as exc:  # inspect's messages do not name the function
            raise TypeError(f"{self.__qualname__}(): {exc}") from None
        bound.apply_defaults()
        return tuple(bound.arguments.values())

    def _check_keywords(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        """CPython's words for a bad keyword, which inspect reports as a missing argument."""
        from inspect import Parameter

        params = self._pysig.parameters
        for name in kwargs:
            param = params.get(name)
            if param is None or param.kind is Parameter.POSITIONAL_ONLY:
                raise TypeError(f"{self.__qualname__}() got an unexpected keyword argument "
                                f"'{name}'")
            if param.kind is Parameter.POSITIONAL_OR_KEYWORD and list(params).index(name) < len(
                    args):
                raise TypeError(f"{self.__qualname__}() got multiple values for argument "
                                f"'{name}'")

    @property
    def arity(self) -> int:
        """The number of parameters; compiled code passes exactly that many values."""
        return len(self._defaults)

    def bind_ir(self, args: list[Any], kwargs: dict[str, Any]) -> list[Any]:
        """Bind a call from compiled code: IR values in parameter order, defaults as constants.

        Raises TypingError where Python would raise TypeError.
        """
        from jitcore.frontend import ir
        from jitcore.frontend.errors import TypingError

        try:
            values = self._bind(tuple(args), kwargs)
        except TypeError as exc:
            raise TypingError(str(exc), None) from None
        return [v if isinstance(v, ir.Value) else ir.Constant(v) for v in values]

    def _typeof_args(self, args: tuple[Any, ...]) -> tuple[t.Type, ...]:
        types = []
        for name, value in zip(self._param_names, args):
            ty = typeof(value)
            if ty is None:
                why = describe_untyped(value)
                if why is not None:
                    raise TypeError(f"{self.__qualname__}(): argument '{name}' is {why}")
                raise TypeError(f"{self.__qualname__}(): argument '{name}' has type "
                                f"{_describe(value)}, which compiled code does not support")
            types.append(ty)
        return tuple(types)

    def _convertible(self, argtypes: tuple[t.Type, ...]) -> Overload:
        """The eager overload `argtypes` converts to most cheaply, or a TypeError."""
        best = _best_conversion(argtypes, list(self.overloads))
        if best is not None:
            return self.overloads[best]
        raise TypeError(self._mismatch(argtypes, list(self.overloads)))

    # --- what the compiler uses (jitcore.compiler.Compilable) ------------------------------

    @property
    def disk_cache(self) -> Any:
        """The on-disk cache (jitcore.caching.FunctionCache), or None without cache=True."""
        return self._cache

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return tuple(self._pysig.parameters)

    def typed_for(self, argtypes: tuple[t.Type, ...]) -> Typed | None:
        return self._typed.get(argtypes)

    def remember_typed(self, typed: Typed) -> None:
        self._typed.setdefault(typed.signature.args, typed)

    def declared_return(self, argtypes: tuple[t.Type, ...]) -> t.Type | None:
        return self._declared_returns.get(argtypes)

    def callee_argtypes(self, argtypes: tuple[t.Type, ...]) -> tuple[t.Type, ...]:
        """The declared signature a call from compiled code converts `argtypes` to
        (a TypingError if none fits); `argtypes` itself for lazily compiled functions."""
        if not self._eager:
            return argtypes
        from jitcore.frontend.errors import TypingError

        best = _best_conversion(argtypes, self._eager_sigs)
        if best is None:
            raise TypingError(self._mismatch(argtypes, self._eager_sigs), None,
                              "call it with arguments of a declared signature")
        return best

    def _mismatch(self, argtypes: tuple[t.Type, ...], sigs: list[tuple[t.Type, ...]]) -> str:
        names = list(self._pysig.parameters)
        expected = "; ".join(f"({', '.join(map(str, sig))})" for sig in sigs)
        for sig in sigs:
            if len(sig) != len(argtypes):
                continue
            for i, (a, b) in enumerate(zip(argtypes, sig)):
                if not t.can_convert(a, b):
                    return (f"{self.__qualname__}(): argument '{names[i]}' has type {a}, "
                            f"expected {b}; compiled signatures: {expected}")
        return (f"{self.__qualname__}(): no compiled signature matches "
                f"({', '.join(map(str, argtypes))}); compiled signatures: {expected}")

    # --- compiling -----------------------------------------------------------------------

    def compile(self, spec: Any) -> Overload:
        """Compile eagerly for a signature string, `Signature` or tuple of types."""
        from jitcore.typeinfer.signatures import parse_signature

        try:
            ret, argtypes = parse_signature(spec)
            self.declare(ret, argtypes)
            return self.compile_overload(argtypes)
        except JitError as exc:
            if config.DEBUG or isinstance(exc, CompilerBug):
                raise
            raise user_facing(exc)  # noqa: B904 (itself; exc.internal_traceback, JITCORE_DEBUG)

    def declare(self, ret: t.Type | None, argtypes: tuple[t.Type, ...]) -> None:
        """Record a signature given by the user (jit("f8(f8)"), export, compile())."""
        if ret is not None:  # the declared return type is what callers get
            self._declared_returns[argtypes] = ret
        if argtypes not in self._eager_sigs:
            self._eager_sigs.append(argtypes)

    def compile_overload(self, argtypes: tuple[t.Type, ...]) -> Overload:
        with compile_lock:
            existing = self._compiled.get(argtypes)
            if existing is not None:
                return existing
            overload = compile_overload(self, argtypes, self._symbol(argtypes))
            self._compiled[argtypes] = overload
            return overload

    def forget(self, overload: Overload) -> None:
        """Drop an overload whose compilation failed before it was finalized."""
        self._compiled.pop(overload.argtypes, None)

    def register(self, overload: Overload) -> None:
        """Make a finalized overload callable (called by the compiler after finalize)."""
        from jitcore.targets.nativecall import entry_point, install

        overload.wrapper_address = overload.library.address(overload.wrapper_symbol)
        overload.entry_point = entry_point(self.__name__, overload.wrapper_address)
        self.overloads[overload.argtypes] = overload
        self._refresh_table()
        install(Dispatcher, "_jc_table", "_jc_miss")

    def _refresh_table(self) -> None:
        """Rebuild the native slot's table: each overload under the exact classes that
        have its types (int, float, bool, complex), and again under NumPy's scalar classes."""
        from jitcore.targets.nativecall import MAX_ARGS, build_table, note_ndarray_type

        entries = []
        for argtypes, ov in [*self.overloads.items(), *self._aliases.items()]:
            if len(argtypes) > MAX_ARGS or not ov.returnable:
                continue
            for variant in (_python_class, _numpy_class):
                ids = [_fast_type_id(ty, variant) for ty in argtypes]
                if all(ids) and (ov.wrapper_address, ids) not in entries:
                    entries.append((ov.wrapper_address, ids))
        self._jc_table = build_table(entries)
        np = sys.modules.get("numpy")
        if np is not None:
            note_ndarray_type(id(np.ndarray))

    def _symbol(self, argtypes: tuple[t.Type, ...]) -> str:
        """Named by content where it can be (so cached code links across processes)."""
        from jitcore.caching import overload_tag
        from jitcore.compiler import symbol_taken

        name = re.sub(r"[^A-Za-z0-9_.]", "_", f"{self.__module__}.{self.__qualname__}")
        types = ",".join(map(str, argtypes))
        tag = overload_tag(self, argtypes)
        if tag is not None and not symbol_taken(f"jc.{name}.{tag}({types})"):
            return f"jc.{name}.{tag}({types})"
        return f"jc.{name}.{tag or ''}{self._uid}({types})"

    def cache_info(self) -> dict[str, Any]:
        """With cache=True: hits, misses, stores, directory and why caching did not apply."""
        if self._cache is None:
            return {"reason": "cache=True was not given"}
        return self._cache.info()

    @property
    def stats(self) -> Any:
        """Numba's `dispatcher.stats`: the cache directory and, per argument types, the
        overloads loaded from the cache (`cache_hits`) and the lookups that found nothing
        (`cache_misses`), as Counters."""
        from collections import Counter
        from types import SimpleNamespace

        cache = self._cache
        if cache is None:
            return SimpleNamespace(cache_path=None, cache_hits=Counter(), cache_misses=Counter())
        return SimpleNamespace(cache_path=cache.info()["directory"],
                               cache_hits=Counter(dict.fromkeys(cache.loaded, 1)),
                               cache_misses=Counter(cache.missed))

    # --- inspection ----------------------------------------------------------------------

    @property
    def signatures(self) -> list[tuple[t.Type, ...]]:
        return list(self.overloads)

    @property
    def nopython_signatures(self) -> list[t.Signature]:
        return [ov.signature for ov in self.overloads.values()]

    def _overload_for(self, signature: Any) -> Overload:
        if isinstance(signature, t.Signature):
            signature = signature.args
        return self.overloads[tuple(signature)]

    def inspect_llvm(self, signature: Any = None) -> Any:
        """The optimised LLVM IR: the function, then the wrapper Python calls, labelled."""
        if signature is None:
            return {sig: self.inspect_llvm(sig) for sig in self.overloads}
        ov = self._overload_for(signature)
        return label_llvm(ov.library.ir_text, self._section_labels(ov))

    def inspect_asm(self, signature: Any = None) -> Any:
        """The host assembly: the function, then the wrapper Python calls (where LLVM
        inlines the function, so the loop Python runs is there too), labelled."""
        if signature is None:
            return {sig: self.inspect_asm(sig) for sig in self.overloads}
        ov = self._overload_for(signature)
        return label_asm(ov.library.asm(), self._section_labels(ov))

    def _section_labels(self, ov: Overload) -> dict[str, str]:
        from jitcore.lowering.aliasing import MAYALIAS, NOALIAS  # inspecting only: loads llvmlite

        name = f"{self.__qualname__}({', '.join(map(str, ov.signature.args))})"
        return {ov.symbol: f"{name}: the function, as compiled code calls it",
                ov.wrapper_symbol: f"{name}: the entry point Python calls (CPython wrapper, "
                                   "usually with the function inlined)",
                # alias versions, when the function has them
                ov.symbol + NOALIAS: f"{name}: its body for arrays that do not overlap",
                ov.symbol + MAYALIAS: f"{name}: its body for overlapping arrays"}

    def inspect_types(self, signature: Any = None, file: Any = None) -> str:
        sigs = [signature] if signature is not None else list(self.overloads)
        text = "\n\n".join(_format_typed(self.py_func, self._overload_for(s)) for s in sigs)
        if file is not None:
            print(text, file=file)
        return text

    def __repr__(self) -> str:
        return f"<jitcore.Dispatcher {self.__qualname__}>"

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """By reference (module, qualname) where importable, else by value: jitcore.pickling."""
        from jitcore.pickling import reduce_dispatcher

        return reduce_dispatcher(self)

    def __get__(self, obj: Any, objtype: Any = None) -> Any:
        return self if obj is None else functools.partial(self, obj)


_VARARGS, _VARKEYWORDS = 0x04, 0x08  # code flags (inspect.CO_VARARGS, CO_VARKEYWORDS)


def _parameters(func: Callable[..., Any]) -> tuple[list[str], list[Any], bool]:
    """(names, defaults or _NO_DEFAULT, all plain positional-or-keyword) of `func`'s
    parameters in `inspect.signature` order, read from its code object: importing
    inspect costs milliseconds, and a cache hit runs this."""
    code = getattr(func, "__code__", None)
    if (not isinstance(func, types.FunctionType) or hasattr(func, "__wrapped__")
            or hasattr(func, "__signature__") or code is None):
        import inspect  # what inspect.signature sees may differ from the code object

        params = list(inspect.signature(func).parameters.values())
        return ([p.name for p in params],
                [_NO_DEFAULT if p.default is p.empty else p.default for p in params],
                all(p.kind is p.POSITIONAL_OR_KEYWORD for p in params))
    npos, nkw = code.co_argcount, code.co_kwonlyargcount
    varnames = code.co_varnames
    positional, kwonly = list(varnames[:npos]), list(varnames[npos:npos + nkw])
    extra = varnames[npos + nkw:]
    defaults = list(func.__defaults__ or ())
    kwdefaults = func.__kwdefaults__ or {}
    names = list(positional)
    values = [_NO_DEFAULT] * (npos - len(defaults)) + defaults
    if code.co_flags & _VARARGS:
        names.append(extra[0])
        values.append(_NO_DEFAULT)
        extra = extra[1:]
    names += kwonly
    values += [kwdefaults.get(name, _NO_DEFAULT) for name in kwonly]
    if code.co_flags & _VARKEYWORDS:
        names.append(extra[0])
        values.append(_NO_DEFAULT)
    simple = len(names) == npos and code.co_posonlyargcount == 0
    return names, values, simple


def _format_typed(py_func: Any, overload: Overload) -> str:
    from jitcore.frontend.irprint import format_typed

    if overload.typed.graph is None:  # loaded from the on-disk cache: no typed graph
        return f"{py_func.__qualname__} {overload.signature}: loaded from cache"
    return format_typed(py_func, overload.typed.graph)


def _describe(value: Any) -> str:
    """The Python type of `value`, with the item types of a tuple: tuple(int, str)."""
    if type(value) is tuple:
        return f"tuple({', '.join(_describe(v) for v in value)})"
    return type(value).__name__


def _conversion_cost(src: t.Type, dst: t.Type) -> int:
    """How far a value travels converting `src` to `dst`: kinds first, then widths."""
    if src == dst:
        return 0
    if isinstance(src, t.Tuple) and isinstance(dst, t.Tuple):
        return sum(_conversion_cost(a, b) for a, b in zip(src.items, dst.items))
    if isinstance(src, t.Array):  # a layout or read-only promise given up
        return 1
    if isinstance(dst, t.Optional):  # None, or a value taken as the base type
        return 1 if isinstance(src, t.NoneType) else 1 + _conversion_cost(src, dst.base)
    kinds = (t.Boolean, t.Integer, t.Float, t.Complex)
    gap = kinds.index(type(dst)) - kinds.index(type(src))
    return 100 * gap + 1


def _check_python_ints(args: tuple[Any, ...], argtypes: tuple[t.Type, ...]) -> None:
    """A Python int converted to a declared integer type must fit it, as NumPy requires
    (np.uint8(-1) raises OverflowError; NumPy integers wrap, as NumPy casts them)."""
    for value, ty in zip(args, argtypes):
        if isinstance(value, int) and not isinstance(value, bool) and isinstance(
                ty, t.Integer):
            low = -(1 << (ty.bitwidth - 1)) if ty.signed else 0
            high = (1 << (ty.bitwidth - (1 if ty.signed else 0))) - 1
            if not low <= value <= high:
                raise OverflowError(f"Python integer {value} out of bounds for {ty.name}")


def _best_conversion(argtypes: tuple[t.Type, ...],
                     sigs: list[tuple[t.Type, ...]]) -> tuple[t.Type, ...] | None:
    """The signature `argtypes` converts to (t.can_convert) at the least cost, or None."""
    best, best_cost = None, -1
    for sig in sigs:
        if len(sig) == len(argtypes) and all(map(t.can_convert, argtypes, sig)):
            cost = sum(map(_conversion_cost, argtypes, sig))
            if best is None or cost < best_cost:
                best, best_cost = sig, cost
    return best


_PYTHON_CLASSES: dict[t.Type, type] = {t.int64: int, t.float64: float, t.boolean: bool,
                                       t.complex128: complex}


def _native_alias(given: tuple[t.Type, ...], declared: tuple[t.Type, ...]) -> bool:
    """Whether arguments of types `given` can go straight to the wrapper of an overload
    declared for `declared`: the same types, except arrays declared with any layout ('A',
    as "f8[:]" is) given a C or F one (the wrapper reads their strides either way)."""
    return all(g == d or (isinstance(g, t.Array) and isinstance(d, t.Array)
                          and d.layout == "A" and g.copy(layout="A") == d)
               for g, d in zip(given, declared))


def _python_class(ty: t.Type) -> type | None:
    """The Python class whose values all have type `ty` (int for int64), if any."""
    return _PYTHON_CLASSES.get(ty)


def _fast_type_id(ty: t.Type, variant: Callable[[t.Type], type | None]) -> int:
    """The native slot's word for an argument of type `ty` (0: no fast path).

    Numbers are matched by the address of their exact class (`variant` picks Python's or
    NumPy's); arrays by a code of dtype number, ndim, layout and read-only flag.
    """
    if isinstance(ty, t.Array):
        from jitcore.targets.nativecall import array_code

        np = sys.modules.get("numpy")
        if np is None or not ty.dtype.is_number or not ty.aligned:
            return 0  # the slot's code for unaligned data is 0 too: the Python path types it
        return array_code(np.dtype(ty.dtype.name).num, ty.ndim, ty.layout, ty.readonly)
    cls = variant(ty)
    return id(cls) if cls is not None else 0


def _numpy_class(ty: t.Type) -> type | None:
    """NumPy's scalar class for `ty` (np.float32), if NumPy is loaded: it is never loaded
    just for this, since values of its classes cannot exist before it is."""
    np = sys.modules.get("numpy")
    if np is None or not ty.is_number:
        return None
    return np.dtype(ty.name).type  # type: ignore[no-any-return]


def _array_key(args: tuple[Any, ...], classes: tuple[type, ...]) -> tuple[Any, ...] | None:
    """What decides the types of `args` when some are ndarrays, or None when a class alone
    does not (tuples, subclasses of ndarray): per array its dtype (byte order included),
    ndim and type-deciding flags, per scalar its class. typeof costs ~3 us an array; this
    costs a few hundred nanoseconds."""
    np = sys.modules.get("numpy")  # no array exists before NumPy is loaded
    ndarray = np.ndarray if np is not None else None
    key: list[Any] = []
    for value, cls in zip(args, classes):
        if cls is ndarray:
            key.append((value.dtype, value.ndim, value.flags.num & _TYPE_FLAGS))
        elif class_decides_type(cls):
            key.append(cls)
        else:
            return None
    return tuple(key)

