"""jitcore.frontend.ircheck finds each kind of broken graph, and passes the graphs the front
end builds."""
from __future__ import annotations

import pytest

from jitcore.frontend import ir
from jitcore.frontend.errors import Loc
from jitcore.frontend.flow import build_flow_graph
from jitcore.frontend.ircheck import IRCheckError, check_graph, check_typed

LOC = Loc("<test>", 1)


def two_blocks() -> tuple[ir.Function, ir.Block, ir.Block]:
    """entry(a): v = a + 1; jump exit(v) / exit(x): return x"""
    a, v, x = ir.Variable("a"), ir.Variable("v"), ir.Variable("x")
    exit_block = ir.Block([x], label=10)
    exit_block.exit = ir.Return(LOC, x)
    entry = ir.Block([a], label=-1)
    entry.ops.append(ir.BinOp(v, LOC, "add", a, ir.Constant(1)))
    entry.exit = ir.Jump(LOC, ir.Link(exit_block, [v]))
    return ir.Function("g", "g", ["a"], entry, LOC), entry, exit_block


def test_a_well_formed_graph_passes():
    fn, _, _ = two_blocks()
    check_graph(fn)


def test_link_with_wrong_number_of_values():
    fn, entry, _ = two_blocks()
    entry.exit.link.args.append(ir.Constant(2))  # type: ignore[union-attr]
    with pytest.raises(IRCheckError, match="passes 2 values for 1 arguments"):
        check_graph(fn)


def test_variable_from_another_block():
    fn, entry, exit_block = two_blocks()
    exit_block.exit = ir.Return(LOC, entry.ops[0].result)  # type: ignore[arg-type]
    with pytest.raises(IRCheckError, match="Return reads v_.*not defined in this block"):
        check_graph(fn)


def test_use_before_definition_in_the_same_block():
    fn, entry, _ = two_blocks()
    w = ir.Variable("w")
    entry.ops.insert(0, ir.UnaryOp(ir.Variable("u"), LOC, "neg", w))
    entry.ops.append(ir.UnaryOp(w, LOC, "neg", ir.Constant(1)))
    with pytest.raises(IRCheckError, match="UnaryOp reads w_"):
        check_graph(fn)


def test_block_without_exit():
    fn, _, exit_block = two_blocks()
    exit_block.exit = None
    with pytest.raises(IRCheckError, match="block10 has no exit"):
        check_graph(fn)


def test_variable_defined_twice():
    fn, entry, _ = two_blocks()
    entry.ops.append(ir.BinOp(entry.ops[0].result, LOC, "add", ir.Constant(1), ir.Constant(2)))
    with pytest.raises(IRCheckError, match="defined more than once"):
        check_graph(fn)


def test_untyped_graph_fails_the_typed_check():
    fn, _, _ = two_blocks()
    with pytest.raises(IRCheckError, match="has no type"):
        check_typed(fn)


def sample(n, t):
    total = 0
    for i in range(n):
        a, b = t
        if a < i <= b or i == 7:
            continue
        while total > 100:
            total -= 3
            if total % 5 == 0:
                break
        else:
            total += 1
        total += a if i % 2 else b
    return total, t[1:]


def test_graphs_from_the_front_end_pass():
    check_graph(build_flow_graph(sample))


def test_typed_graph_from_the_pipeline_passes():
    from jitcore import njit

    f = njit(sample)
    assert f(20, (3, 9)) == sample(20, (3, 9))
    (overload,) = f.overloads.values()
    check_typed(overload.typed.graph)
