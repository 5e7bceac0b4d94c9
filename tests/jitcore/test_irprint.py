"""inspect_types(): the typed IR with the source lines it came from."""
from __future__ import annotations

import inspect

from jitcore import njit
from jitcore.frontend.flow import build_flow_graph
from jitcore.frontend.irprint import format_function


def scaled_sum(n, scale):
    total = 0
    for i in range(n):
        total += i * scale
    return total


def test_inspect_types_shows_source_lines_with_types():
    f = njit(scaled_sum)
    assert f(4, 0.5) == 3.0
    text = f.inspect_types()
    lines = text.splitlines()
    _, first = inspect.getsourcelines(scaled_sum)
    assert lines[0] == f"scaled_sum ({__file__})"
    assert lines[1] == "-" * len(lines[0])
    assert lines[2] == "def scaled_sum(n: int64, scale: float64) -> float64:"
    assert f"    # line {first + 2}: for i in range(n):" in lines
    assert f"    # line {first + 3}: total += i * scale" in lines
    assert f"    # line {first + 4}: return total" in lines
    # each source line comes before the ops it produced, which carry their types
    body = lines.index(f"    # line {first + 3}: total += i * scale")
    assert ": float64 = mul " in lines[body + 1]
    assert any(": range_iter(int64) = getiter" in line for line in lines)


def test_inspect_types_one_section_per_overload():
    f = njit(scaled_sum)
    f(3, 1.0)
    f(3, 2)
    text = f.inspect_types()
    assert "def scaled_sum(n: int64, scale: float64) -> float64:" in text
    assert "def scaled_sum(n: int64, scale: int64) -> int64:" in text


def test_printed_names_do_not_depend_on_earlier_graphs():
    first = format_function(build_flow_graph(scaled_sum))
    build_flow_graph(scaled_sum)
    assert format_function(build_flow_graph(scaled_sum)) == first
