"""Inspection: py_func, signatures, overloads, inspect_types/llvm/asm, wrapping, DISABLE_JIT."""
from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from jitcore import njit, types


def scale(x, k):
    """Multiply x by k."""
    y = x * k
    return y + 1


@pytest.fixture(scope="module")
def f():
    f = njit(scale)
    f(2, 3)
    f(1.5, 2)
    return f


def test_wrapping_attributes(f):
    assert f.py_func is scale and f.__wrapped__ is scale
    assert f.__name__ == "scale" and f.__qualname__ == "scale"
    assert f.__doc__ == "Multiply x by k." and f.__module__ == __name__
    assert repr(f) == "<jitcore.Dispatcher scale>"


def test_signatures_and_overloads(f):
    sigs = [(types.int64, types.int64), (types.float64, types.int64)]
    assert f.signatures == sigs
    assert isinstance(f.overloads, dict) and list(f.overloads) == sigs
    assert f.overloads[sigs[1]].signature == types.float64(types.float64, types.int64)
    assert f.nopython_signatures == [types.int64(types.int64, types.int64),
                                     types.float64(types.float64, types.int64)]


def test_inspect_types_shows_typed_ir_with_source_lines(f):
    text = f.inspect_types()
    assert text.count("def scale(x: ") == 2
    assert "def scale(x: int64, k: int64) -> int64:" in text
    assert "def scale(x: float64, k: int64) -> float64:" in text
    first = scale.__code__.co_firstlineno
    assert f"# line {first + 2}: y = x * k" in text
    assert f"# line {first + 3}: return y + 1" in text
    assert ": float64 = mul" in text
    one = f.inspect_types((types.int64, types.int64))
    assert one.count("def scale(x: ") == 1
    out = io.StringIO()
    f.inspect_types(file=out)
    assert out.getvalue().strip() == text.strip()


def test_inspect_llvm_with_and_without_signature(f):
    all_ir = f.inspect_llvm()
    assert isinstance(all_ir, dict) and list(all_ir) == f.signatures
    text = f.inspect_llvm((types.int64, types.int64))
    assert text == all_ir[(types.int64, types.int64)]
    assert "define" in text and "scale" in text and "mul" in text
    assert "fmul double" in f.inspect_llvm(types.float64(types.float64, types.int64))


def test_inspect_asm(f):
    asm = f.inspect_asm((types.int64, types.int64))
    assert "imul" in asm and "ret" in asm
    assert set(f.inspect_asm()) == set(f.signatures)


def test_inspect_unknown_signature_is_a_key_error(f):
    with pytest.raises(KeyError):
        f.inspect_llvm((types.int8,))


def test_disable_jit_returns_the_python_function(tmp_path: Path):
    script = tmp_path / "nojit.py"
    script.write_text(textwrap.dedent("""
        import sys
        from jitcore import jit, njit

        def f(x):
            return x + 1

        assert njit(f) is f
        assert njit(nogil=True)(f) is f
        assert njit("int64(int64)")(f) is f
        assert jit(f) is f
        assert f(1) == 2
        assert "llvmlite" not in sys.modules
        print("ok")
    """))
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, JITCORE_DISABLE_JIT="1", PYTHONPATH=str(root))
    done = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, check=False,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_import_loads_neither_llvmlite_nor_numpy():
    code = ("import sys, jitcore\nfrom jitcore import jit, njit\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('llvmlite', 'numpy')))")
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, env=dict(os.environ, PYTHONPATH=str(root)), timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
