"""Inner functions, closures and functions as values, against CPython (issue 14)."""
import sys

import numpy as np
import pytest

from jitcore import njit
from jitcore.errors import TypingError, UnsupportedError
from tests.conftest import check_each, same
from tests.e2e.test_errors import expect_error

# --- inner functions reading enclosing variables --------------------------------------------


def captures_scalar(a, n):
    x = a + 1
    def inner(y):
        return x * y
    s = 0.0
    for i in range(n):
        s += inner(i)
    return s


def captures_argument_and_tuple(a, b):
    pair = (a, b)
    def dot(u, v):
        return pair[0] * u + pair[1] * v
    return dot(1, 2) + dot(b, a)


def captures_array(arr):
    def doubled(i):
        return arr[i] * 2.0
    t = 0.0
    for i in range(arr.shape[0]):
        t += doubled(i)
    return t


def writes_captured_array(arr, v):
    def put(i):
        arr[i] = v
    for i in range(arr.shape[0]):
        put(i)
    return arr.sum()


def sees_later_assignment(n):
    x = 1
    def g():
        return x
    first = g()
    x = n * 10
    return first + g()


def sees_value_of_each_iteration(n):
    step = 0
    def scaled(k):
        return step * k
    total = 0
    for i in range(n):
        step = i
        total += scaled(3)
    return total


def defined_in_loop_reads_loop_variable(n):
    total = 0
    for i in range(n):
        def times(k):
            return i * k
        total += times(2)
    return total


def lambda_capturing(a, n):
    scale = lambda v: v * a  # noqa: E731
    s = 0
    for i in range(n):
        s += scale(i)
    return s


def lambda_without_capture(a):
    sq = lambda v: v * v  # noqa: E731
    return sq(a) + sq(a + 1)


def inner_with_default_and_keyword(a):
    def f(x, y=2, z=3):
        return x * 100 + y * 10 + z
    return f(a) + f(a, z=5) + f(a, 7, 8)


def inner_with_branches(a):
    limit = 3
    def clip(v):
        if v > limit:
            return limit
        if v < -limit:
            return -limit
        return v
    return clip(a) + clip(-a) + clip(1)


def inner_calls_inner(a):
    k = 2
    def twice(v):
        return v * k
    def quad(v):
        return v * k * k
    return twice(a) + quad(a)


def inner_defines_inner(a):
    def outer_step(v):
        def add1(w):
            return w + 1
        return add1(v) * 2
    return outer_step(a)


def two_captures_in_argument_order(a, b):
    def f(c):
        return (b - a) * c + a
    return f(1.5)


def defined_in_loop_called_after(n):
    k = 3
    for _ in range(n):
        def g(y):
            return y + k
    return g(1)  # UnboundLocalError when the loop does not run, as in CPython


def defined_on_two_branches(x, flag):
    if flag:
        def g(y):
            return y + 1
    else:
        def g(y):
            return y * 2
    return g(x)


@pytest.mark.parametrize("pyfunc, cases", [
    (defined_in_loop_called_after, [(0,), (2,)]),
    (defined_on_two_branches, [(3, True), (3, False)]),
    (captures_scalar, [(2.0, 5), (0.5, 0), (-1.0, 1)]),
    (captures_argument_and_tuple, [(1, 2), (3.5, -1.0)]),
    (sees_later_assignment, [(0,), (4,)]),
    (sees_value_of_each_iteration, [(0,), (1,), (6,)]),
    (defined_in_loop_reads_loop_variable, [(0,), (5,)]),
    (lambda_capturing, [(3, 4), (2.5, 3), (3, 0)]),
    (lambda_without_capture, [(3,), (1.5,)]),
    (inner_with_default_and_keyword, [(1,), (4,)]),
    (inner_with_branches, [(0,), (2,), (9,)]),
    (inner_calls_inner, [(3,), (0.25,)]),
    (inner_defines_inner, [(3,), (-1,)]),
    (two_captures_in_argument_order, [(1.0, 3.0), (2, 7)]),
])
def test_inner_functions_agree_with_cpython(pyfunc, cases):
    check_each(pyfunc, cases)


def counts_with_nonlocal(n):
    k = 0
    def inc():
        nonlocal k
        k += 1
    for _ in range(n):
        inc()
    return k


def accumulates_with_nonlocal(n):
    total = 0.0
    count = 0
    def add(x):
        nonlocal total, count
        if x < 0:
            return False  # an early return hands the variables back too
        total += x
        count += 1
        return True
    accepted = 0
    for i in range(-2, n):
        if add(i * 0.5):
            accepted += 1
    return total, count, accepted


def nonlocal_widens_type(n):
    x = 1
    def halve():
        nonlocal x
        x = x / 2
        return x
    for _ in range(n):
        halve()
    return x


@pytest.mark.parametrize("pyfunc, cases", [
    (counts_with_nonlocal, [(0,), (1,), (5,)]),
    (accumulates_with_nonlocal, [(0,), (6,)]),
    (nonlocal_widens_type, [(3,)]),
])
def test_nonlocal_writes_agree_with_cpython(pyfunc, cases):
    check_each(pyfunc, cases)


