"""`jit` and `njit`: Numba's decorator surface.

    @njit                         lazy: compiled per new argument types
    @njit(cache=True, nogil=True) with options
    @njit("float64(int64, float64)")   eager: these signatures only
    @jit(["int64(int64)", "float64(float64)"], nopython=True)
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jitcore import config

OPTIONS = frozenset({"nopython", "nogil", "cache", "parallel", "fastmath", "boundscheck",
                     "error_model", "inline", "forceobj", "looplift", "locals", "debug",
                     "no_cpython_wrapper", "no_cfunc_wrapper", "_nrt", "target", "opt"})


def jit(signature_or_function: Any = None, **options: Any) -> Any:
    """Compile a function to native code; nopython mode is the default."""
    unknown = set(options) - OPTIONS
    if unknown:
        raise TypeError(f"jit() got unknown options: {', '.join(sorted(unknown))}")
    if options.get("forceobj") or options.get("nopython") is False:
        from jitcore.errors import UnsupportedError

        raise UnsupportedError("object mode is not supported: jitcore compiles nopython code",
                               None, "remove forceobj=True / nopython=False")
    options.setdefault("error_model", "python")
    signatures = None
    if signature_or_function is None:
        pass
    elif callable(signature_or_function) and not _is_signature(signature_or_function):
        return _make(signature_or_function, options, None)
    else:
        spec = signature_or_function
        signatures = list(spec) if isinstance(spec, list) else [spec]

    def decorator(func: Callable[..., Any]) -> Any:
        return _make(func, options, signatures)

    return decorator


def njit(*args: Any, **options: Any) -> Any:
    """`jit` with nopython=True (the same thing in jitcore)."""
    options["nopython"] = True
    return jit(*args, **options)


def _is_signature(obj: Any) -> bool:
    from typeinfer.types import Signature

    return isinstance(obj, Signature)


def _make(func: Callable[..., Any], options: dict[str, Any],
          signatures: list[Any] | None) -> Any:
    if config.DISABLE_JIT:
        return func
    if getattr(func, "_jitcore_dispatcher", False):
        func = func.py_func  # type: ignore[attr-defined]
    from jitcore.dispatcher import Dispatcher

    return Dispatcher(func, options, signatures)
