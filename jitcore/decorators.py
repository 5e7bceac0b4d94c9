"""`jit` and `njit`: Numba's decorator surface.

    @njit                         lazy: compiled per new argument types
    @njit(cache=True, nogil=True) with options
    @njit("float64(int64, float64)")   eager: these signatures only
    @jit(["int64(int64)", "float64(float64)"], nopython=True)
    @export("float64(float64[:])")     for `python -m jitcore aot` (still a lazy @njit)
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jitcore.frontend import config

OPTIONS = frozenset({"nopython", "nogil", "cache", "parallel", "fastmath", "boundscheck",
                     "error_model", "inline", "forceobj", "looplift", "locals", "debug",
                     "no_cpython_wrapper", "no_cfunc_wrapper", "_nrt", "target", "opt"})


# "python": Python's arithmetic errors (ZeroDivisionError...), IEEE math results, as Numba;
# "numpy": no exceptions inside loops; "cpython": math raises as CPython does too.
ERROR_MODELS = frozenset({"python", "numpy", "cpython"})


def jit(signature_or_function: Any = None, **options: Any) -> Any:
    """Compile a function to native code; nopython mode is the default."""
    unknown = set(options) - OPTIONS
    if unknown:
        raise TypeError(f"jit() got unknown options: {', '.join(sorted(unknown))}")
    if options.get("forceobj") or options.get("nopython") is False:
        from jitcore.frontend.errors import UnsupportedError

        raise UnsupportedError("object mode is not supported: jitcore compiles nopython code",
                               None, "remove forceobj=True / nopython=False")
    options.setdefault("error_model", "python")
    if options["error_model"] not in ERROR_MODELS:
        raise ValueError(f"error_model must be one of {', '.join(sorted(ERROR_MODELS))}, "
                         f"not {options['error_model']!r}")
    signatures = None
    if signature_or_function is None:
        pass
    elif callable(signature_or_function) and not _is_signature(signature_or_function):
        return _make(signature_or_function, options, None)
    else:
        spec = signature_or_function
        signatures = list(spec) if isinstance(spec, list) else [spec]

    def decorator(func: Callable[..., Any]) -> Any:
        if not signatures:
            return _make(func, options, None)
        from jitcore.frontend.errors import CompilerBug, JitError, user_facing

        try:  # eager: compiles now
            return _make(func, options, signatures)
        except JitError as exc:  # the decorator line and the message (see jitcore.dispatcher)
            if config.DEBUG or isinstance(exc, CompilerBug):
                raise
            raise user_facing(exc)  # noqa: B904 (itself; exc.internal_traceback)

    return decorator


def njit(*args: Any, **options: Any) -> Any:
    """`jit` with nopython=True (the same thing in jitcore)."""
    options["nopython"] = True
    return jit(*args, **options)


def _is_signature(obj: Any) -> bool:
    from jitcore.typeinfer.types import Signature

    return isinstance(obj, Signature)


def _make(func: Callable[..., Any], options: dict[str, Any],
          signatures: list[Any] | None) -> Any:
    if config.DISABLE_JIT:
        return func
    if getattr(func, "_jitcore_dispatcher", False):
        func = func.py_func  # type: ignore[attr-defined]
    from jitcore.dispatcher import Dispatcher

    return Dispatcher(func, options, signatures)


def export(signature: str, name: str | None = None, **options: Any) -> Any:
    """Mark a function for ahead-of-time compilation with `signature` (stackable).

    The result is an ordinary lazy `njit` dispatcher, so the module still runs as Python
    with JIT compilation; `python -m jitcore aot module.py` finds the marks.
    """
    def decorator(func: Any) -> Any:
        exports = list(getattr(func, "_jitcore_exports", []))
        disp = func if getattr(func, "_jitcore_dispatcher", False) else njit(**options)(func)
        if not getattr(disp, "_jitcore_dispatcher", False):  # JITCORE_DISABLE_JIT
            return disp
        exports.insert(0, (name or disp.py_func.__name__, signature))  # decorators run bottom-up
        disp._jitcore_exports = exports
        return disp

    return decorator
