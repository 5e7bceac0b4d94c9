"""Unsupported constructs and typing failures: the error type, the function, the line, the caret.

Every message has the shape

    <what was found / what is supported>
      File "<file>", line <n>, in <function>
        <the source line>
        <caret under the offending expression>
      note: <at most one note>
"""
from __future__ import annotations

import inspect
import math

import numpy as np
import pytest

from jitcore import njit
from jitcore.frontend.errors import JitError, TypingError, UnsupportedError


def plain_helper(x):
    return x


@njit
def jitted_one(x):
    return x + 1


def expect_error(pyfunc, args, kind, message, source, expr, note=None, where=None):
    """Compile pyfunc for args; the error must match exactly, line and caret included.

    `source` is the offending line as written in `where` (default pyfunc), `expr` the part
    of it the caret must cover; the expected line number is looked up in the source.
    """
    where = where or pyfunc
    with pytest.raises(kind) as info:
        njit(pyfunc)(*args)
    exc = info.value
    assert isinstance(exc, JitError)
    lines, first = inspect.getsourcelines(where)
    matches = [k for k, text in enumerate(lines) if text.strip() == source]
    assert len(matches) == 1, f"{source!r} must occur once in {where.__name__}"
    lineno = first + matches[0]
    filename = where.__code__.co_filename
    got = str(exc).splitlines()
    expected = [message,
                f'  File "{filename}", line {lineno}, in {where.__name__}',
                f"    {source}",
                "    " + " " * source.index(expr) + "^" * len(expr)]
    if note is not None:
        expected.append(f"  note: {note}")
    assert got == expected
    assert exc.loc is not None and exc.loc.line == lineno
    return exc


# --- typing failures --------------------------------------------------------------------


def add_int_and_tuple(a):
    pair = (a, a)
    return a + pair


def test_adding_int_and_tuple():
    expect_error(add_int_and_tuple, (1,), TypingError,
                 "unsupported operand types for +: int64 and UniTuple(int64 x 2)",
                 "return a + pair", "a + pair")


def calls_print(a):
    print(a)
    return a


def test_printing_an_array():
    expect_error(calls_print, (np.ones(2),), TypingError,
                 "print() of an array is not supported in compiled code", "print(a)", "print(a)",
                 "print its items one by one, or return it and print in Python")


def calls_plain_function(a):
    b = a * 2
    return plain_helper(b)


def test_calling_a_plain_python_function():
    expect_error(calls_plain_function, (1,), TypingError,
                 f"{__name__}.plain_helper() is not supported in compiled code",
                 "return plain_helper(b)", "plain_helper(b)",
                 "decorate it with @njit if it is your own function")


def calls_math_unknown(a):
    return math.foo(a)


def test_unknown_module_attribute():
    expect_error(calls_math_unknown, (1.0,), TypingError, "module 'math' has no attribute 'foo'",
                 "return math.foo(a)", "math.foo")


def uses_undefined_global(a):
    return a + no_such_name  # noqa: F821


def test_undefined_global():
    expect_error(uses_undefined_global, (1,), TypingError, "name 'no_such_name' is not defined",
                 "return a + no_such_name  # noqa: F821", "no_such_name")


def int_or_tuple(a):
    if a > 0:
        x = a
    else:
        x = (a, a)
    return x


def test_variable_int_in_one_branch_tuple_in_other():
    expect_error(int_or_tuple, (1,), TypingError,
                 "variable 'x' has type int64 on one path and UniTuple(int64 x 2) on another",
                 "x = (a, a)", "x", "give the variable the same type on every path")


def grows_in_loop(n):
    acc = 0
    for i in range(n):
        acc = (acc, i)
    return 0


def test_variable_changing_type_in_a_loop():
    expect_error(grows_in_loop, (3,), TypingError,
                 "variable 'acc' has type int64 on one path and UniTuple(int64 x 2) on another",
                 "acc = (acc, i)", "acc", "give the variable the same type on every path")


