"""docs/supported.md is generated from the registries; it must match them.

Regenerate with `python docs/gen_supported.py` after adding a typing rule or an
implementation.
"""
from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import jitcore

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _generator():
    spec = importlib.util.spec_from_file_location("gen_supported", DOCS / "gen_supported.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_supported_md_is_current():
    expected = _generator().render()
    actual = (DOCS / "supported.md").read_text()
    assert actual == expected, (
        "docs/supported.md is stale: run `python docs/gen_supported.py` and commit the result")


def test_supported_md_names_every_registered_callee():
    text = (DOCS / "supported.md").read_text()
    assert "<unnamed callee" not in text
    assert "| `range` | yes | yes |" in text


def test_supported_md_lists_no_internal_callee():
    """Only what a user can write is listed: NumPy, math, builtins and jitcore's public API,
    not the markers the compiler inserts (jitcore.frontend.ir.check_assigned, prange's
    parallel_loop) or the callees of bound methods."""
    text = (DOCS / "supported.md").read_text()
    for name in re.findall(r"`(jitcore\.[\w.]+)`", text):
        assert name.count(".") == 1 and name.split(".")[1] in jitcore.__all__, name
    assert "BoundMethod" not in text
