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

import linecache
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Loc:
    """A source range: 1-based lines, 0-based columns as in `dis` positions."""

    filename: str
    line: int
    col: int | None = None
    end_line: int | None = None
    end_col: int | None = None
    funcname: str = "?"

    def format(self) -> str:
        """The traceback-style location, the quoted line and a caret under the range."""
        head = f'  File "{self.filename}", line {self.line}, in {self.funcname}'
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


def with_loc(exc: JitError, loc: Loc | None) -> JitError:
    """`exc`, given a location if it had none (rules raise without one)."""
    if exc.loc is None and loc is not None:
        exc.loc = loc
        exc.args = (exc._render(),)
    return exc
