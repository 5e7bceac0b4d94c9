"""try / except / else / finally in compiled code, differential against CPython.

Every function here runs under CPython and compiled; the outcome (the value, or the
exception class with its args) must be the same, on every path of each `try`.
"""
from __future__ import annotations

import math
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import jitcore
from jitcore import njit
from jitcore.frontend.errors import TypingError, UnsupportedError
from jitcore.frontend.flow import build_flow_graph
from jitcore.frontend.irprint import format_function
from tests.e2e.test_errors import expect_error


def outcome(fn, *args):
    """('ok', value) or (exception class, args): what a caller can observe."""
    try:
        return "ok", fn(*args)
    except Exception as exc:  # noqa: BLE001
        return type(exc), exc.args


def check_same(pyfunc, arg_tuples, **options):
    compiled = njit(**options)(pyfunc)
    for args in arg_tuples:
        expected = outcome(pyfunc, *args)
        got = outcome(compiled, *args)
        assert got == expected, (pyfunc.__name__, args, got, expected)
    return compiled


# --- matching by class ---------------------------------------------------------------------


def by_class(k):
    try:
        if k == 0:
            raise ValueError("v")
        if k == 1:
            raise KeyError("k")
        if k == 2:
            raise ZeroDivisionError
        if k == 3:
            raise OverflowError("o")
        if k == 4:
            raise RuntimeError("r")
        return 10
    except ValueError:
        return 1
    except (KeyError, IndexError):
        return 2
    except ArithmeticError:  # ZeroDivisionError and OverflowError are arithmetic
        return 3
    except Exception:  # noqa: BLE001
        return 4


def lookup_base(k):
    try:
        if k == 0:
            raise KeyError("key", 0)
        if k == 1:
            raise IndexError("index", 1)
        raise TypeError("type", 2)
    except LookupError:
        return -1


LOOKUP_ERRORS = (KeyError, IndexError)


def global_tuple_of_classes(k):
    try:
        if k == 0:
            raise IndexError("i")
        if k == 1:
            raise ValueError("v")
        return 0
    except LOOKUP_ERRORS:
        return 1
    except ValueError:
        return 2


def bare_except(x):
    try:
        return 10 // x
    except:  # noqa: E722
        return -7


def test_match_by_class_tuple_and_base():
    check_same(by_class, [(k,) for k in range(6)])


def test_lookup_error_catches_key_and_index_but_not_type_error():
    check_same(lookup_base, [(0,), (1,), (2,)])


def test_module_level_tuple_of_classes():
    check_same(global_tuple_of_classes, [(0,), (1,), (2,)])


def test_bare_except():
    check_same(bare_except, [(0,), (3,), (-3,)])


# --- what raises: callees, run-time checks --------------------------------------------------


@njit
def checked(x):
    if x > 3:
        raise KeyError("too big", 4)
    return x * 2


@njit
def checked_twice(x):
    return checked(x) + checked(x - 1)


def from_callee(x):
    try:
        return checked_twice(x)
    except LookupError:
        return -1


def from_division(a, b):
    try:
        q = a // b
    except ZeroDivisionError:
        q = 0
    return q


def from_float_division(a, b):
    try:
        return a / b
    except ZeroDivisionError:
        return -1.0


def from_boundscheck(n, k):
    a = np.arange(n)
    try:
        return a[k]
    except IndexError:
        return -1


def from_unbound(flag):
    if flag:
        x = 1
    try:
        return x
    except UnboundLocalError:
        return -1


def from_int_conversion(x):
    try:
        return int(x)
    except OverflowError:
        return -1
    except ValueError:
        return -2


def from_range_step(n):
    try:
        s = 0
        for i in range(0, 10, n):
            s += i
        return s
    except ValueError:
        return -3


def from_allocation(n):
    try:
        return np.empty(n).shape[0]
    except ValueError:
        return -4


def test_exception_from_a_jitted_callee_is_caught():
    check_same(from_callee, [(1,), (3,), (4,), (5,)])


def test_runtime_checks_are_caught():
    check_same(from_division, [(7, 2), (7, 0), (-7, 0)])
    check_same(from_float_division, [(7.0, 2.0), (1.0, 0.0)])
    check_same(from_boundscheck, [(3, 1), (3, 3), (3, -4)], boundscheck=True)
    check_same(from_unbound, [(True,), (False,)])
    check_same(from_int_conversion, [(math.inf,), (-math.inf,), (math.nan,), (2.5,)])
    check_same(from_range_step, [(0,), (3,)])
    check_same(from_allocation, [(-1,), (3,)])


