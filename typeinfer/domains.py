"""Loading of the per-domain modules that register typing rules and implementations.

`typeinfer.rules` and `lowering.impls` each split their registrations into domain modules
(numbers, arrays, ...); importing a module registers what it holds. Both load them the same
way, through one `DomainLoader`:

    loader = DomainLoader("jitcore.lowering.impls", ("numbers", "arrays"), ("linalg",))
    loader.ensure()   # imports numbers and arrays; linalg too once NumPy has been imported
"""
from __future__ import annotations

import importlib
import sys


class DomainLoader:
    """Imports a package's domain modules once, the NumPy-keyed ones only when NumPy is in use.

    Domains keyed by NumPy functions import NumPy. They load once the program has imported it
    (code that calls np.zeros has), so compiling scalar code never pays for importing NumPy.
    """

    def __init__(self, package: str, domains: tuple[str, ...],
                 numpy_domains: tuple[str, ...]) -> None:
        self.package = package
        self.domains = domains
        self.numpy_domains = numpy_domains
        self._loaded = False
        self._numpy_loaded = False

    def ensure(self, numpy: bool = False) -> None:
        """Import every domain that can be imported now; cheap once all are in.

        `numpy` loads the NumPy domains even before the program imports NumPy (a signature
        naming an array type needs them). A domain counts as loaded only once its import
        finished: an import interrupted by any exception (Ctrl-C in a first compile) is
        retried by the next call, so the compiler stays usable.
        """
        if self._numpy_loaded:
            return
        if not self._loaded:
            self._import(self.domains)
            self._loaded = True
        if numpy or "numpy" in sys.modules:
            self._import(self.numpy_domains)
            self._numpy_loaded = True

    def _import(self, names: tuple[str, ...]) -> None:
        for name in names:
            importlib.import_module(f"{self.package}.{name}")
