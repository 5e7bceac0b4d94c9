"""Operation implementations, one module per domain, mirroring typeinfer.rules."""
from __future__ import annotations

DOMAINS = ("numbers", "complexes", "builtins", "mathlib", "cmathlib", "tuples", "exceptions",
           "calls", "arrays", "slicing",
           "prange", "iterators", "printing", "introspection", "optional")


# Loaded only once the program has imported NumPy (see jitcore.typeinfer.domains).
NUMPY_DOMAINS = ("arraycreate", "arrayexpr", "arraymethods", "reductions", "linalg", "npfuncs",
                 "nprandom", "npscalars", "membership")

