"""Settings read from the environment once, at import.

JITCORE_DISABLE_JIT=1   decorators return the Python function unchanged
JITCORE_BOUNDSCHECK=1   bounds-check every array index
JITCORE_OPT=0..3        LLVM optimisation level (default 3)
JITCORE_DEBUG=1         compile errors keep the compiler's frames in their traceback
                        (otherwise they show the user's call and jitcore's message only)
JITCORE_TIMING=1        one line on stderr per compiled function: the time of each stage
"""
from __future__ import annotations

import os


def _flag(name: str, default: str = "0") -> bool:
    return os.environ.get(name, default).strip().lower() not in ("", "0", "false", "no")


DISABLE_JIT = _flag("JITCORE_DISABLE_JIT")
BOUNDSCHECK = _flag("JITCORE_BOUNDSCHECK")
OPT_LEVEL = int(os.environ.get("JITCORE_OPT", "3"))
DEBUG = _flag("JITCORE_DEBUG")
TIMING = _flag("JITCORE_TIMING")
