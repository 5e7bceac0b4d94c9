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
from typing import Any, TypeVar

from jitcore.frontend.errors import TypingError
from jitcore.typeinfer.domains import DomainLoader

from .binder import Bound, Default, Params, UnsupportedParameter

from .rules import DOMAINS, NUMPY_DOMAINS
from .types import Array, Signature, Type

Rule = Callable[..., Any]
# key (an operation name, or a Python object such as math.sqrt for calls) -> rules
_RULES: dict[Any, list[tuple[tuple[type, ...], Rule]]] = {}
_ATTRS: dict[tuple[type, str], Rule] = {}
# Rules for single objects made at run time (ufuncs built by @vectorize): id -> (object, rule).
# Kept out of _RULES so `all_call_keys` lists only what jitcore itself supports.
_RUNTIME: dict[int, tuple[Any, Rule]] = {}
# Declared Python signatures: call key -> Params; (receiver class, method name) -> Params.
# A rule of a callee with one is called with the bound arguments (a `Bound`), not (args, kws).
_PARAMS: dict[Any, Params] = {}
_METHOD_PARAMS: dict[tuple[type, str], Params] = {}
_DECLARED: dict[Any, Any] = {}  # call key -> the callee, for `declared_calls`
_CALLEES: dict[Any, Any] = {}  # call key -> the callee, for `undeclared_calls`
V = TypeVar("V")


def _key(key: Any) -> Any:
    # Python functions are keyed by identity; names and types by value.
    return key if isinstance(key, (str, tuple)) else ("obj", id(key))


def _register(key: Any, classes: tuple[type, ...]) -> Callable[[Rule], Rule]:
    def decorator(fn: Rule) -> Rule:
        _add(_key(key), classes, fn)
        return fn

    return decorator


def _add(key: Any, classes: tuple[type, ...], fn: Rule) -> None:
    """Append a rule; one defined at the same place replaces its earlier self (a domain module
    imported again after an interrupted import registers its rules again)."""
    rules = _RULES.setdefault(key, [])
    for k, (existing, old) in enumerate(rules):
        if existing == classes and _where(old) == _where(fn) and _where(fn)[1] != "<lambda>":
            rules[k] = (classes, fn)
            return
    rules.append((classes, fn))


def _where(fn: Rule) -> tuple[Any, Any, Any]:
    code = getattr(fn, "__code__", None)
    return (getattr(fn, "__module__", None), getattr(fn, "__qualname__", None),
            getattr(code, "co_firstlineno", None))


def op_rule(opname: str, *classes: Any) -> Callable[[Rule], Rule]:
    """A rule for an operation of any arity (setitem has three operands)."""
    return _register(opname, classes)


def binop_rule(opname: str, lhs: type, rhs: type) -> Callable[[Rule], Rule]:
    """A rule for `lhs <opname> rhs`, called as fn(lhs_type, rhs_type)."""
    return _register(opname, (lhs, rhs))


def unop_rule(opname: str, operand: type) -> Callable[[Rule], Rule]:
    """A rule for a unary operation (neg, pos, invert, not_, truth, iter, iternext)."""
    return _register(opname, (operand,))


def call_rule(*callees: Any, params: Params | None = None) -> Callable[[Rule], Rule]:
    """A rule for calling Python objects (math.sqrt, abs, range).

    With `params` (the callee's declared signature) the call is bound before typing and the
    rule is called as fn(bound): a `Bound` mapping each supported parameter to its type, the
    defaults of omitted ones included; it returns the signature with the arguments in
    parameter order (`bound.types(convert)`). Without, fn(args, kws): `args` a tuple of
    types, `kws` a dict of name -> type.
    """
    def decorator(fn: Rule) -> Rule:
        for callee in callees:
            key = _key(callee)
            if (key in _PARAMS) != (params is not None) and key in _RULES:
                raise ValueError(f"every rule of {callee!r} must declare the same parameters")
            if params is not None:
                _PARAMS[key] = params
                _DECLARED[key] = callee
            _CALLEES[key] = callee
            _add(key, (), fn)
        return fn

    return decorator