@pytest.mark.parametrize("size", [0, 1, 7])
def test_closures_over_arrays(size):
    a = np.arange(size, dtype=np.float64)
    check_each(captures_array, [(a,)])
    expected, got = a.copy(), a.copy()
    assert same(njit(writes_captured_array)(got, 2.5), writes_captured_array(expected, 2.5))
    assert same(got, expected)


def test_closure_capturing_array_does_not_leak(no_leaks):
    def run(n):
        buf = np.zeros(3)
        def fill(i):
            buf[i % 3] += i
            return buf
        last = fill(0)
        for i in range(n):
            last = fill(i)
        return last.sum()
    f = njit(run)
    for _ in range(1000):
        f(100)
    assert f(10**6) == run(10**6)  # 10^6 calls, each returning the captured array


# --- functions as values ------------------------------------------------------------------


@njit
def integrate(f, a, b, n):
    h = (b - a) / n
    s = 0.0
    for i in range(n):
        s += f(a + i * h)
    return s * h


@njit
def square(x):
    return x * x


@njit
def cube(x):
    return x * x * x


@njit
def apply_n(f, x, n):
    if n == 0:
        return x
    return apply_n(f, f(x), n - 1)


def py_integrate(f, a, b, n):
    h = (b - a) / n
    return sum(f(a + i * h) for i in range(n)) * h


def test_jitted_functions_passed_from_python_specialise_per_function():
    assert integrate(square, 0.0, 1.0, 100) == py_integrate(square.py_func, 0.0, 1.0, 100)
    assert integrate(cube, 0.0, 1.0, 100) == py_integrate(cube.py_func, 0.0, 1.0, 100)
    assert len(integrate.overloads) >= 2


def test_lambda_passed_to_a_jitted_function():
    def run(n):
        return integrate(lambda x: x * x + 1.0, 0.0, 2.0, n)
    for n in (10, 1):
        assert njit(run)(n) == py_integrate(lambda x: x * x + 1.0, 0.0, 2.0, n)


def test_inner_function_without_capture_passed_and_stored():
    def run(x):
        def inc(v):
            return v + 1
        fs = (inc, square)
        return apply_n(inc, x, 3) + fs[0](x) + fs[1](x)
    assert njit(run)(2) == 2 + 3 + 3 + 4


def closure_passed_to_a_jitted_function(a, n):
    def inner(y):
        return a * y + n
    return integrate(inner, 0.0, 1.0, n)


def closure_over_an_array_passed_on(arr, n):
    def get(y):
        return arr[int(y * 3)] + y
    return integrate(get, 0.0, 1.0, n) + apply(get, 0.5)


def closure_over_a_local_array_passed_on(n):
    buf = np.ones(4)
    def get(y):
        return buf[int(y * 3)] + y
    return integrate(get, 0.0, 1.0, n)


@pytest.mark.parametrize("pyfunc, cases", [
    (closure_passed_to_a_jitted_function, [(2.0, 10), (0.5, 1)]),
    (closure_over_an_array_passed_on, [(np.arange(4.0), 10)]),
    (closure_over_a_local_array_passed_on, [(3,)]),
])
def test_closures_passed_to_jitted_functions(pyfunc, cases):
    compiled = njit(pyfunc)
    twin = py_twin(pyfunc)
    for args in cases:
        assert same(compiled(*args), twin(*args)), args


def test_closure_passed_on_does_not_leak(no_leaks):
    f = njit(closure_over_a_local_array_passed_on)
    a = np.arange(4.0)
    g = njit(closure_over_an_array_passed_on)
    refs = sys.getrefcount(a)
    for _ in range(2000):
        f(10)
        g(a, 10)
    assert sys.getrefcount(a) == refs


def test_recursion_through_a_function_argument():
    def run(x, n):
        return apply_n(square, x, n)
    assert njit(run)(1.5, 3) == 1.5 ** 8
    assert njit(run)(2, 0) == 2
    assert apply_n(cube, 2, 2) == 512


@njit
def make_adder():
    def add1(v):
        return v + 1
    return add1


def test_inner_function_returned_to_a_compiled_caller():
    def run(x):
        g = make_adder()
        return g(x) + g(x + 1)
    assert njit(run)(3) == 9


# --- the cost of a closure ------------------------------------------------------------------


def test_closure_call_in_a_loop_is_inlined():
    f = njit(captures_scalar)
    f(2.0, 5)
    text = next(iter(f.inspect_llvm().values()))
    body = text.split("; ====")[1]  # the function itself, before the CPython wrapper
    calls = [line for line in body.splitlines() if " call " in line]
    assert not any("inner" in line for line in calls), calls


# --- what stays refused ----------------------------------------------------------------------


def stores_capturing_closure(a):
    def inner(y):
        return a * y
    fs = (inner, inner)
    return fs[0](1.0)


def returns_capturing_closure(a):
    def inner(y):
        return a * y
    return inner


def recursive_inner(n):
    def fact(m):
        return 1 if m <= 1 else m * fact(m - 1)
    return fact(n)


def reads_before_assignment(n):
    def g():
        return late
    r = g()
    late = n
    return r


