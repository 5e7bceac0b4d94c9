"""Data-driven tests: tests/data/flow-*.test and infer-*.test, source plus expected IR.

    [case forLoopSum]
    def f(n: int64):
        ...
    [out]
    def f(n: int64) -> int64:
      ...

Each case defines a function `f`. Flow cases print the graph of jitcore.frontend.flow; infer
cases give `f` the types in its annotations (names from typeinfer.types: `int64`,
`UniTuple(float64, 2)`, ...) and print the typed graph. Every graph passes
jitcore.frontend.ircheck. A line ending in `# E: message` instead expects a JitError whose
first line is `message`, located on that line (no [out] then).

Regenerate every [out] after an intended change with
    JITCORE_UPDATE_DATA=1 .venv/bin/python -m pytest tests/jitcore/test_data.py
and review the diff.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from jitcore.frontend.errors import JitError
from jitcore.frontend.flow import build_flow_graph
from jitcore.frontend.ircheck import check_graph, check_typed
from jitcore.frontend.irprint import format_function

DATA = Path(__file__).resolve().parent.parent / "data"
UPDATE = os.environ.get("JITCORE_UPDATE_DATA", "") not in ("", "0")
_ERROR = re.compile(r"#\s*E:\s*(.*)$")


@dataclass
class Case:
    path: Path
    name: str
    source: str
    out: str | None

    @property
    def stage(self) -> str:
        return self.path.name.split("-", 1)[0]


def parse(path: Path) -> list[Case]:
    cases: list[Case] = []
    chunks = re.split(r"^\[case (\w+)\]\n", path.read_text(), flags=re.M)
    for name, body in zip(chunks[1::2], chunks[2::2]):
        source, _, out = body.partition("[out]\n")
        cases.append(Case(path, name, source.rstrip("\n") + "\n",
                          out.rstrip("\n") if out else None))
    return cases


def all_cases() -> list[Case]:
    files = sorted(DATA.glob("flow-*.test")) + sorted(DATA.glob("infer-*.test"))
    return [case for path in files for case in parse(path)]


def build(case: Case) -> str:
    """The printed graph of the case's function `f` at the case's stage."""
    from jitcore.compiler import CALLEES
    from jitcore.typeinfer import types as t
    from jitcore.typeinfer.annotator import annotate

    filename = f"<{case.path.name}:{case.name}>"
    namespace: dict[str, object] = {name: getattr(t, name) for name in dir(t)
                                    if not name.startswith("_")}
    import linecache

    linecache.cache[filename] = (len(case.source), None, case.source.splitlines(True), filename)
    exec(compile(case.source, filename, "exec", dont_inherit=True), namespace)  # noqa: S102 - test data
    func = namespace["f"]
    graph = build_flow_graph(func)  # type: ignore[arg-type]
    check_graph(graph)
    if case.stage == "infer":
        annotations = func.__annotations__  # type: ignore[attr-defined]
        argtypes = tuple(annotations[name] for name in graph.argnames)
        annotate(graph, argtypes, CALLEES)
        check_typed(graph)
    return format_function(graph)


def expected_error(case: Case) -> tuple[int, str] | None:
    for lineno, line in enumerate(case.source.splitlines(), start=1):
        m = _ERROR.search(line)
        if m:
            return lineno, m.group(1).strip()
    return None


def update(case: Case, actual: str) -> None:
    text = case.path.read_text()
    start = text.index(f"[case {case.name}]\n")
    nxt = text.find("\n[case ", start + 1)
    end = len(text) if nxt < 0 else nxt + 1
    block = f"[case {case.name}]\n{case.source}[out]\n{actual}\n"
    if nxt >= 0:
        block += "\n"
    case.path.write_text(text[:start] + block + text[end:])


@pytest.mark.parametrize("case", all_cases(), ids=lambda c: f"{c.path.stem}::{c.name}")
def test_case(case: Case) -> None:
    error = expected_error(case)
    if error is not None:
        with pytest.raises(JitError) as info:
            build(case)
        assert (info.value.loc.line if info.value.loc else None, info.value.message) == error
        return
    actual = build(case)
    if UPDATE:
        update(case, actual)
        return
    assert case.out is not None, f"{case.name} has no [out]; run with JITCORE_UPDATE_DATA=1"
    assert actual == case.out


def test_there_are_cases_for_each_stage() -> None:
    stages = {c.stage for c in all_cases()}
    assert stages == {"flow", "infer"}
