"""Typing rules, one module per domain; importing a module registers its rules."""
from __future__ import annotations

DOMAINS = ("numbers", "builtins", "mathlib", "tuples", "exceptions", "methods", "arrays",
           "slicing", "prange", "iterators", "introspection", "optional")


# Loaded only once the program has imported NumPy (see jitcore.typeinfer.domains).
NUMPY_DOMAINS = ("arraycreate", "arrayexpr", "arraymethods", "reductions", "linalg", "npfuncs",
                 "nprandom", "npscalars", "membership")