# --- else and finally on every exit ---------------------------------------------------------


def every_path(k):
    log = 0
    try:
        log += 1
        if k == 0:
            raise ValueError("caught")
        if k == 1:
            raise KeyError("not caught")
        if k == 2:
            return log
    except ValueError:
        log += 10
    else:
        log += 100
        if k == 3:
            raise IndexError("from else")
    finally:
        log += 1000
    return log


def finally_overrides_nothing(x):
    r = 0
    try:
        r = 10 // x
    finally:
        r += 1
    return r


def finally_return(x):
    try:
        return 10 // x
    finally:
        x = 0


def test_else_and_finally_on_every_exit():
    check_same(every_path, [(k,) for k in range(5)])
    check_same(finally_overrides_nothing, [(0,), (5,)])
    check_same(finally_return, [(0,), (5,)])


# --- loops: break / continue / return in every clause ---------------------------------------


def in_loop(n, stop):
    total = 0
    for i in range(n):
        try:
            if i == stop:
                break
            if i % 5 == 1:
                continue
            total += checked(i % 6)
        except LookupError:
            total += 100
            if i == 11:
                continue
            if i == 17:
                return -total
            if i == 23:
                break
        else:
            total += 1
            if i == 13:
                continue
        finally:
            total += 1000
    return total


in_loop_jitted = njit(in_loop)


def while_with_finally_break(n):
    i = 0
    total = 0
    while True:
        try:
            i += 1
            if i > n:
                break
            total += 10 // (i % 3)
        except ZeroDivisionError:
            total -= 1
        finally:
            total += 1000
    return total


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 30), st.integers(-1, 30))
def test_try_in_loops_matches_cpython(n, stop):
    assert outcome(in_loop_jitted, n, stop) == outcome(in_loop, n, stop)


def test_while_loop_with_finally():
    check_same(while_with_finally_break, [(0,), (1,), (7,)])


# --- nesting and re-raising -----------------------------------------------------------------


def nested(x):
    r = 0
    try:
        try:
            r = 10 // x
        except ValueError:
            r = 2
        finally:
            r += 10
    except ZeroDivisionError:
        r += 100
    return r


def reraise(x):
    try:
        return 10 // x
    except ZeroDivisionError:
        raise


def reraise_to_outer(x):
    try:
        try:
            return 10 // x
        except ArithmeticError:
            raise
    except ZeroDivisionError:
        return -1


def raise_in_handler(x):
    try:
        return 10 // x
    except ZeroDivisionError:
        raise ValueError("from the handler", 7) from None


def handler_in_handler(x):
    try:
        return 10 // x
    except ZeroDivisionError:
        try:
            raise KeyError("inner")
        except KeyError:
            pass
        raise


def raise_caught(x):
    try:
        try:
            return 10 // x
        except ZeroDivisionError as e:
            raise e
    except ArithmeticError as outer:
        return -len(outer.args)


def raise_caught_uncaught(x):
    try:
        return 10 // x
    except ZeroDivisionError as e:
        raise e


def test_raise_the_caught_exception_by_name():
    check_same(raise_caught, [(0,), (2,)])
    check_same(raise_caught_uncaught, [(0,), (2,)])


def test_nested_try():
    check_same(nested, [(0,), (1,)])


def test_reraise():
    check_same(reraise, [(0,), (2,)])
    check_same(reraise_to_outer, [(0,), (2,)])
    check_same(raise_in_handler, [(0,), (2,)])
    check_same(handler_in_handler, [(0,), (2,)])


# --- arrays: nothing leaks when an exception is caught after an allocation ------------------


def arrays(n, k):
    a = np.zeros(n)
    total = 0.0
    for i in range(n):
        try:
            b = np.ones(n) * i
            if i == k:
                raise ValueError("stop")
            total += b.sum() + a[i]
        except ValueError:
            c = np.full(n, 2.0)
            total += c.sum()
        finally:
            total += 1.0
    return total


def test_arrays_in_try_give_cpython_results_and_do_not_leak():
    compiled = check_same(arrays, [(4, 2), (4, -1), (0, 0)])
    before = jitcore.memory_stats()
    for _ in range(20000):
        compiled(3, 1)
    after = jitcore.memory_stats()
    assert after[0] - before[0] == after[1] - before[1]  # every allocation freed


