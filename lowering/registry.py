"""The table of operation implementations, keyed like the typing rules.

    @lower("add", Integer, Integer)
    def int_add(ctx, sig, lhs, rhs):
        return ctx.b.add(lhs, rhs, name="sum")

An implementation receives the emission context, the op's `Signature` and
the operands already converted to `sig.args`; it returns the result as an
llvmlite value (or None for ops without a result). Keys are operation names
or, for calls, the called Python object (math.sqrt, range). Registering the
same key and classes twice is an error.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jitcore.typeinfer.domains import DomainLoader

from .impls import DOMAINS, NUMPY_DOMAINS

Impl = Callable[..., Any]
_IMPLS: dict[Any, list[tuple[tuple[Any, ...], Impl]]] = {}
_RUNTIME: dict[int, tuple[Any, Impl]] = {}  # objects made by the program: id -> (object, impl)


def _key(key: Any) -> Any:
    return key if isinstance(key, str) else ("obj", id(key))


def lower(key: Any, *classes: Any) -> Callable[[Impl], Impl]:
    """Register an implementation of `key` for operands whose types match `classes`.

    With no classes the implementation accepts any operand types (calls).
    """
    def decorator(fn: Impl) -> Impl:
        entries = _IMPLS.setdefault(_key(key), [])
        for k, (existing, old) in enumerate(entries):
            if existing == classes:
                if not _same_definition(old, fn):
                    raise ValueError(f"duplicate implementation of {key!r} for {classes}")
                entries[k] = (classes, fn)  # a domain re-imported after an interrupted import
                return fn
        entries.append((classes, fn))
        return fn

    return decorator


def _same_definition(a: Impl, b: Impl) -> bool:
    return (getattr(a, "__module__", None), getattr(a, "__qualname__", None)) == (
        getattr(b, "__module__", None), getattr(b, "__qualname__", None))


def lower_runtime(key: Any, fn: Impl) -> None:
    """The implementation of calls to one object created by the program (a @vectorize ufunc),
    for operands of any types; kept out of `registered_keys`."""
    _RUNTIME[id(key)] = (key, fn)


_DOMAINS = DomainLoader("jitcore.lowering.impls", DOMAINS, NUMPY_DOMAINS)
_ensure_loaded = _DOMAINS.ensure


def find(key: Any, types: tuple[Any, ...]) -> Impl | None:
    """The implementation of `key` for operand types `types`, or None."""
    _ensure_loaded()
    runtime = _RUNTIME.get(id(key))
    if runtime is not None and runtime[0] is key:
        return runtime[1]
    entries = _IMPLS.get(_key(key), ())
    # A method's implementation is registered for its receiver's class; its arguments vary.
    prefix_only = isinstance(key, str) and key.startswith("method.")
    for classes, fn in entries:  # implementations for specific types first
        arity_fits = len(classes) == len(types) or (prefix_only and len(classes) < len(types))
        if classes and arity_fits and all(isinstance(ty, c) for ty, c in zip(types, classes)):
            return fn
    return next((fn for classes, fn in entries if not classes), None)


def registered_keys() -> list[Any]:
    _ensure_loaded()
    return list(_IMPLS)
