"""python -m jitcore cache list|clear, sysinfo."""
from __future__ import annotations

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
    out = _jitcore("sysinfo", env=env_for(tmp_path / "cache"))
    for label in ("Python", "NumPy", "llvmlite", "LLVM", "host CPU", "SIMD features",
                  "cache directory"):
        assert label in out
    assert str(tmp_path / "cache") in out
