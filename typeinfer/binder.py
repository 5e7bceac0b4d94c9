"""Binding a call's arguments to a callee's declared Python signature, as Python binds them.

Each typing rule of a library function declares the signature once (NumPy's own where
`inspect.signature` reads it, else a text such as "a, axis=None"), and names the parameters
compiled code supports:

    ARANGE = Params.declare("arange", "start_or_stop, /, stop=None, step=1, *, dtype=None")
    ARANGE.bind([7], {"step": 3})      # [7, Default(None), 3, Default(None)]

`bind` places the values of a call (IR values at typing time) in parameter order and fills the
omitted parameters with `Default` markers (the annotator turns them into constants, so the
lowering receives every supported parameter positionally, in order); the values of a
`*args` parameter are spliced in its place (`Bound` gives them back as a tuple). A call
Python would refuse raises TypeError with Python's own text (for a builtin written in C,
whose messages differ from a `def`'s, `python_message` asks the builtin itself); passing a
parameter the compiled code does not support raises UnsupportedParameter.

    MIN = Params.declare("min", "*args, key=None, default=None", callee=builtins.min)
    MIN.bind([a, b], {"key": k})       # [a, b, k, Default(None)]
"""
from __future__ import annotations

import inspect
import keyword
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from collections.abc import Callable

V = TypeVar("V")
_EMPTY = inspect.Parameter.empty


@dataclass(frozen=True)
class Default:
    """An omitted argument: the parameter's default value."""

    value: Any


class UnsupportedParameter(TypeError):
    """A parameter of the Python signature that compiled code does not implement was given."""

    def __init__(self, callee: str, name: str) -> None:
        super().__init__(f"{callee}(): the argument '{name}' is not supported in compiled code")
        self.callee = callee
        self.name = name


class Params:
    """A callee's Python signature, and which of its parameters compiled code supports."""

    def __init__(self, name: str, signature: inspect.Signature,
                 supported: Sequence[str] | None = None, callee: Any = None) -> None:
        self.name = name
        self.signature = signature
        self.callee = callee  # a C builtin to ask for Python's TypeError text
        every = tuple(signature.parameters)
        self.names: tuple[str, ...] = every if supported is None else tuple(
            n for n in every if n in supported)
        missing = set(supported or ()) - set(every)
        if missing:
            raise ValueError(f"{name}() has no parameters {sorted(missing)}")
        for n in every:  # a parameter left out must be optional, or no call could be typed
            p = signature.parameters[n]
            if n not in self.names and p.default is _EMPTY and p.kind not in (
                    p.VAR_POSITIONAL, p.VAR_KEYWORD):
                raise ValueError(f"{name}(): required parameter {n!r} must be supported")
        self._stub = _stub(name, signature)
        self.varargs: str | None = next((n for n in self.names if signature.parameters[
            n].kind is inspect.Parameter.VAR_POSITIONAL), None)

    @classmethod
    def declare(cls, name: str, text: str, supported: Sequence[str] | None = None,
                namespace: Mapping[str, Any] | None = None, callee: Any = None) -> Params:
        """Parameters written as in a `def`: "a, axis=None, *, dtype=None"."""
        scope: dict[str, Any] = dict(namespace or {})
        exec(f"def {name}({text}): pass", scope)  # noqa: S102 - our own declarations
        return cls(name, inspect.signature(scope[name]), supported, callee)

    def takes(self, count: int) -> bool:
        """Whether `count` values are a bound call of these parameters."""
        fixed = len(self.names) - (self.varargs is not None)
        return count == fixed or (self.varargs is not None and count >= fixed)

    def python_message(self, nargs: int, kwnames: Sequence[str]) -> str | None:
        """The TypeError text of the C builtin for a call it refuses while parsing its
        arguments (arity, keywords), asked of the builtin itself with placeholder values;
        None for a callee written in Python (the stub's text is its own)."""
        callee = self.callee
        if callee is None:
            return None
        try:
            callee(*[_Arg()] * nargs, **dict.fromkeys(kwnames, _Arg()))
        except TypeError as exc:
            text = str(exc)
            return None if "_Arg" in text or "must be" in text else text
        except Exception:  # noqa: BLE001 - parsed fine, failed on a placeholder: not arity
            return None
        return None

    @classmethod
    def of(cls, fn: Any, supported: Sequence[str] | None = None,
           name: str | None = None, callee: Any = None) -> Params:
        """The parameters of `fn`'s own signature (NumPy's functions have one)."""
        return cls(name or fn.__name__, inspect.signature(fn), supported, callee)

    @classmethod
    def method(cls, fn: Any, supported: Sequence[str] | None = None) -> Params:
        """The parameters of a method after its receiver (ndarray.copy: "order='C'")."""
        sig = inspect.signature(fn)
        rest = list(sig.parameters.values())[1:]
        return cls(fn.__name__, sig.replace(parameters=rest), supported)

    def bind(self, args: Sequence[V], kwargs: Mapping[str, V]) -> list[V | Default]:
        """The supported parameters' values in order; Default(...) where omitted.

        TypeError (Python's text) for a call Python would refuse, UnsupportedParameter
        for a parameter that is not supported.
        """
        bound: dict[str, Any] = self._stub(*args, **kwargs)
        for n, value in bound.items():
            kind = self.signature.parameters[n].kind
            if kind is inspect.Parameter.VAR_KEYWORD and value:
                raise UnsupportedParameter(self.name, next(iter(value)))
            if n not in self.names and value != () and value != {} and not isinstance(
                    value, Default):
                raise UnsupportedParameter(self.name, n)
        out: list[V | Default] = []
        for n in self.names:
            if n == self.varargs:
                out.extend(bound[n])
            else:
                out.append(bound[n])
        return out

    def __repr__(self) -> str:
        return f"Params({self.name}{self.signature}, supported={self.names})"


