"""Operation implementations, one module per domain, mirroring typeinfer.rules."""
from __future__ import annotations

import importlib
import sys

DOMAINS = ("numbers", "complexes", "builtins", "mathlib", "cmathlib", "tuples", "exceptions",
           "calls", "arrays", "slicing",
           "prange")


# Domains keyed by NumPy functions import NumPy; they load once the program has imported it
# (code that calls np.zeros has), so compiling scalar code never pays for importing NumPy.
NUMPY_DOMAINS = ("arraycreate", "arrayexpr", "arraymethods", "reductions", "linalg", "npfuncs",
                 "nprandom")


def load_all() -> None:
    for name in DOMAINS:
        importlib.import_module(f"{__name__}.{name}")


def load_numpy_domains() -> bool:
    """Load the NumPy-keyed domains if NumPy is imported; True once they are loaded."""
    if "numpy" not in sys.modules:
        return False
    for name in NUMPY_DOMAINS:
        importlib.import_module(f"{__name__}.{name}")
    return True
