"""Operation implementations, one module per domain, mirroring typeinfer.rules."""
from __future__ import annotations

import importlib

DOMAINS = ("numbers", "builtins", "mathlib", "tuples", "exceptions", "calls", "arrays", "arraycreate")


def load_all() -> None:
    for name in DOMAINS:
        importlib.import_module(f"{__name__}.{name}")
