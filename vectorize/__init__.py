"""@vectorize and @guvectorize: NumPy ufuncs from Python kernels, serial or parallel.

    @vectorize(["float64(float64, float64)", "float32(float32, float32)"])
    def rel_diff(a, b):
        return 2 * (a - b) / (a + b)

    isinstance(rel_diff, np.ufunc)          # True: broadcasting, out=, reduce, ... from NumPy
    rel_diff.reduce(np.arange(1.0, 5.0))

    @vectorize                              # dynamic: a loop per new combination of dtypes
    def add(a, b):
        return a + b

    @guvectorize(["void(float64[:], float64[:], float64[:])"], "(n),(n)->()")
    def dot(x, y, out):
        ...

`target="parallel"` splits the outer loop across a native thread pool.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["guvectorize", "vectorize"]

_KERNEL_OPTIONS = frozenset({"nopython", "forceobj", "cache", "fastmath", "boundscheck",
                             "error_model", "nogil", "looplift", "locals", "inline", "opt"})
_TARGETS = ("cpu", "parallel")


def _split_options(decorator: str, options: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """(kernel options, parallel?) after checking the decorator's own options."""
    from jitcore.frontend.errors import UnsupportedError

    unknown = set(options) - _KERNEL_OPTIONS - {"identity", "target", "writable_args"}
    if unknown:
        raise TypeError(f"{decorator}() got unknown options: {', '.join(sorted(unknown))}")
    target = options.get("target", "cpu")
    if target not in _TARGETS:
        raise UnsupportedError(f"{decorator}(target={target!r}) is not supported", None,
                               "use target='cpu' or target='parallel'")
    if options.get("forceobj") or options.get("nopython") is False:
        raise UnsupportedError(f"{decorator}: object mode is not supported", None,
                               "jitcore compiles nopython kernels only")
    kernel = {k: v for k, v in options.items() if k in _KERNEL_OPTIONS and k != "forceobj"}
    return kernel, target == "parallel"


def _signature_list(spec: Any) -> list[Any]:
    return list(spec) if isinstance(spec, (list, tuple)) and not _is_type_tuple(spec) else [spec]


def _is_type_tuple(spec: Any) -> bool:
    from jitcore.typeinfer.types import Type

    return isinstance(spec, tuple) and all(isinstance(x, Type) for x in spec)


def vectorize(ftylist_or_function: Any = (), **options: Any) -> Any:
    """Turn a scalar function into a NumPy ufunc (eager with signatures, else dynamic)."""
    from .ufuncs import build_dynamic_ufunc, build_ufunc

    kernel_options, parallel = _split_options("vectorize", options)
    identity = options.get("identity")
    if callable(ftylist_or_function) and not isinstance(ftylist_or_function, str):
        return build_dynamic_ufunc(_py_func(ftylist_or_function), kernel_options, identity,
                                   parallel)
    signatures = _signature_list(ftylist_or_function) if ftylist_or_function else []

    def decorator(func: Callable[..., Any]) -> Any:
        if not signatures:
            return build_dynamic_ufunc(_py_func(func), kernel_options, identity, parallel)
        from jitcore.frontend.errors import JitError

        try:
            return build_ufunc(_py_func(func), signatures, kernel_options, identity, parallel)
        except JitError as exc:
            raise _shown(exc)  # noqa: B904 (itself; exc.internal_traceback)

    return decorator


def _shown(exc: Any) -> Any:
    """The error an eager build raises: the decorator line and the message (the compiler's
    frames in `exc.internal_traceback`), as @njit with signatures; every frame with
    JITCORE_DEBUG=1 or for a CompilerBug."""
    from jitcore import config
    from jitcore.frontend.errors import CompilerBug, user_facing

    return exc if config.DEBUG or isinstance(exc, CompilerBug) else user_facing(exc)


def guvectorize(ftylist: Any, signature: str, **options: Any) -> Any:
    """Turn a kernel writing into its output arrays into a generalised ufunc."""
    from .gufuncs import build_gufunc

    kernel_options, parallel = _split_options("guvectorize", options)
    identity = options.get("identity")
    signatures = _signature_list(ftylist)

    def decorator(func: Callable[..., Any]) -> Any:
        from jitcore.frontend.errors import JitError

        try:
            return build_gufunc(_py_func(func), signatures, signature, kernel_options,
                                identity, parallel)
        except JitError as exc:
            raise _shown(exc)  # noqa: B904 (itself; exc.internal_traceback)

    return decorator


def _py_func(func: Any) -> Callable[..., Any]:
    """The Python function of a function or of an @njit dispatcher."""
    py_func: Callable[..., Any] = (func.py_func if getattr(func, "_jitcore_dispatcher", False)
                                   else func)
    return py_func
