"""docs/supported.md is generated from the registries; it must match them.

Regenerate with `python docs/gen_supported.py` after adding a typing rule or an
implementation.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

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
