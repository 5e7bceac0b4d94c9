"""@vectorize: genuine NumPy ufuncs whose loops call kernels compiled by jitcore.

    add = build_ufunc(py_add, ["int64(int64, int64)", "float64(float64, float64)"], ...)
    dyn = build_dynamic_ufunc(py_add, ...)     # no loops yet
    dyn(np.arange(3, dtype=np.int32), 1)       # NumPy asks our type resolver, which
                                               # compiles the (int32, int64) loop first

An eager ufunc has one loop per declared signature, in declaration order, so
NumPy's own type resolution (safe casting, first match) picks among them. A
dynamic ufunc compiles a loop the first time NumPy resolves new input dtypes:
its type resolver is generated code that calls `_on_resolve` and then NumPy's
default resolver, which finds the new loop first in the list.

What jitcore knows about a ufunc (its kernel, loops, target) is a `UfuncInfo`,
found with `info_of(ufunc)`; compiled callers use it (typeinfer.rules.ufuncs_user).
"""
from __future__ import annotations

import ctypes
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from jitcore.frontend.errors import TypingError
from jitcore.typeinfer import types as t

from .kernels import Kernel, elementwise_loop, from_dtype

_INFOS: dict[int, UfuncInfo] = {}  # id(ufunc) -> info; the info keeps the ufunc alive


@dataclass(eq=False)
class UfuncInfo:
    """A ufunc built by @vectorize: its kernel and the loop signature of each input types."""

    kernel: Kernel
    ufunc: Any
    dynamic: bool
    parallel: bool
    loops: dict[tuple[t.Type, ...], t.Signature] = field(default_factory=dict)

    @property
    def py_func(self) -> Callable[..., Any]:
        return self.kernel.dispatcher.py_func

    def add_loop(self, overload: Any) -> None:
        """Give the ufunc a loop calling the kernel `overload` (first in NumPy's list)."""
        from jitcore.targets.ufuncbuild import add_loop

        sig = overload.signature
        add_loop(self.ufunc, elementwise_loop(self.kernel, overload, self.parallel))
        self.loops[sig.args] = sig

    def kernel_signature(self, argtypes: tuple[t.Type, ...]) -> t.Signature | None:
        """The kernel's signature for `argtypes`, inferred without compiling (dynamic ufuncs
        called from compiled code); None if it returns no number."""
        from jitcore.compiler import CALLEES

        sig = CALLEES.signature_of(self.kernel.dispatcher, argtypes)
        if sig is not None:
            _check_scalar_kernel(self.kernel, argtypes, sig)
        return sig

    def compile_for(self, argtypes: tuple[t.Type, ...]) -> t.Signature:
        """The loop signature for `argtypes`, compiling it first (dynamic ufuncs only)."""
        from jitcore.compiler import compile_lock

        with compile_lock:
            known = self.loops.get(argtypes)
            if known is not None:
                return known
            overload = self.kernel.compile(argtypes, argtypes)
            _check_scalar_kernel(self.kernel, argtypes, overload.signature)
            self.add_loop(overload)
            return overload.signature  # type: ignore[no-any-return]


def info_of(obj: Any) -> UfuncInfo | None:
    """The UfuncInfo of a ufunc @vectorize built, else None."""
    info = _INFOS.get(id(obj))
    return info if info is not None and info.ufunc is obj else None


def _check_scalar_kernel(kernel: Kernel, spec: Any, sig: t.Signature) -> None:
    for ty in (*sig.args, sig.return_type):
        if not ty.is_number:
            raise TypingError(f"{kernel.describe(spec)}: a ufunc kernel takes and returns "
                              f"numbers, not {ty}", None,
                              "use @guvectorize for kernels working on arrays")


def _nin(py_func: Callable[..., Any]) -> int:
    params = inspect.signature(py_func).parameters.values()
    if any(p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params):
        raise TypeError(f"@vectorize: {py_func.__qualname__}() must take positional "
                        "parameters only (no *args, **kwargs or keyword-only parameters)")
    return len(params)


def _register(kernel: Kernel, ufunc: Any, dynamic: bool, parallel: bool,
              callable_from_jit: bool = True) -> UfuncInfo:
    info = UfuncInfo(kernel, ufunc, dynamic, parallel)
    _INFOS[id(ufunc)] = info
    if callable_from_jit:
        from jitcore.lowering.impls import ufuncs_user as lowering_side
        from jitcore.typeinfer.rules import ufuncs_user as typing_side

        typing_side.register(ufunc, info.kernel_signature if dynamic else None)
        lowering_side.register(ufunc, kernel.dispatcher)
    try:  # NumPy 2 ufuncs carry a __dict__; older ones simply go without these attributes
        ufunc.py_func = kernel.dispatcher.py_func
        ufunc._jitcore_ufunc = info
    except AttributeError:
        pass
    return info