def churn(n):
    total = 0.0
    for i in range(n):
        try:
            a = np.ones(4)
            b = a * i
            if i % 3 == 0:
                raise ValueError("x")
            total += b.sum()
        except ValueError:
            c = np.zeros(2)
            total -= c.sum() + 1
        finally:
            d = np.empty(1)
            d[0] = 1.0
            total += d[0]
    return total


def loop_in_try(n):
    t = 0
    try:
        for i in range(n):
            t += 10 // (5 - i)
    except ZeroDivisionError:
        t = -t
    return t


def test_a_million_caught_exceptions_after_allocations_leak_nothing():
    compiled = check_same(churn, [(0,), (10,)])
    before = jitcore.memory_stats()
    compiled(10**6)
    after = jitcore.memory_stats()
    assert after[0] - before[0] == after[1] - before[1] > 10**6


def test_loop_inside_try():
    check_same(loop_in_try, [(0,), (3,), (8,)])


def test_repeated_catching_keeps_python_state_clean():
    compiled = njit(bare_except)
    for _ in range(10000):
        assert compiled(0) == -7
    assert compiled(2) == 5


# --- nogil code catches too ------------------------------------------------------------------


def test_nogil_function_catches():
    compiled = njit(nogil=True)(from_division)
    assert compiled(7, 0) == 0 and compiled(7, 2) == 3


# --- the flow graph: an exceptional edge from each op that may raise --------------------------


def small_try(x):
    try:
        y = 10 // x
    except ZeroDivisionError:
        y = -1
    return y


def test_flow_graph_has_an_exceptional_edge_per_raising_block():
    text = format_function(build_flow_graph(small_try))
    lines = [ln.strip() for ln in text.splitlines()]
    division = lines.index(next(ln for ln in lines if "floordiv 10" in ln))
    assert lines[division + 1].startswith("jump ") and "  except -> block" in lines[division + 1]
    assert sum("except ->" in ln for ln in lines) == 2  # the division, the handler's re-raise
    assert "call fetch_exception()" in text and "call exception_matches(" in text


# --- the hot path: the handler costs nothing until something raises -------------------------


def summed(a):
    total = 0.0
    for i in range(a.shape[0]):
        try:
            total += a[i] * 2.0
        except IndexError:
            total = -1.0
    return total


def summed_plain(a):
    total = 0.0
    for i in range(a.shape[0]):
        total += a[i] * 2.0
    return total


def _instructions(compiled, *args):
    compiled(*args)
    text = compiled.inspect_llvm(compiled.signatures[0])
    return text, [line for line in text.splitlines() if line.startswith("  ") and " = " in line]


def test_try_around_a_loop_body_has_no_work_on_the_normal_path():
    a = np.arange(10.0)
    assert njit(summed)(a) == summed(a)
    with_try, body = _instructions(njit(summed), a)
    _, plain_body = _instructions(njit(summed_plain), a)
    assert "jc.rt.exc_" not in with_try  # nothing in the body raises: the handler is gone
    assert len(body) == len(plain_body)  # the same code as without the try


# --- user exception classes ----------------------------------------------------------------


class MyError(Exception):
    pass


class MyLookup(KeyError):
    def __init__(self, *args):
        super().__init__(*args)


def user_classes(k):
    try:
        if k == 0:
            raise MyError("mine", 0)
        if k == 1:
            raise MyLookup("lookup", 1)
        if k == 2:
            raise MyError
        return 5
    except MyLookup:
        return 1
    except MyError:
        return 0


def user_class_by_base(k):
    try:
        if k:
            raise MyLookup("deep", 3)
        return 0
    except LookupError:
        return -1


def user_class_uncaught(k):
    try:
        if k:
            raise MyError("escapes", 2)
        return 0
    except LookupError:
        return -1


def runtime_args(x, y):
    if x > 2:
        raise MyLookup("too big", x, y * 2.5, x > 5)
    try:
        if y < 0:
            raise MyError(y, x)
    except MyError:
        return -1.0
    return y


runtime_args_jitted = njit(runtime_args)


def runtime_args_from_callee(x):
    try:
        return runtime_args_jitted(x, 1.0)
    except KeyError:
        return -2.0


@settings(max_examples=30, deadline=None)
@given(st.integers(-5, 10), st.floats(-1e6, 1e6))
def test_exceptions_with_runtime_numbers_reach_python_and_handlers(x, y):
    assert outcome(runtime_args_jitted, x, y) == outcome(runtime_args, x, y)


