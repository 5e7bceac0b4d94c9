"""The object `@njit` returns: compiles per argument types and calls native code.

    f = Dispatcher(py_func, options)
    f(1, 2.0)        # native tp_call: known types -> generated wrapper, no Python frame
                     # otherwise -> _miss(): typeof, compile, call

Calls with keyword arguments, defaults or types without a native fast path
go through `_miss`, which binds the arguments like Python and dispatches on
their types. With eager signatures, nothing else is compiled: arguments are
converted to the first signature they fit, or rejected with a TypeError.
"""
from __future__ import annotations

import functools
import inspect
import itertools
import re
from typing import Any, Callable

from jitcore import config
from jitcore.compiler import Overload, Typed, compile_lock, compile_overload
from typeinfer import types as t
from typeinfer.typeof import typeof

_symbol_ids = itertools.count()


class Dispatcher:
    """A jitted function: `py_func`, `signatures`, `overloads`, `inspect_*()`."""

    __slots__ = ("_jc_table", "_jc_miss", "__dict__", "__weakref__")
    _jitcore_dispatcher = True

    def __init__(self, py_func: Callable[..., Any], options: dict[str, Any],
                 signatures: list[Any] | None = None) -> None:
        functools.update_wrapper(self, py_func)
        self.py_func = py_func
        self.targetoptions = dict(options)
        self.opt_level = config.OPT_LEVEL
        self.overloads: dict[tuple[t.Type, ...], Overload] = {}
        self._typed: dict[tuple[t.Type, ...], Typed] = {}
        self._compiled: dict[tuple[t.Type, ...], Overload] = {}  # loaded, maybe not finalized
        self._declared_returns: dict[tuple[t.Type, ...], t.Type] = {}
        self._pysig = inspect.signature(py_func)
        self._uid = next(_symbol_ids)
        self._eager = bool(signatures)
        from targets.nativecall import build_table

        self._jc_table = build_table([])
        self._jc_miss = self._miss
        for spec in signatures or ():
            self.compile(spec)

    # --- calling -------------------------------------------------------------------------

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._miss(*args, **kwargs)

    def _miss(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs or len(args) != len(self._pysig.parameters):
            args = self._bind(args, kwargs)
        argtypes = self._typeof_args(args)
        overload = self.overloads.get(argtypes)
        if overload is None:
            overload = self._convertible(argtypes) if self._eager else self.compile_overload(
                argtypes)
        return overload.entry_point(*args)

    def _bind(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
        bound = self._pysig.bind(*args, **kwargs)
        bound.apply_defaults()
        return bound.args

    def _typeof_args(self, args: tuple[Any, ...]) -> tuple[t.Type, ...]:
        types = []
        for name, value in zip(self._pysig.parameters, args):
            ty = typeof(value)
            if ty is None:
                raise TypeError(f"{self.__qualname__}(): argument '{name}' has type "
                                f"{type(value).__name__}, which compiled code does not support")
            types.append(ty)
        return tuple(types)

    def _convertible(self, argtypes: tuple[t.Type, ...]) -> Overload:
        for sig, overload in self.overloads.items():
            if all(t.can_convert(a, b) for a, b in zip(argtypes, sig)):
                return overload
        names = list(self._pysig.parameters)
        expected = "; ".join(f"({', '.join(map(str, sig))})" for sig in self.overloads)
        for sig in self.overloads:
            for i, (a, b) in enumerate(zip(argtypes, sig)):
                if not t.can_convert(a, b):
                    raise TypeError(f"{self.__qualname__}(): argument '{names[i]}' has type {a}, "
                                    f"expected {b}; compiled signatures: {expected}")
        raise TypeError(f"{self.__qualname__}(): no compiled signature matches "
                        f"({', '.join(map(str, argtypes))}); compiled signatures: {expected}")

    # --- compiling -----------------------------------------------------------------------

    def compile(self, spec: Any) -> Overload:
        """Compile eagerly for a signature string, `Signature` or tuple of types."""
        from typeinfer.signatures import parse_signature

        ret, argtypes = parse_signature(spec)
        if ret is not None:  # the declared return type is what callers get
            self._declared_returns[argtypes] = ret
        return self.compile_overload(argtypes)

    def compile_overload(self, argtypes: tuple[t.Type, ...]) -> Overload:
        with compile_lock:
            existing = self._compiled.get(argtypes)
            if existing is not None:
                return existing
            overload = compile_overload(self, argtypes, self._symbol(argtypes))
            self._compiled[argtypes] = overload
            return overload

    def _register(self, overload: Overload) -> None:
        """Make a finalized overload callable (called by the compiler after finalize)."""
        from targets.nativecall import entry_point, install

        overload.wrapper_address = overload.library.address(overload.wrapper_symbol)
        overload.entry_point = entry_point(self.__name__, overload.wrapper_address)
        self.overloads[overload.argtypes] = overload
        self._refresh_table()
        install(Dispatcher, "_jc_table", "_jc_miss")

    def _refresh_table(self) -> None:
        from targets.nativecall import MAX_ARGS, build_table

        entries = []
        for argtypes, ov in self.overloads.items():
            ids = [_fast_type_id(ty) for ty in argtypes]
            if len(ids) <= MAX_ARGS and all(ids):
                entries.append((ov.wrapper_address, ids))
        self._jc_table = build_table(entries)  # type: ignore[arg-type]

    def _symbol(self, argtypes: tuple[t.Type, ...]) -> str:
        name = re.sub(r"[^A-Za-z0-9_.]", "_", f"{self.__module__}.{self.__qualname__}")
        return f"jc.{name}.{self._uid}({','.join(map(str, argtypes))})"

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
        if signature is None:
            return {sig: ov.library.ir_text for sig, ov in self.overloads.items()}
        return self._overload_for(signature).library.ir_text

    def inspect_asm(self, signature: Any = None) -> Any:
        if signature is None:
            return {sig: ov.library.asm() for sig, ov in self.overloads.items()}
        return self._overload_for(signature).library.asm()

    def inspect_types(self, signature: Any = None, file: Any = None) -> str:
        from jitcore.irprint import format_typed

        sigs = [signature] if signature is not None else list(self.overloads)
        text = "\n\n".join(format_typed(self.py_func, self._overload_for(s).typed.graph)
                           for s in sigs)
        if file is not None:
            print(text, file=file)
        return text

    def __repr__(self) -> str:
        return f"<jitcore.Dispatcher {self.__qualname__}>"

    def __get__(self, obj: Any, objtype: Any = None) -> Any:
        return self if obj is None else functools.partial(self, obj)


_FAST_TYPES: dict[t.Type, type] = {t.int64: int, t.float64: float, t.boolean: bool,
                                   t.complex128: complex}


def _fast_type_id(ty: t.Type) -> int:
    """The id of the Python type whose values have exactly type `ty`, or 0 if none."""
    cls = _FAST_TYPES.get(ty)
    if cls is None and ty.is_number:
        import numpy as np

        cls = np.dtype(ty.name).type
    return id(cls) if cls is not None else 0

