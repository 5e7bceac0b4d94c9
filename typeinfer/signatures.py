"""Parse signature strings and type names, as Numba writes them.

    >>> parse_signature("float64(int64, float64)")
    Signature(float64, (int64, float64))
    >>> parse_signature("(int32, UniTuple(float64, 2))").return_type is None
    True
    >>> parse_type("float64[:, ::1]")
    array(float64, 2d, C)
"""
from __future__ import annotations

import re
from typing import Any

from jitcore.frontend.errors import TypingError

from . import types as t

_ALIASES = {"boolean": t.boolean, "bool": t.boolean}  # Numba's spellings of bool
_TOKEN = re.compile(r"\s*(?:([A-Za-z_][A-Za-z_0-9]*)|(\d+)|(.))")


def parse_signature(spec: Any) -> tuple[t.Type | None, tuple[t.Type, ...]]:
    """(return type or None, argument types) from a string, a Signature or a tuple of types."""
    if isinstance(spec, t.Signature):
        return spec.return_type, spec.args
    if isinstance(spec, (tuple, list)) and all(isinstance(x, t.Type) for x in spec):
        return None, tuple(spec)
    if not isinstance(spec, str):
        raise TypeError(f"a signature must be a string like 'float64(int64)', not {spec!r}")
    parser = _Parser(spec)
    ret = None if spec.lstrip().startswith("(") else parser.type_()
    parser.expect("(")
    args = parser.type_list(")")
    parser.end()
    return ret, tuple(args)


def parse_type(spec: str) -> t.Type:
    parser = _Parser(spec)
    ty = parser.type_()
    parser.end()
    return ty


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = [m.group(1) or m.group(2) or m.group(3)
                       for m in _TOKEN.finditer(text) if m.group(0).strip()]
        self.pos = 0

    def error(self, what: str) -> TypingError:
        return TypingError(f"invalid signature {self.text!r}: {what}", None,
                           "write signatures like 'float64(int64, float64)'")

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def next(self) -> str:
        tok = self.peek()
        if tok is None:
            raise self.error("unexpected end")
        self.pos += 1
        return tok

    def expect(self, tok: str) -> None:
        got = self.next()
        if got != tok:
            raise self.error(f"expected {tok!r}, found {got!r}")

    def end(self) -> None:
        if self.peek() is not None:
            raise self.error(f"unexpected {self.peek()!r}")

    def type_list(self, close: str) -> list[t.Type]:
        items: list[t.Type] = []
        if self.peek() == close:
            self.next()
            return items
        while True:
            items.append(self.type_())
            tok = self.next()
            if tok == close:
                return items
            if tok != ",":
                raise self.error(f"expected ',' or {close!r}, found {tok!r}")
            if self.peek() == close:  # a trailing comma: "(int64,)"
                self.next()
                return items

    def type_(self) -> t.Type:
        name = self.next()
        if name in ("UniTuple", "Tuple", "tuple"):
            self.expect("(")
            if name == "UniTuple":
                item = self.type_()
                self.expect(",")
                count = self.next()
                self.expect(")")
                if not count.isdigit():
                    raise self.error("UniTuple(type, count) needs an integer count")
                ty: t.Type = t.UniTuple(item, int(count))
            else:
                ty = t.Tuple(tuple(self.type_list(")")))
        elif name in ("optional", "OptionalType"):  # optional(float64): None or a float64
            self.expect("(")
            base = self.type_()
            self.expect(")")
            if not t.can_be_optional(base):
                raise self.error(f"{base} cannot be optional")
            ty = t.Optional(base)
        elif name in t.BY_NAME:
            ty = t.BY_NAME[name]
        elif name in _ALIASES:
            ty = _ALIASES[name]
        else:
            raise self.error(f"unknown type {name!r}")
        if self.peek() == "[":
            self.next()
            ty = self.array_(ty)
        return ty

    def array_(self, dtype: t.Type) -> t.Type:
        """After `dtype[`: `:` per axis, `::1` on the contiguous one (last: C, first: F)."""
        unit: list[bool] = []
        while True:
            self.expect(":")
            if self.peek() == ":":
                self.next()
                if self.next() != "1":
                    raise self.error("only '::1' marks a contiguous axis")
                unit.append(True)
            else:
                unit.append(False)
            tok = self.next()
            if tok == "]":
                break
            if tok != ",":
                raise self.error(f"expected ',' or ']', found {tok!r}")
        if sum(unit) > 1 or (sum(unit) == 1 and not (unit[-1] or unit[0])):
            raise self.error("'::1' may mark only the first or the last axis")
        layout = "C" if unit[-1] else "F" if unit[0] else "A"
        if not dtype.is_number:
            raise self.error(f"arrays of {dtype} are not supported")
        return t.Array(dtype, len(unit), layout)
