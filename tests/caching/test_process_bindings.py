"""A cache entry names the process bindings its code reads (targets/bindings.py's table);
a new process resolves them by name before it loads the code."""
from __future__ import annotations

from pathlib import Path

import pytest

from jitcore import caching
from jitcore.targets.cachefiles import KEY_FILE, Mac, private_dir

from .procs import entries, env_for, run, write

PROGRAM = """
import numpy as np
from jitcore import njit

@njit(cache=True)
def noisy_product(a):
    np.random.seed(3)
    return a @ (a.T + np.random.random(a.shape[::-1]))

a = np.arange(6.0).reshape(2, 3)
report(out=noisy_product(a).tolist(), info=noisy_product.cache_info())
"""


def test_entries_list_their_process_bindings_by_name(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    script = write(tmp_path / "bound.py", PROGRAM)
    env = env_for(tmp_path / "cache")
    first, _ = run(script, env)
    (entry,) = entries(tmp_path / "cache")
    monkeypatch.setenv("XDG_CACHE_HOME", env["XDG_CACHE_HOME"])  # the program's key
    key = (private_dir() / KEY_FILE).read_bytes()
    meta = caching.decode(entry.read_bytes(), Mac(key))[0]
    (record,) = [r for r in meta["objects"] if meta["symbol"] in r["symbols"]]
    assert {"jc.numpy.api", "jc.random.key", "jc.blas.dgemm"} <= set(record["process"])
    assert all(d["kind"] in ("const", "import") for d in record["bindings"].values())
    second, stderr = run(script, env)
    assert second["info"]["hits"] == 1 and "Warning" not in stderr
    assert second["out"] == first["out"]
