"""A compile error shows the user's call and jitcore's message, not the compiler's frames.

Run in a subprocess so the printed traceback is Python's own. JITCORE_DEBUG=1 keeps
every frame; without it they stay on the exception as `internal_traceback`.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

LAZY = """
import jitcore

@jitcore.njit
def f(x):
    return x + (1, 2)

f(1.0)
"""

EAGER = """
import jitcore

@jitcore.njit("float64(float64)")
def f(x):
    return x + (1, 2)
"""

CALLEE = """
import jitcore

@jitcore.njit
def g(x):
    return x * 2

g(1)

@jitcore.njit
def f(x):
    return g(x) + (1, 2)

f.compile("float64(float64)")
"""

VECTORIZE = """
import jitcore

@jitcore.vectorize(["float64(float64)"])
def f(x):
    return x + (1, 2)
"""

GUVECTORIZE = """
import jitcore

@jitcore.guvectorize(["void(float64[:], float64[:])"], "(n)->(n)")
def f(x, out):
    out[0] = x[0] + (1, 2)
"""


def _traceback(tmp_path: Path, source: str, debug: bool) -> str:
    script = tmp_path / "user_script.py"
    script.write_text(textwrap.dedent(source))
    env = {k: v for k, v in os.environ.items() if k != "JITCORE_DEBUG"}
    if debug:
        env["JITCORE_DEBUG"] = "1"
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=300, check=False)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    return proc.stderr


def _frames(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip().startswith('File "')]


@pytest.mark.parametrize("source", [LAZY, EAGER, CALLEE, VECTORIZE, GUVECTORIZE],
                         ids=["call", "eager", "compile", "vectorize", "guvectorize"])
def test_a_typing_error_shows_the_users_frame_and_the_message(tmp_path: Path,
                                                              source: str) -> None:
    text = _traceback(tmp_path, source, debug=False)
    assert "TypingError: " in text and "unsupported operand types for +" in text
    frames = _frames(text)
    script = str(tmp_path / "user_script.py")
    internal = [f for f in frames if any(f"{os.sep}{room}{os.sep}" in f for room in (
        "jitcore", "typeinfer", "lowering", "targets", "vectorize"))]
    assert len(internal) <= 1, text  # the dispatcher's (or decorator's) entry at most
    assert frames[0].startswith(f'File "{script}"'), text  # the user's call, first
    assert "x + (1, 2)" in text or "x[0] + (1, 2)" in text or "g(x) + (1, 2)" in text  # quoted
    assert "During handling" not in text and "direct cause" not in text
    assert len(text.splitlines()) <= 12, text


@pytest.mark.parametrize("source", [LAZY, EAGER], ids=["call", "eager"])
def test_jitcore_debug_keeps_the_compilers_frames(tmp_path: Path, source: str) -> None:
    text = _traceback(tmp_path, source, debug=True)
    frames = _frames(text)
    assert any("compiler.py" in f for f in frames), text
    assert any("annotator.py" in f for f in frames), text


def test_the_internal_frames_stay_on_the_exception() -> None:
    import traceback

    import jitcore
    from jitcore.errors import TypingError

    @jitcore.njit
    def bad(x):  # type: ignore[no-untyped-def]
        return x + (1, 2)

    with pytest.raises(TypingError) as info:
        bad(1.0)
    assert info.value.internal_traceback is not None
    names = [frame.name for frame in traceback.extract_tb(info.value.internal_traceback)]
    assert "compile_overload" in names and "annotate" in names


def test_a_compiler_bug_keeps_its_traceback(tmp_path: Path) -> None:
    """A CompilerBug is ours, not the user's: its internal frames are printed."""
    source = """
    import jitcore
    from jitcore.typeinfer import annotator

    def broken(*args, **kwargs):
        raise RuntimeError("an internal failure")

    annotator.annotate = broken  # stands in for a bug in inference

    @jitcore.njit
    def f(x):
        return x

    f(1.0)
    """
    text = _traceback(tmp_path, source, debug=False)
    assert "CompilerBug" in text and "an internal failure" in text
    assert any("compiler.py" in f for f in _frames(text)), text
