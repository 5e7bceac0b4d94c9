"""The exceptions compiled code and the compiler raise (defined in the front end)."""
from __future__ import annotations

from jitcore.frontend.errors import (CompilerBug, JitError, Loc, LoweringError, TypingError,
                                     UnsupportedError)

__all__ = ["CompilerBug", "JitError", "Loc", "LoweringError", "TypingError", "UnsupportedError"]
