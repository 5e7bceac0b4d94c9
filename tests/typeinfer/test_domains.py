"""The NumPy typing domains load for any array type, and loading survives interruption."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from jitcore.typeinfer.domains import DomainLoader

WITHOUT_NUMPY = textwrap.dedent("""
    import sys
    from jitcore import njit
    assert "numpy" not in sys.modules

    @njit("float64(float64[:], UniTuple(float64[:], 2))")
    def f(a, t):
        s = 0.0
        for x in a:
            s += x
        return s + t[1].sum()

    import numpy as np
    print(f(np.arange(4.0), (np.ones(2), np.ones(2))))
""")


def test_array_signature_loads_numpy_domains_before_numpy_is_imported() -> None:
    done = subprocess.run([sys.executable, "-c", WITHOUT_NUMPY], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["8.0"]


def test_an_interrupted_domain_import_is_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    imported: list[str] = []
    loader = DomainLoader("pkg", ("a", "b"), ("c",))

    def interrupted_once(name: str) -> None:
        if name == "pkg.b" and "pkg.b" not in imported:
            imported.append(name)
            raise KeyboardInterrupt
        imported.append(name)

    monkeypatch.setattr("importlib.import_module", interrupted_once)
    with pytest.raises(KeyboardInterrupt):
        loader.ensure()
    loader.ensure(numpy=True)
    assert imported == ["pkg.a", "pkg.b", "pkg.a", "pkg.b", "pkg.c"]