def build_ufunc(py_func: Callable[..., Any], signatures: list[Any], options: dict[str, Any],
                identity: Any, parallel: bool) -> Any:
    """An eager ufunc with one loop per signature string."""
    from jitcore.targets.ufuncbuild import install_resolver, make_ufunc

    nin = _nin(py_func)
    kernel = Kernel(py_func, options, "@vectorize", py_func.__name__)
    overloads: list[Any] = []  # the kernel's overloads (jitcore.compiler.Overload)
    for spec in signatures:
        overload = kernel.compile(spec)
        sig = overload.signature
        if len(sig.args) != nin:
            raise TypingError(f"{kernel.describe(spec)}: {len(sig.args)} argument types for "
                              f"a function of {nin} parameters")
        _check_scalar_kernel(kernel, spec, sig)
        if all(ov.signature.args != sig.args for ov in overloads):
            overloads.append(overload)
    loops = [elementwise_loop(kernel, ov, parallel) for ov in overloads]
    ufunc = make_ufunc(py_func.__name__, loops, nin, 1, identity, py_func.__doc__ or "")
    info = _register(kernel, ufunc, dynamic=False, parallel=parallel)
    info.loops.update((ov.signature.args, ov.signature) for ov in overloads)
    install_resolver(ufunc, _resolver_address)  # for its error messages
    return ufunc


def build_dynamic_ufunc(py_func: Callable[..., Any], options: dict[str, Any], identity: Any,
                        parallel: bool) -> Any:
    """A ufunc without loops that compiles one for each new combination of input dtypes."""
    from jitcore.targets.ufuncbuild import install_resolver, make_ufunc

    nin = _nin(py_func)
    kernel = Kernel(py_func, options, "@vectorize", py_func.__name__)
    ufunc = make_ufunc(py_func.__name__, [], nin, 1, identity, py_func.__doc__ or "")
    _register(kernel, ufunc, dynamic=True, parallel=parallel)
    install_resolver(ufunc, _resolver_address)
    return ufunc


def _on_resolve(ufunc: Any, operands: int, requested: Any) -> None:
    """Called by the generated type resolver before NumPy's: compile the loop a dynamic ufunc
    needs for these operands (NumPy's operand array is at address `operands`) or for the
    dtypes asked for with dtype= / signature= (`requested`, one entry or None per argument)."""
    info = info_of(ufunc)
    if info is None or not info.dynamic:
        return
    pointers = (ctypes.c_void_p * ufunc.nin).from_address(operands)
    if not all(pointers):
        return  # not every input known (a reduction without out=): NumPy decides
    dtypes = [ctypes.cast(p, ctypes.py_object).value.dtype for p in pointers]
    if isinstance(requested, tuple) and len(requested) == ufunc.nargs:
        asked = [None if d is None else np.dtype(d) for d in requested]
        if all(d is not None for d in asked[:ufunc.nin]):
            dtypes = asked[:ufunc.nin]
        elif not any(asked[:ufunc.nin]) and asked[ufunc.nin] is not None:
            dtypes = [asked[ufunc.nin]] * ufunc.nin  # dtype=: the loop of that type
    argtypes = tuple(from_dtype(dt) for dt in dtypes)
    missing = [str(dt) for dt, ty in zip(dtypes, argtypes) if ty is None]
    if missing:
        raise TypeError(f"@vectorize ufunc '{ufunc.__name__}' cannot compile a loop for input "
                        f"dtypes ({', '.join(map(str, dtypes))}): compiled code has no type "
                        f"for {', '.join(missing)}")
    info.compile_for(argtypes)  # type: ignore[arg-type]


class NoLoopError(TypeError):
    """No loop of a @vectorize / @guvectorize ufunc takes these input dtypes."""


def _on_failure(ufunc: Any, operands: int, exc: BaseException) -> None:
    """Replace NumPy's "no loop" error by one listing the ufunc's compiled signatures."""
    info = info_of(ufunc)
    if info is None or not isinstance(exc, TypeError):
        return
    pointers = (ctypes.c_void_p * ufunc.nin).from_address(operands)
    if not all(pointers):
        return
    dtypes = ", ".join(str(ctypes.cast(p, ctypes.py_object).value.dtype) for p in pointers)
    loops = ", ".join(_show_loop(sig) for sig in info.loops.values()) or "none yet"
    raise NoLoopError(f"ufunc '{ufunc.__name__}' has no loop for input dtypes ({dtypes}) "
                      f"that the casting rules allow; its loops: {loops}") from exc


def _show_loop(sig: t.Signature) -> str:
    ret = "void" if sig.return_type == t.none else str(sig.return_type)
    return f"{ret}({', '.join(map(str, sig.args))})"


def _resolver_address(default: int) -> int:
    """The generated type resolver (built once) that calls `_on_resolve`, then `default`."""
    global _resolver, _default
    if _resolver is not None and default != _default:
        raise RuntimeError("NumPy gave two ufuncs different default type resolvers")
    if _resolver is None:
        _default = default
        from jitcore.targets.ufuncloops import RESOLVER, emit_type_resolver

        from .kernels import load_loop

        _resolver = load_loop([], lambda module, info: emit_type_resolver(
            module, info, _on_resolve, _on_failure, default), RESOLVER)
    return _resolver


_resolver: int | None = None
_default = 0
