"""Errors raised by the compiler, each pointing at the user's source line.

    TypingError: cannot add int64 and tuple(int64, int64)
      File "model.py", line 12, in step
        total = total + pair
                ^^^^^^^^^^^^
      note: total is int64, pair is tuple(int64, int64)

`JitError` is the base of everything jitcore raises on purpose. `CompilerBug`
wraps an unexpected internal exception so that a user sees which function was
being compiled and where, next to the internal traceback.
"""
from __future__ import annotations


class Loc:
    """A source range: 1-based lines, 0-based columns as in `dis` positions.

    Frozen, compared and hashed by its fields, as a frozen dataclass would be; written
    out because `jitcore.compiler` imports this module on the path of a cache hit.
    """

    __slots__ = __match_args__ = ("filename", "line", "col", "end_line", "end_col", "funcname")
    filename: str
    line: int
    col: int | None
    end_line: int | None
    end_col: int | None
    funcname: str

    def __init__(self, filename: str, line: int, col: int | None = None,
                 end_line: int | None = None, end_col: int | None = None,
                 funcname: str = "?") -> None:
        for name, value in zip(self.__slots__, (filename, line, col, end_line, end_col,
                                                funcname)):
            object.__setattr__(self, name, value)

    def _fields(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            return self._fields() == other._fields()
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={value!r}" for name, value in zip(self.__slots__,
                                                                      self._fields()))
        return f"Loc({fields})"

    def __setattr__(self, name: str, value: object) -> None:
        raise _frozen(name)

    def __delattr__(self, name: str) -> None:
        raise _frozen(name)

    def __reduce__(self) -> tuple[object, ...]:
        return (Loc, self._fields())

    def format(self) -> str:
        """The traceback-style location, the quoted line and a caret under the range."""
        head = f'  File "{self.filename}", line {self.line}, in {self.funcname}'
        import linecache  # with tokenize, ~1 ms: only errors need it, not cache hits

        text = linecache.getline(self.filename, self.line).rstrip("\n")
        if not text.strip():
            return head
        stripped = text.lstrip()
        indent = len(text) - len(stripped)
        out = [head, "    " + stripped]
        if self.col is not None and self.col >= indent:
            end = self.end_col if self.end_line == self.line and self.end_col else len(text)
            width = max(1, end - self.col)
            out.append("    " + " " * (self.col - indent) + "^" * width)
        return "\n".join(out)


def _frozen(name: str) -> Exception:
    from dataclasses import FrozenInstanceError  # only when someone tries

    return FrozenInstanceError(f"cannot assign to field {name!r}")


class JitError(Exception):
    """Base of the errors jitcore raises about user code."""

    kind = "JitError"

    def __init__(self, message: str, loc: Loc | None = None, note: str | None = None):
        self.message = message
        self.loc = loc
        self.note = note
        super().__init__(self._render())

    def _render(self) -> str:
        parts = [self.message]
        if self.loc is not None:
            parts.append(self.loc.format())
        if self.note:
            parts.append(f"  note: {self.note}")
        return "\n".join(parts)


class TypingError(JitError):
    """The types of the values at a point cannot be reconciled with the operation."""


class UnsupportedError(JitError):
    """The construct is valid Python but not supported in compiled code."""


class LoweringError(JitError):
    """A typed operation has no native implementation."""


class CompilerBug(JitError):
    """An internal error of jitcore; the message names the function being compiled."""


def user_facing(exc: JitError) -> JitError:
    """`exc` to raise again from a public entry (a call, a decorator): the compiler's frames
    move to `exc.internal_traceback`, and the exception it was raised while handling is not
    printed (it stays in `__context__`)."""
    if getattr(exc, "internal_traceback", None) is None:  # raised again by an outer entry
        exc.internal_traceback = exc.__traceback__  # type: ignore[attr-defined]
    exc.__suppress_context__ = True
    return exc.with_traceback(None)


def with_loc(exc: JitError, loc: Loc | None) -> JitError:
    """`exc`, given a location if it had none (rules raise without one)."""
    if exc.loc is None and loc is not None:
        exc.loc = loc
        exc.args = (exc._render(),)
    return exc