def method_rule(cls: Any, name: str, params: Params | None = None) -> Callable[[Rule], Rule]:
    """A rule for `obj.name(*args, **kws)` on receivers of type `cls`: fn(this, args, kws),
    or fn(this, bound) with declared `params` (the parameters after the receiver).

    The signature lists the receiver, then the arguments (in parameter order when bound);
    the implementation is `lower("method.<name>", cls)`.
    """
    if params is not None:
        _METHOD_PARAMS[(cls, name)] = params
    return _register(("method", name), (cls,))


def _method_params(this: Type, name: str) -> Params | None:
    for (cls, method), params in _METHOD_PARAMS.items():
        if method == name and isinstance(this, cls):
            return params
    return None


def bind_call(callee: Any, args: list[V], kwargs: dict[str, V],
              constant: Callable[[Any], V]) -> list[V] | None:
    """The arguments of a call bound to the callee's declared parameters, in order, omitted
    ones as `constant(default)`; None if the callee declares none.

    Raises TypingError where Python would raise TypeError (with Python's text) and for an
    argument compiled code does not support.
    """
    _ensure_loaded()
    params = _PARAMS.get(_key(callee))
    return None if params is None else _bind(params, args, kwargs, constant)


def bind_method(this: Type, name: str, args: list[V], kwargs: dict[str, V],
                constant: Callable[[Any], V]) -> list[V] | None:
    """`bind_call` for a method of a receiver of type `this` (arguments after the receiver)."""
    _ensure_loaded()
    params = _method_params(this, name)
    return None if params is None else _bind(params, args, kwargs, constant)


def _bind(params: Params, args: list[V], kwargs: dict[str, V],
          constant: Callable[[Any], V]) -> list[V]:
    try:
        values = params.bind(args, kwargs)
    except UnsupportedParameter as exc:
        raise TypingError(str(exc), None, "leave it out: compiled code supports "
                          f"{params.name}({', '.join(params.names)})") from None
    except TypeError as exc:
        text = params.python_message(len(args), list(kwargs)) or str(exc)
        raise TypingError(text, None) from None
    return [constant(v.value) if isinstance(v, Default) else v for v in values]


def resolve_method(this: Type, name: str, args: tuple[Type, ...],
                   kws: dict[str, Type]) -> Signature | None:
    """The signature of a method call, from a method rule or an operation rule "method.name"."""
    _ensure_loaded()
    params = _method_params(this, name)
    for classes, fn in _RULES.get(("method", name), ()):
        if isinstance(this, classes[0]):
            if params is not None and (kws or len(args) != len(params.names)):
                return None  # bound calls only (registry.bind_method)
            sig = fn(this, args, kws) if params is None else fn(this, Bound(params, args))
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


def ensure_domains_for(types: tuple[Type, ...]) -> None:
    """Load the NumPy domains if any of these types holds an array, even where the program
    never imported NumPy (an AOT module whose signature names float64[:])."""
    if any(_holds_array(ty) for ty in types):
        _DOMAINS.ensure(numpy=True)


def _holds_array(ty: Any) -> bool:
    if isinstance(ty, Array):
        return True
    if isinstance(ty, tuple):
        return any(map(_holds_array, ty))
    return isinstance(ty, Type) and any(map(_holds_array, getattr(ty, "_key", ())))


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
    key = _key(callee)
    params = _PARAMS.get(key)
    if params is not None and (kws or not params.takes(len(args))):
        return None  # bound calls only (registry.bind_call)
    for _, fn in _RULES.get(key, ()):
        sig = fn(args, kws) if params is None else fn(Bound(params, args))
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


def declared_calls() -> list[tuple[Any, Params]]:
    """Every callee with a declared signature, with it (for tests generated from the table)."""
    _ensure_loaded()
    return [(_DECLARED[key], params) for key, params in _PARAMS.items()]


def undeclared_calls() -> list[Any]:
    """The callees of call rules without a declared signature (each should declare one)."""
    _DOMAINS.ensure(numpy=True)
    return [callee for key, callee in _CALLEES.items() if key not in _PARAMS]


def declared_methods() -> list[tuple[type, str, Params]]:
    """Every method with a declared signature: (receiver class, name, parameters)."""
    _ensure_loaded()
    return [(cls, name, params) for (cls, name), params in _METHOD_PARAMS.items()]
