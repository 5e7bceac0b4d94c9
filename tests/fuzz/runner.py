"""Run one generated program in CPython and compiled with jitcore.njit; classify the outcome.

    >>> run_source(source, "[1, 2.5, np.arange(4.0)]")
    Outcome(status='ok', ...)

Statuses: "ok"; "rejected" (a JitError other than CompilerBug: counted, its message
tallied); and the failures: "internal" (a CompilerBug, or any non-JitError exception
raised from inside the compiler), "wrong" (a different value, dtype or shape, or argument
arrays that differ afterwards), "exception" (a different exception type or message, or an
exception on one side only), "leak" (native allocations and releases not balanced) and
"crash" (the process died; only the batch driver, tests/fuzz/batch.py, sees those).
"""
from __future__ import annotations

import gc
import math
import os
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

FAILURES = ("internal", "wrong", "exception", "leak", "crash", "hang")

# tolerance for float results: loose enough for NumPy's pairwise sums, tight for real bugs
_RTOL = {np.dtype(np.float32): 1e-4}
_RTOL_DEFAULT = 1e-7
_ATOL = 1e-9


@dataclass
class Outcome:
    status: str
    message: str = ""

    @property
    def failed(self) -> bool:
        return self.status in FAILURES


# --- the memory-audit hook -------------------------------------------------------------
# A callable run around each compiled call: it receives the call (a thunk) and returns
# None when the call's native memory is balanced, or a message. The suite's memory-audit
# mode may replace it (set_memory_audit) with a stricter one (double release, use after
# release); the default checks jitcore.memory_stats(): allocations == frees.
MemoryAudit = Callable[[Callable[[], Any]], "tuple[Any, str | None]"]


def balanced_allocations(call: Callable[[], Any]) -> tuple[Any, str | None]:
    """Run `call`; its result, and a message if native blocks were left allocated.

    The result is checked after its arrays are released (a copy is kept for comparing).
    """
    import jitcore

    gc.collect()
    gc.freeze()  # what lived before stays out of the next collection (the compiler's objects)
    before = jitcore.memory_stats()
    result = call()
    kept = _detach(result)
    del result
    gc.collect()
    allocated, freed = (a - b for a, b in zip(jitcore.memory_stats(), before))
    if allocated != freed:
        return kept, f"{allocated} native blocks allocated, {freed} released"
    return kept, None


def _detach(value: Any) -> Any:
    """A copy owning no native memory (arrays copied into NumPy-owned buffers)."""
    if isinstance(value, tuple):
        return tuple(_detach(v) for v in value)
    if isinstance(value, np.ndarray):
        return np.array(value, copy=True)
    return value


_memory_audit: MemoryAudit | None = None


def set_memory_audit(audit: MemoryAudit | None) -> None:
    """Install the audit run around every compiled call (None: no audit)."""
    global _memory_audit
    _memory_audit = audit


# --- running ---------------------------------------------------------------------------

def _namespace() -> dict[str, Any]:
    return {"np": np, "math": math, "__name__": "fuzzprog"}


def _load(source: str, args_src: str, compiled: bool) -> tuple[Callable[..., Any], list[Any]]:
    ns = _namespace()
    exec(compile(source, "<fuzz>", "exec"), ns)  # noqa: S102 - the generator's own programs
    if compiled:
        from jitcore import njit

        # helpers first, in order, so each later function freezes the compiled one
        # error_model="cpython": math raises at inf/nan as CPython does (the default gives
        # IEEE results, as Numba); everything else is the same as the default's
        jit = njit(error_model="cpython")
        for name in sorted(n for n in ns if n.startswith("h") and callable(ns[n])):
            ns[name] = jit(ns[name])
        ns["f"] = jit(ns["f"])
    args = eval(args_src, {"np": np, "math": math})
    return ns["f"], args


def _from_compiler(exc: BaseException) -> bool:
    """Whether `exc` was raised by jitcore's Python code beyond the dispatcher's entry."""
    import jitcore

    root = os.path.dirname(os.path.dirname(os.path.abspath(jitcore.__file__)))
    frames = traceback.extract_tb(exc.__traceback__)
    return any(fr.filename.startswith(root) and "/tests/" not in fr.filename
               and not fr.filename.endswith("dispatcher.py") for fr in frames)


