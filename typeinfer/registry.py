"""Registries of typing rules, one table per kind of operation.

    @binop_rule("add", Integer, Integer)
    def int_add(lhs, rhs):
        ty = promote(lhs, rhs)
        return Signature(ty, (ty, ty))

A rule receives the operand types and returns a `Signature` (the result type
and the types the operands are converted to before the operation), or None
to let a later rule try. Rules are tried in registration order; the first
whose classes match and which returns a signature wins.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jitcore.typeinfer.domains import DomainLoader

from .rules import DOMAINS, NUMPY_DOMAINS
from .types import Signature, Type

Rule = Callable[..., Any]
# key (an operation name, or a Python object such as math.sqrt for calls) -> rules
_RULES: dict[Any, list[tuple[tuple[type, ...], Rule]]] = {}
_ATTRS: dict[tuple[type, str], Rule] = {}
# Rules for single objects made at run time (ufuncs built by @vectorize): id -> (object, rule).
# Kept out of _RULES so `all_call_keys` lists only what jitcore itself supports.
_RUNTIME: dict[int, tuple[Any, Rule]] = {}


def _key(key: Any) -> Any:
    # Python functions are keyed by identity; names and types by value.
    return key if isinstance(key, (str, tuple)) else ("obj", id(key))


def _register(key: Any, classes: tuple[type, ...]) -> Callable[[Rule], Rule]:
    def decorator(fn: Rule) -> Rule:
        _RULES.setdefault(_key(key), []).append((classes, fn))
        return fn

    return decorator


def op_rule(opname: str, *classes: Any) -> Callable[[Rule], Rule]:
    """A rule for an operation of any arity (setitem has three operands)."""
    return _register(opname, classes)


def binop_rule(opname: str, lhs: type, rhs: type) -> Callable[[Rule], Rule]:
    """A rule for `lhs <opname> rhs`, called as fn(lhs_type, rhs_type)."""
    return _register(opname, (lhs, rhs))


def unop_rule(opname: str, operand: type) -> Callable[[Rule], Rule]:
    """A rule for a unary operation (neg, pos, invert, not_, truth, iter, iternext)."""
    return _register(opname, (operand,))


def call_rule(*callees: Any) -> Callable[[Rule], Rule]:
    """A rule for calling Python objects (math.sqrt, abs, range), called as fn(args, kws).

    `args` is a tuple of types, `kws` a dict of name -> type. Variadic in args.
    """
    def decorator(fn: Rule) -> Rule:
        for callee in callees:
            _RULES.setdefault(_key(callee), []).append(((), fn))
        return fn

    return decorator


def method_rule(cls: Any, name: str) -> Callable[[Rule], Rule]:
    """A rule for `obj.name(*args, **kws)` on receivers of type `cls`: fn(this, args, kws).

    The signature lists the receiver, the positional and then the keyword arguments;
    the implementation is `lower("method.<name>", cls)`.
    """
    return _register(("method", name), (cls,))


def resolve_method(this: Type, name: str, args: tuple[Type, ...],
                   kws: dict[str, Type]) -> Signature | None:
    """The signature of a method call, from a method rule or an operation rule "method.name"."""
    _ensure_loaded()
    for classes, fn in _RULES.get(("method", name), ()):
        if isinstance(this, classes[0]):
            sig = fn(this, args, kws)
            if sig is not None:
                return _as_signature(sig, (this, *args, *kws.values()))
    return None if kws else resolve(f"method.{name}", this, *args)


def attr_rule(cls: type, attr: str) -> Callable[[Rule], Rule]:
    """A rule for `obj.attr` where obj's type is an instance of `cls`: fn(ty) -> Type."""
    def decorator(fn: Rule) -> Rule:
        _ATTRS[(cls, attr)] = fn
        return fn

    return decorator


_DOMAINS = DomainLoader("jitcore.typeinfer.rules", DOMAINS, NUMPY_DOMAINS)
_ensure_loaded = _DOMAINS.ensure


def resolve(key: Any, *types: Type) -> Signature | None:
    """The signature the first matching rule for `key` gives the operand types."""
    _ensure_loaded()
    for classes, fn in _RULES.get(_key(key), ()):
        if len(classes) == len(types) and all(isinstance(t, c) for t, c in zip(types, classes)):
            sig = fn(*types)
            if sig is not None:
                return _as_signature(sig, types)
    return None


def runtime_call_rule(callee: Any, fn: Rule) -> None:
    """A call rule for one object created by the program (fn as for `call_rule`)."""
    _RUNTIME[id(callee)] = (callee, fn)


def resolve_call(callee: Any, args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
    _ensure_loaded()
    runtime = _RUNTIME.get(id(callee))
    if runtime is not None and runtime[0] is callee:
        found = runtime[1](args, kws)
        return None if found is None else _as_signature(found, args)
    for _, fn in _RULES.get(_key(callee), ()):
        sig = fn(args, kws)
        if sig is not None:
            return _as_signature(sig, args)
    return None


def has_call_rule(callee: Any) -> bool:
    _ensure_loaded()
    return _key(callee) in _RULES or id(callee) in _RUNTIME


def resolve_attr(ty: Type, attr: str) -> Type | None:
    _ensure_loaded()
    for klass in type(ty).__mro__:
        fn = _ATTRS.get((klass, attr))
        if fn is not None:
            result: Type | None = fn(ty)
            return result
    return None


def _as_signature(sig: Signature | Type, types: tuple[Type, ...]) -> Signature:
    return sig if isinstance(sig, Signature) else Signature(sig, tuple(types))


def all_call_keys() -> list[Any]:
    """Every registered key, for the supported-features reference and coverage tests."""
    _ensure_loaded()
    return list(_RULES)