def returns_int_or_tuple(a):
    if a > 0:
        return a
    return (a, a)


def test_return_types_conflict():
    expect_error(returns_int_or_tuple, (1,), TypingError,
                 "returns_int_or_tuple() returns int64 on one path and UniTuple(int64 x 2) on "
                 "another", "return (a, a)", "return (a, a)",
                 "return values of one type on every path")


def bad_attribute(a):
    return a.foo


def test_unsupported_attribute():
    expect_error(bad_attribute, (1,), TypingError, "int64 has no attribute 'foo'",
                 "return a.foo", "a.foo")


def calls_jitted_with_too_many(a):
    return jitted_one(a, 2)


def calls_jitted_with_too_few(a):
    return jitted_one(a) + jitted_one()


def test_wrong_argument_count_in_a_compiled_call():
    expect_error(calls_jitted_with_too_many, (1,), TypingError,
                 "jitted_one() takes 1 positional argument but 2 were given",
                 "return jitted_one(a, 2)", "jitted_one(a, 2)")
    expect_error(calls_jitted_with_too_few, (1,), TypingError,
                 "jitted_one() takes 1 positional argument but 0 were given",
                 "return jitted_one(a) + jitted_one()", "jitted_one()")


def two_args(a, b):
    return a + b


def test_wrong_argument_count_from_python_is_a_typeerror():
    f = njit(two_args)
    with pytest.raises(TypeError):
        f(1)
    with pytest.raises(TypeError):
        f(1, 2, 3)
    assert f(1, 2) == 3


def returns_string(a):
    return "abc"


def adds_string(a):
    s = "abc"
    return s + a


def test_str_values():
    note = "strings are supported only as constant arguments of exceptions"
    expect_error(returns_string, (1,), TypingError,
                 "cannot return the string 'abc' from compiled code", 'return "abc"', '"abc"',
                 note)
    expect_error(adds_string, (1,), TypingError,
                 "unsupported operand types for +: str('abc') and int64", "return s + a",
                 "s + a", note)


def constant_index_out_of_range(t):
    return t[5]


def unpack_wrong_count(t):
    a, b = t
    return a


def unpack_number(x):
    a, b = x
    return a


def index_heterogeneous(t, i):
    return t[i]


def iterate_heterogeneous(t):
    s = 0.0
    for x in t:
        s += x
    return s


def test_tuple_typing_errors():
    expect_error(constant_index_out_of_range, ((1, 2),), TypingError,
                 "tuple index 5 is out of range for UniTuple(int64 x 2)", "return t[5]", "t[5]")
    expect_error(unpack_wrong_count, ((1, 2, 3),), TypingError,
                 "cannot unpack UniTuple(int64 x 3) into 2 values", "a, b = t", "a, b")
    expect_error(unpack_number, (1,), TypingError, "cannot unpack a value of type int64",
                 "a, b = x", "a, b", "only tuples can be unpacked")
    expect_error(index_heterogeneous, ((1, 2.5), 0), TypingError,
                 "cannot index tuple(int64, float64) with int64", "return t[i]", "t[i]",
                 "a tuple whose items differ in type can be indexed with constants only")
    expect_error(iterate_heterogeneous, ((1, 2.5),), TypingError,
                 "tuple(int64, float64) is not iterable", "for x in t:", "for x in t:",
                 "only tuples whose items share one type can be iterated")


def raises_runtime_value(a):
    raise ValueError((a, a))  # numbers are taken (tests/e2e/test_try.py), a tuple is not


def raises_non_exception(a):
    raise a


def test_raise_errors():
    expect_error(raises_runtime_value, (1,), TypingError,
                 "ValueError(...) in compiled code takes constants and numbers only",
                 "raise ValueError((a, a))  # numbers are taken (tests/e2e/test_try.py), a "
                 "tuple is not", "ValueError((a, a))", "write the message as a string literal")
    expect_error(raises_non_exception, (1,), TypingError, "cannot raise a value of type int64",
                 "raise a", "raise a",
                 "raise an exception class or an instance built from constants")