def run_source(source: str, args_src: str) -> Outcome:
    """Run the program both ways and compare."""
    from jitcore.errors import CompilerBug, JitError

    pyfunc, pyargs = _load(source, args_src, compiled=False)
    try:
        with np.errstate(all="ignore"):
            expected: Any = pyfunc(*pyargs)
        py_exc: BaseException | None = None
    except Exception as exc:  # noqa: BLE001 - compared with the compiled run
        expected, py_exc = None, exc
    jitfunc, jitargs = _load(source, args_src, compiled=True)
    leak = None
    try:
        if _memory_audit is not None:
            got, leak = _memory_audit(lambda: jitfunc(*jitargs))
        else:
            got = jitfunc(*jitargs)
    except CompilerBug as exc:
        return Outcome("internal", _first_line(exc))
    except JitError as exc:
        return Outcome("rejected", _first_line(exc))
    except Exception as exc:  # noqa: BLE001 - classified below
        if _from_compiler(exc):
            return Outcome("internal", f"{type(exc).__name__}: {exc}"[:500])
        if py_exc is None:
            return Outcome("exception", f"compiled raised {type(exc).__name__}: {exc}; "
                                        f"CPython returned {expected!r}"[:800])
        if type(exc) is not type(py_exc) or str(exc) != str(py_exc):
            return Outcome("exception", f"compiled raised {type(exc).__name__}: {exc}; "
                                        f"CPython raised {type(py_exc).__name__}: {py_exc}")
        return _compare_args(pyargs, jitargs) or Outcome("ok")
    if py_exc is not None:
        return Outcome("exception", f"CPython raised {type(py_exc).__name__}: {py_exc}; "
                                    f"compiled returned {got!r}"[:800])
    diff = _difference(expected, got)
    if diff:
        return Outcome("wrong", f"result {diff}"[:800])
    argdiff = _compare_args(pyargs, jitargs)
    if argdiff:
        return argdiff
    if leak:
        return Outcome("leak", leak)
    return Outcome("ok")


def _first_line(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"


def _compare_args(pyargs: list[Any], jitargs: list[Any]) -> Outcome | None:
    for i, (a, b) in enumerate(zip(pyargs, jitargs)):
        diff = _difference(a, b)
        if diff:
            return Outcome("wrong", f"argument {i} afterwards: {diff}"[:800])
    return None


def _kind(v: Any) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "bool"
    if isinstance(v, (int, np.integer)):
        return "int"
    if isinstance(v, (float, np.floating)):
        return "float"
    return type(v).__name__


def _difference(expected: Any, got: Any) -> str | None:
    """None when `got` matches `expected` (NaN-aware, dtype-aware); else what differs."""
    if isinstance(expected, tuple):
        if not isinstance(got, tuple) or len(got) != len(expected):
            return f"expected {expected!r}, got {got!r}"
        for i, (e, g) in enumerate(zip(expected, got)):
            d = _difference(e, g)
            if d:
                return f"[{i}]: {d}"
        return None
    if isinstance(expected, np.ndarray):
        if not isinstance(got, np.ndarray):
            return f"expected an array, got {got!r}"
        if expected.dtype != got.dtype or expected.shape != got.shape:
            return (f"expected {expected.dtype}{expected.shape}, "
                    f"got {got.dtype}{got.shape}")
        if expected.dtype.kind == "f":
            rtol = _RTOL.get(expected.dtype, _RTOL_DEFAULT)
            ok = np.allclose(expected, got, rtol=rtol, atol=_ATOL, equal_nan=True)
        else:
            ok = np.array_equal(expected, got)
        return None if ok else f"expected {expected!r}, got {got!r}"
    if _kind(expected) != _kind(got):
        return f"expected {expected!r} ({_kind(expected)}), got {got!r} ({_kind(got)})"
    if _kind(expected) == "float":
        e, g = float(expected), float(got)
        if math.isnan(e) and math.isnan(g):
            return None
        if e == g or math.isclose(e, g, rel_tol=_RTOL_DEFAULT, abs_tol=_ATOL):
            return None
        return f"expected {e!r}, got {g!r}"
    return None if expected == got else f"expected {expected!r}, got {got!r}"
