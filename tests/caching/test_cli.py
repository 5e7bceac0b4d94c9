"""python -m jitcore cache list|clear, sysinfo."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from .procs import entries, env_for, run, write


def _jitcore(*args: str, env: dict[str, str]) -> str:
    proc = subprocess.run([sys.executable, "-m", "jitcore", *args], env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_cache_list_and_clear(tmp_path: Path) -> None:
    script = write(tmp_path / "listed.py", """
        from jitcore import njit

        @njit(cache=True)
        def hypot2(x, y):
            return x * x + y * y

        report(a=hypot2(3, 4), b=hypot2(1.5, 2.0))
        """)
    cache = tmp_path / "cache"
    env = env_for(cache)
    run(script, env)
    listing = _jitcore("cache", "list", str(cache), env=env)
    assert "__main__.hypot2" in listing
    assert "int64(int64, int64)" in listing and "float64(float64, float64)" in listing
    assert "KiB" in listing and "3 entries" in listing  # and the dispatch slot helper
    assert "(native helper)" in listing
    (entry, _) = entries(cache)
    entry.write_bytes(b"garbage")
    assert "<damaged>" in _jitcore("cache", "list", str(cache), env=env)
    cleared = _jitcore("cache", "clear", str(cache), env=env)
    assert "removed 3 entries" in cleared
    assert entries(cache) == []
    assert "no cache entries" in _jitcore("cache", "list", env=env)  # JITCORE_CACHE_DIR


def test_sysinfo(tmp_path: Path) -> None:
    import os

    import numpy as np

    out = _jitcore("sysinfo", env=env_for(tmp_path / "cache", JITCORE_NUM_THREADS="3"))
    rows = dict(re.split(r"\s{2,}", line, maxsplit=1) for line in out.splitlines())
    for label in ("Python", "NumPy", "SciPy", "Numba", "llvmlite", "LLVM", "platform", "memory",
                  "host CPU", "CPUs", "SIMD features", "BLAS", "thread pool",
                  "cache directory", "user cache", "environment"):
        assert label in rows, (label, out)
    assert rows["NumPy"].strip() == np.__version__
    assert rows["thread pool"].startswith("3 threads")
    assert str(tmp_path / "cache") in rows["cache directory"]
    assert "JITCORE_NUM_THREADS=3" in rows["environment"]
    assert rows["CPUs"].split()[0] == str(os.cpu_count())
    assert "entries" in rows["user cache"] and "MiB" in rows["user cache"]


def test_sysinfo_names_a_misconfigured_pool(tmp_path: Path) -> None:
    out = _jitcore("sysinfo", env=env_for(tmp_path / "cache", JITCORE_NUM_THREADS="lots"))
    assert "misconfigured: JITCORE_NUM_THREADS must be a whole number" in out


def test_the_jitcore_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / "jitcore"
    assert script.is_file(), "pyproject.toml's [project.scripts] installs `jitcore`"
    proc = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "sysinfo" in proc.stdout
