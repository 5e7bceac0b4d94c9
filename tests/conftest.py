"""Shared helpers for tests: run the same function in CPython and compiled, compare."""
from __future__ import annotations

import math
import os
import sys
from typing import Any

import pytest

# Every flow graph built in tests is checked by jitcore/ircheck.py before and after inference.
os.environ.setdefault("JITCORE_CHECK_IR", "1")


def pytest_addoption(parser: Any) -> None:
    parser.addoption("--memcheck", action="store_true",
                     help="audit native memory (JITCORE_MEMCHECK=1): fail a test that leaks, "
                          "releases twice, releases an unknown block or writes a freed one")


def pytest_configure(config: Any) -> None:
    if config.getoption("--memcheck"):
        os.environ["JITCORE_MEMCHECK"] = "1"  # before the first compilation; workers inherit


@pytest.fixture(autouse=True)
def _memory_audit() -> Any:
    """Under the audit, each test's native memory must balance and stay uncorrupted."""
    if os.environ.get("JITCORE_MEMCHECK", "") in ("", "0"):
        yield
        return
    import gc

    from jitcore.targets import memcheck

    gc.collect()
    before = memcheck.snapshot()
    yield
    gc.collect()
    problems = (memcheck.snapshot() - before).errors
    if problems:
        pytest.fail("memory audit: " + "; ".join(problems), pytrace=False)


def same(a: Any, b: Any) -> bool:
    """Equal values of equal Python types; nan equals nan; -0.0 differs from 0.0; arrays of
    equal dtype, shape and elements. Compiled code returns a NumPy scalar (b, CPython's) as
    the Python number of its kind, as Numba does."""
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    np = sys.modules.get("numpy")
    if np is not None:
        if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
            return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)
                    and a.dtype == b.dtype and a.shape == b.shape
                    and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")))
        if isinstance(b, np.generic) and not isinstance(a, np.generic):
            b = b.item()
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        if math.isnan(a) and math.isnan(b):
            return True
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    if isinstance(a, complex):
        return same(a.real, b.real) and same(a.imag, b.imag)
    return bool(a == b)


def close(a: Any, b: Any, rel: float = 1e-12) -> bool:
    if isinstance(a, tuple):
        return len(a) == len(b) and all(close(x, y, rel) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b or math.isclose(a, b, rel_tol=rel, abs_tol=1e-300)
    return same(a, b)


def check_same(pyfunc: Any, *args: Any) -> None:
    """Compile `pyfunc`, call both on `args`: same result, or the same exception."""
    from jitcore import njit

    compiled = njit(pyfunc)
    try:
        expected: Any = pyfunc(*args)
    except Exception as exc:  # noqa: BLE001 - the compiled call must raise the same
        with pytest.raises(type(exc)) as info:
            compiled(*args)
        assert str(info.value) == str(exc)
        return
    got = compiled(*args)
    assert same(got, expected), f"{pyfunc.__name__}{args}: got {got!r}, expected {expected!r}"


def check_each(pyfunc: Any, arg_tuples: Any) -> Any:
    """Compile `pyfunc` once and check_same it on every tuple of arguments; returns it."""
    from jitcore import njit

    compiled = njit(pyfunc)
    for args in arg_tuples:
        try:
            expected: Any = pyfunc(*args)
        except Exception as exc:  # noqa: BLE001 - the compiled call must raise the same
            with pytest.raises(type(exc)) as info:
                compiled(*args)
            assert str(info.value) == str(exc), f"{pyfunc.__name__}{args}"
            continue
        got = compiled(*args)
        assert same(got, expected), f"{pyfunc.__name__}{args}: got {got!r}, expected {expected!r}"
    return compiled


@pytest.fixture
def no_leaks() -> Any:
    """Fails the test if native memory allocated during it was not all freed."""
    import gc

    import jitcore

    gc.collect()
    # What lived before the test stays alive: left out of later collections, each of which
    # took 0.24 s scanning the compiler's objects (a quarter of the suite's time).
    gc.freeze()
    before = jitcore.memory_stats()
    yield
    gc.collect()
    allocated, freed = (a - b for a, b in zip(jitcore.memory_stats(), before))
    assert allocated == freed, f"{allocated - freed} native blocks leaked"


@pytest.fixture
def compiles(monkeypatch: Any) -> list[Any]:
    """The argument types of every compilation the dispatchers start during the test."""
    import jitcore.dispatcher

    seen: list[Any] = []
    real = jitcore.dispatcher.compile_overload

    def counting(dispatcher: Any, argtypes: Any, symbol: Any) -> Any:
        seen.append(argtypes)
        return real(dispatcher, argtypes, symbol)

    monkeypatch.setattr(jitcore.dispatcher, "compile_overload", counting)
    return seen


def run_threads(n: int, target: Any) -> tuple[list[Any], list[BaseException]]:
    """Run target(i) in n threads started together; their results and exceptions."""
    import threading

    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n
    errors: list[BaseException] = []

    def body(i: int) -> None:
        barrier.wait()
        try:
            results[i] = target(i)
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            errors.append(exc)

    threads = [threading.Thread(target=body, args=(i,)) for i in range(n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return results, errors
