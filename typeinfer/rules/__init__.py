"""Typing rules, one module per domain; importing a module registers its rules."""
from __future__ import annotations

import importlib

DOMAINS = ("numbers", "builtins", "mathlib", "tuples", "exceptions", "arrays", "arraycreate")


def load_all() -> None:
    for name in DOMAINS:
        importlib.import_module(f"{__name__}.{name}")