def _stub(name: str, signature: inspect.Signature) -> Callable[..., dict[str, Any]]:
    """A Python function of this signature returning its arguments by name, omitted ones as
    Default(value): calling it binds exactly as Python does, with Python's error text."""
    defaults: dict[str, Any] = {}
    parts: list[str] = []
    star_done = False
    for i, p in enumerate(signature.parameters.values()):
        if not p.name.isidentifier() or keyword.iskeyword(p.name):
            raise ValueError(f"{name}(): bad parameter name {p.name!r}")
        if p.kind is p.KEYWORD_ONLY and not star_done:
            parts.append("*")
            star_done = True
        text = p.name
        if p.kind is p.VAR_POSITIONAL:
            text, star_done = "*" + p.name, True
        elif p.kind is p.VAR_KEYWORD:
            text = "**" + p.name
        elif p.default is not _EMPTY:
            defaults[f"_d{i}"] = Default(p.default)
            text = f"{p.name}=_d{i}"
        parts.append(text)
        if p.kind is p.POSITIONAL_ONLY and (
                i + 1 == len(signature.parameters)
                or list(signature.parameters.values())[i + 1].kind is not p.POSITIONAL_ONLY):
            parts.append("/")
    names = ", ".join(f"{p.name!r}: {p.name}" for p in signature.parameters.values())
    scope: dict[str, Any] = dict(defaults)
    exec(f"def {name}({', '.join(parts)}):\n    return {{{names}}}", scope)  # noqa: S102
    stub: Callable[..., dict[str, Any]] = scope[name]
    return stub


class Bound(Mapping[str, Any]):
    """The argument types of a bound call, by parameter name, in parameter order."""

    def __init__(self, params: Params, types: Sequence[Any]) -> None:
        self.params = params
        self._types: dict[str, Any] = {}
        extra = len(types) - len(params.names)  # beyond one per parameter: *args
        i = 0
        for n in params.names:
            if n == params.varargs:
                self._types[n] = tuple(types[i:i + extra + 1])
                i += extra + 1
            else:
                self._types[n] = types[i]
                i += 1

    def __getitem__(self, name: str) -> Any:
        return self._types[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._types)

    def __len__(self) -> int:
        return len(self._types)

    def types(self, convert: Mapping[str, Any] | None = None) -> tuple[Any, ...]:
        """The argument types in parameter order, those named in `convert` replaced."""
        convert = convert or {}
        out: list[Any] = []
        for n, ty in self._types.items():
            if n == self.params.varargs:
                out.extend(convert.get(n, item) for item in ty)
            else:
                out.append(convert.get(n, ty))
        return tuple(out)


ABS = Params.declare("abs", "x, /", callee=abs)
LEN = Params.declare("len", "obj, /", callee=len)


class _Arg:
    """A placeholder argument: asking a builtin for its TypeError text."""