def error_in_callee_body(a):
    return a + (a,)


jitted_error_in_callee = njit(error_in_callee_body)


def calls_bad_callee(a):
    return jitted_error_in_callee(a)


def test_error_inside_a_callee_names_the_callee():
    expect_error(calls_bad_callee, (1,), TypingError,
                 "unsupported operand types for +: int64 and tuple(int64)", "return a + (a,)",
                 "a + (a,)", where=error_in_callee_body)


# --- unsupported constructs ---------------------------------------------------------------


def builds_list(a):
    items = [a, a]
    items.append(a)
    return a


def builds_dict(a):
    d = {1: a}
    return a


def builds_set(a):
    s = {a, 1}
    return a


def list_comprehension(n):
    return sum([i for i in range(n)])


def generator_expression(n):
    return sum(i for i in range(n))


def test_lists_dicts_sets_comprehensions():
    expect_error(builds_list, (1,), UnsupportedError,
                 "lists are not supported yet: a list display ([a, b, ...]) may be passed to "
                 "np.array() and the other array constructors, iterated, indexed, or given to "
                 "len() and `in`", "items.append(a)", "items.append",
                 "use a tuple or a NumPy array")
    expect_error(builds_dict, (1,), UnsupportedError, "dicts are not supported yet",
                 "d = {1: a}", "{1: a}")
    expect_error(builds_set, (1,), UnsupportedError, "sets are not supported yet",
                 "s = {a, 1}", "{a, 1}")
    comp = "comprehensions and generator expressions are not supported in compiled code"
    expect_error(list_comprehension, (3,), UnsupportedError, comp,
                 "return sum([i for i in range(n)])", "[i for i in range(n)]",
                 "write the loop out")
    expect_error(generator_expression, (3,), UnsupportedError, comp,
                 "return sum(i for i in range(n))", "(i for i in range(n))",
                 "write the loop out")




def has_with(a):
    with open("/dev/null") as f:  # noqa: F841
        pass
    return a


def test_with_statement():
    # try statements compile (tests/e2e/test_try.py); with-statements stay refused
    expect_error(has_with, (1,), UnsupportedError,
                 "with-statements are not supported in compiled code",
                 'with open("/dev/null") as f:  # noqa: F841',
                 'with open("/dev/null") as f:  # noqa: F841',
                 "call the functions you need directly, in a try/finally if the cleanup "
                 "must always run")


def generator(n):
    for i in range(n):
        yield i


def varargs(*args):
    return 1


def test_generators_and_varargs():
    expect_error(generator, (3,), UnsupportedError,
                 "generators and coroutines are not supported in compiled code", "yield i",
                 "yield i", "return a tuple or fill an output array instead")
    expect_error(varargs, (1,), UnsupportedError,
                 "*args and **kwargs parameters are not supported", "def varargs(*args):",
                 "def varargs(*args):", "declare each parameter by name")


def uses_deleted_local(a):
    x = a
    del x
    return x


def uses_unassigned_local(a):
    return a + never_assigned  # noqa: F821
    never_assigned = 1


def test_undefined_local():
    note = "assign it on every path before this line"
    expect_error(uses_deleted_local, (1,), UnsupportedError,
                 "local variable 'x' is used before it is assigned", "return x", "x", note)
    expect_error(uses_unassigned_local, (1,), UnsupportedError,
                 "local variable 'never_assigned' is used before it is assigned",
                 "return a + never_assigned  # noqa: F821", "never_assigned", note)


def test_error_is_raised_again_on_the_next_call():
    f = njit(add_int_and_tuple)
    for _ in range(2):
        with pytest.raises(TypingError, match="unsupported operand types"):
            f(1)