def test_exception_with_runtime_numbers_caught_in_the_caller():
    check_same(runtime_args_from_callee, [(1,), (3,), (9,)])
    with pytest.raises(MyLookup) as info:
        njit(runtime_args)(7, 2.0)
    assert info.value.args == ("too big", 7, 5.0, True)
    assert [type(a) for a in info.value.args] == [str, int, float, bool]


def test_user_exception_classes_caught_by_own_class_or_base():
    check_same(user_classes, [(0,), (1,), (2,), (3,)])
    check_same(user_class_by_base, [(0,), (3,)])
    compiled = check_same(user_class_uncaught, [(0,), (1,)])
    with pytest.raises(MyError) as info:  # reaches Python as the same class and args
        compiled(1)
    assert type(info.value) is MyError and info.value.args == ("escapes", 2)


# --- what stays refused ---------------------------------------------------------------------


def args_of_caught(x, k):
    try:
        if x > 2:
            raise MyError("msg", x, x * 0.5, x > 4)
        return 10.0 // x
    except MyError as e:
        return e.args[k] + len(e.args)
    except ZeroDivisionError as e:
        return -1.0 * len(e.args)


def keeps_caught(x):
    try:
        if x > 0:
            raise MyError("m", x)
        return 0.0
    except MyError as e:
        saved = e
        saved_args = e.args
    return saved_args[1] + len(saved.args)  # both outlive the handler


def test_a_caught_exception_kept_after_its_handler_stays_alive():
    compiled = check_same(keeps_caught, [(0,), (3,)])
    before = sys.getrefcount(MyError)  # a leaked instance would hold its class
    for _ in range(5000):
        compiled(3)
    assert sys.getrefcount(MyError) == before


def test_caught_exception_args_are_read_as_numbers():
    # e.args[i] is read as a float64 (1 == 1.0 for the comparison with CPython)
    compiled = check_same(args_of_caught, [(1, 1), (5, 1), (5, 2), (5, -1), (5, 3), (3, -3),
                                           (0, 1), (5, 7), (5, -9)])
    assert compiled(5, 1) == 9.0 and type(compiled(5, 1)) is float
    with pytest.raises(TypeError, match="must be real number, not str"):
        compiled(5, 0)  # the message is not a number


def stringifies(x):
    try:
        return 10 // x
    except ZeroDivisionError as e:
        s = str(e)  # noqa: F841
        return 0


def test_str_of_a_caught_exception_is_a_clear_typing_error():
    expect_error(stringifies, (0,), TypingError, "str() is not supported in compiled code",
                 "s = str(e)  # noqa: F841", "str(e)",
                 "only numbers, tuples and exception classes can be created in compiled code")


def except_not_a_class(x):
    try:
        return 10 // x
    except int:
        return -1


def test_except_of_a_non_exception_is_a_typing_error():
    expect_error(except_not_a_class, (0,), TypingError,
                 "'except' takes exception classes, not int", "except int:", "except int:",
                 "name classes such as ValueError or (KeyError, IndexError)")


def except_star(x):
    r = 0
    try:
        r = 10 // x
    except* ZeroDivisionError:
        r = -1
    return r


def test_exception_groups_are_refused():
    expect_error(except_star, (0,), UnsupportedError,
                 "exception groups (except*) are not supported in compiled code",
                 "except* ZeroDivisionError:", "except* ZeroDivisionError:",
                 "catch the exception classes with a plain 'except'")



def bare_raise_outside_handler(x):
    if x:
        raise
    return x


def test_bare_raise_outside_a_handler_is_refused():
    expect_error(bare_raise_outside_handler, (1,), UnsupportedError,
                 "a bare 'raise' outside an 'except' clause is not supported", "raise",
                 "raise", "raise an exception class or instance")


def math_domain(x):
    try:
        return math.sqrt(x)
    except ValueError:
        return -1.0


def test_math_domain_errors_are_caught_as_in_cpython():
    # under error_model="cpython" math raises ValueError outside its domain as CPython
    compiled = njit(error_model="cpython")(math_domain)
    for x in (4.0, -1.0, -0.0, math.inf, -math.inf):
        assert compiled(x) == math_domain(x)
    assert math.isnan(compiled(math.nan)) and math.isnan(math_domain(math.nan))


if __name__ == "__main__":  # pragma: no cover
    pytest.main([__file__])