def capturing_defined_twice(x, flag):
    k = 2
    if flag:
        def g(y): return y + k
    else:
        def g(y): return y * k
    return g(x)


def test_refused_constructs_say_what_to_write():
    escape_note = ("pass a to 'inner' as arguments, or define it at module level and "
                   "decorate it with @njit")
    escape = ("the inner function 'inner' reads variables of '{}' (a): it can be called, or "
              "passed to a jitted function, not stored or returned")
    expect_error(stores_capturing_closure, (2.0,), UnsupportedError,
                 escape.format("stores_capturing_closure"),
                 "fs = (inner, inner)", "(inner, inner)", escape_note)
    expect_error(returns_capturing_closure, (1.0,), UnsupportedError,
                 escape.format("returns_capturing_closure"), "return inner", "return inner",
                 escape_note)
    expect_error(capturing_defined_twice, (1, True), UnsupportedError,
                 "the inner function 'g' reads variables of 'capturing_defined_twice' (k) and "
                 "'g' is assigned more than once",
                 "def g(y): return y * k", "def g(y): return y * k",
                 "give each inner function a name of its own and assign it once")
    expect_error(recursive_inner, (4,), UnsupportedError,
                 "the inner function 'fact' calls itself, which is not supported",
                 "return fact(n)", "fact(n)",
                 "define 'fact' at module level and decorate it with @njit")
    expect_error(reads_before_assignment, (1,), UnsupportedError,
                 "the inner function 'g' reads 'late', which is not assigned on every path to "
                 "this call",
                 "r = g()", "g()", "assign 'late' before calling 'g'")


# --- functions chosen at run time -------------------------------------------------------------


@njit
def negate(x):
    return -x


@njit
def apply(f, x):
    return f(x)


def chooses_by_branch(x, flag):
    f = square if flag else cube
    return f(x)


def chooses_among_three_and_passes_on(x, k):
    f = square
    if k == 1:
        f = cube
    elif k == 2:
        f = negate
    s = 0
    for i in range(3):
        s += apply(f, x + i)
    return s


def py_twin(pyfunc):
    """`pyfunc` run by CPython, with the jitted functions it names as plain functions."""
    import types

    env = dict(pyfunc.__globals__, square=square.py_func, cube=cube.py_func,
               negate=negate.py_func, apply=apply.py_func, integrate=integrate.py_func)
    return types.FunctionType(pyfunc.__code__, env)


def loops_over_a_tuple_of_functions(x):
    s = 0
    for f in (square, cube, negate):
        s += f(x)
    return s


def indexes_a_tuple_of_functions(x, i):
    fs = (square, cube)
    return fs[i](x)


@pytest.mark.parametrize("pyfunc, cases", [
    (chooses_by_branch, [(3, True), (3, False), (2.5, False)]),
    (loops_over_a_tuple_of_functions, [(3,), (0.5,)]),
    (indexes_a_tuple_of_functions, [(3, 0), (3, 1), (3, -1), (3, 2)]),
    (chooses_among_three_and_passes_on, [(2, 0), (2, 1), (2, 2), (0.5, 1)]),
])
def test_function_chosen_at_run_time(pyfunc, cases):
    compiled = njit(pyfunc)
    twin = py_twin(pyfunc)
    for args in cases:
        try:
            expected = twin(*args)
        except IndexError as exc:
            with pytest.raises(IndexError, match=str(exc)):
                compiled(*args)
            continue
        assert same(compiled(*args), expected), args


def test_run_time_choice_in_a_loop_calls_neither_function():
    def run(a, flag):
        f = square if flag else cube
        s = 0.0
        for i in range(a.shape[0]):
            s += f(a[i])
        return s
    compiled = njit(run)
    a = np.arange(5.0)
    assert compiled(a, True) == 30.0 and compiled(a, False) == 100.0
    body = next(iter(compiled.inspect_llvm().values())).split("; ====")[1]
    calls = [line for line in body.splitlines() if " call " in line]
    assert not any("square" in line or "cube" in line for line in calls), calls


def test_function_chosen_at_run_time_over_arrays_does_not_leak(no_leaks):
    a = np.arange(4.0)
    f = njit(chooses_by_branch)
    for flag in (True, False) * 500:
        got = f(a, flag)
    assert same(got, a * a * a)
    assert same(f(a, True), a * a)


@njit
def two_args(x, y):
    return x + y


@njit
def returns_tuple(x):
    return (x, x)


def chooses_different_arity(x, flag):
    f = square if flag else two_args
    return f(x)


def chooses_different_results(x, flag):
    f = square if flag else returns_tuple
    return f(x)


def test_function_choice_refusals():
    expect_error(chooses_different_arity, (1, True), TypingError,
                 "function(square | two_args) is called with 1 arguments, but two_args() "
                 "takes 2", "return f(x)", "f(x)",
                 "choose between functions that take the same arguments")
    expect_error(chooses_different_results, (1, True), TypingError,
                 "the functions of function(square | returns_tuple) return int64 and "
                 "UniTuple(int64 x 2), so a call of either has no one result type",
                 "return f(x)", "f(x)", "choose between functions that return the same type")
