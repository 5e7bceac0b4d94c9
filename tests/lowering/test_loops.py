"""Loop shapes handed to LLVM: counted range loops whatever the step, and their values."""
from __future__ import annotations

import re

import numpy as np

from jitcore import njit
from tests.conftest import check_each


def strided_sum(start, stop, step):
    total = 0
    for j in range(start, stop, step):
        total += j
    return total


def count_and_last(start, stop, step):
    count = 0
    last = 0
    for j in range(start, stop, step):
        count += 1
        last = j
    return count, last


def strided_clear(flags, start, step):
    for j in range(start, len(flags), step):
        flags[j] = False
    return flags


def optimised_ir(fn, *args) -> str:
    fn(*args)
    return str(fn.inspect_llvm(fn.signatures[0]))


def test_range_with_a_run_time_step_is_a_counted_loop():
    # A step known only at run time used to be tested for its sign on every iteration,
    # which left LLVM without a trip count: the loop stayed scalar.
    text = optimised_ir(njit(strided_sum), 0, 100, 3)
    assert "llvm.loop.isvectorized" in text
    assert "llvm.is.constant" not in text  # folded away by LLVM's pipeline


def test_range_with_a_run_time_step_values():
    # Run-time steps of every sign, unit steps among them (which take the counted path).
    cases = [(0, 100, 3), (0, 100, 1), (100, 0, -1), (100, -100, -7), (5, 5, 2), (9, 3, 2),
             (0, 10, 0)]
    check_each(strided_sum, cases)
    # Near the ends of int64 the step past the last value wraps: the count must still end.
    extremes = [(-2**63, -2**63 + 10, 3), (2**63 - 10, 2**63 - 1, 4), (2**63 - 2, -2**63, -2**62),
                (2**63 - 2, 2**63 - 1, 5), (-2**63 + 1, -2**63, -1), (-2**63, 2**63 - 1, 2**62)]
    check_each(count_and_last, extremes)


def count_up(start, stop):
    count = 0
    last = 0
    for j in range(start, stop):
        count += 1
        last = j
    return count, last


def count_down(start, stop):
    count = 0
    last = 0
    for j in range(start, stop, -1):
        count += 1
        last = j
    return count, last


def test_constant_unit_steps_at_the_ends_of_int64():
    # The increment after the last iteration overflows here (it carries `nsw`): its value
    # is never read, so the loops still end with Python's count and last value.
    top, bottom = 2**63 - 1, -2**63
    check_each(count_up, [(top - 2, top), (top, top), (top - 1, top), (top, bottom),
                          (bottom, bottom + 3), (-1, 2)])
    check_each(count_down, [(bottom + 2, bottom), (bottom, bottom), (bottom + 1, bottom),
                            (bottom, top), (top, top - 3), (1, -2)])


def test_strided_store_with_a_run_time_step():
    clear = njit(strided_clear)
    for n, start, step in [(0, 0, 1), (1, 0, 5), (100, 4, 2), (101, 9, 9), (64, -10, 3),
                           (50, 49, 1), (50, 60, 1)]:
        expected = strided_clear(np.ones(n, np.bool_), start, step)
        np.testing.assert_array_equal(clear(np.ones(n, np.bool_), start, step), expected)


def pairwise(x, out):
    n = x.shape[0]
    for i in range(n):
        for j in range(n):
            s = 0.0
            for k in range(x.shape[1]):
                t = x[i, k] - x[j, k]
                s += t * t
            out[i, j] = s
    return out


def lagging_phis(text: str) -> list[str]:
    """The i64 phis of the first function that carry another phi of their own block.

    `%cur = phi [0, %pre], [%next, %latch]` beside `%next = phi [1, %pre], [%next1, %latch]`
    is a second induction variable one step behind the first: the shape LLVM is left with
    when a loop's next value is computed before its exit test.
    """
    body = text.split("define ", 2)[1]
    found = []
    for block in re.split(r"\n(?=[\w.\-]+:)", body):
        phis = dict(re.findall(r"^\s*(%[\w.\-]+) = phi i64 (.*)$", block, re.M))
        for name, incoming in phis.items():
            carried = re.findall(r"\[\s*(%[\w.\-]+),", incoming)
            found += [f"{name} <- {value}" for value in carried if value in phis]
    return found


def test_nested_range_loops_keep_one_induction_variable_per_level():
    # The range state advances only on the edge into the body, so the value carried round
    # each back-edge is the one the body sees: no loop of the nest keeps a copy one step
    # behind (which cost a register, and a spill in the outer loop, on pairwise distances).
    x = np.arange(12.0).reshape(4, 3)
    text = optimised_ir(njit(pairwise), x, np.empty((4, 4)))
    assert lagging_phis(text) == []
    text = optimised_ir(njit(count_and_last), 0, 10, 1)
    assert lagging_phis(text) == []


def nested_last_values(n, m):
    i = j = -1
    total = 0
    for i in range(n):
        for j in range(i, m):
            total += i * j
    return i, j, total


def nested_with_break(n):
    found = (-1, -1)
    for i in range(n):
        for j in range(n - 1, -1, -1):
            if i * j == 6:
                found = (i, j)
                break
        if found[0] >= 0:
            break
    return found, i, j


def test_loop_variables_keep_their_last_values_after_nested_loops():
    check_each(nested_last_values, [(0, 0), (1, 0), (3, 5), (5, 3), (4, 4), (6, 2)])
    check_each(nested_with_break, [(1,), (4,), (7,)])
