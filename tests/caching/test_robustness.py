"""What breaks other caches: racing writers, damaged files, read-only directories."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .procs import entries, env_for, run, write

PROGRAM = """
from jitcore import njit

@njit(cache=True)
def collatz(n):
    steps = 0
    while n != 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        steps += 1
    return steps

report(steps=collatz(27), info=collatz.cache_info())
"""


def test_ten_processes_compiling_at_once_all_succeed(tmp_path: Path) -> None:
    script = write(tmp_path / "race.py", PROGRAM)
    env = env_for(tmp_path / "cache")
    procs = [subprocess.Popen([sys.executable, str(script)], env=env, cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(10)]
    outputs = [p.communicate(timeout=300) for p in procs]
    for p, (out, err) in zip(procs, outputs):
        assert p.returncode == 0, err
        assert '"steps": 111' in out
        assert "Warning" not in err
    assert len(entries(tmp_path / "cache")) == 1  # one good entry, no temporary files left
    assert not list((tmp_path / "cache").rglob(".tmp-*"))
    after, _ = run(script, env)
    assert after["steps"] == 111 and after["info"]["hits"] == 1


@pytest.mark.parametrize("damage", ["truncate", "flip", "foreign", "empty"])
def test_a_damaged_entry_is_ignored_with_a_warning_and_replaced(tmp_path: Path,
                                                                damage: str) -> None:
    script = write(tmp_path / "damaged.py", PROGRAM)
    env = env_for(tmp_path / "cache")
    run(script, env)
    (entry,) = entries(tmp_path / "cache")
    data = entry.read_bytes()
    if damage == "truncate":
        entry.write_bytes(data[:len(data) // 2])
    elif damage == "flip":
        entry.write_bytes(data[:-100] + bytes([data[-100] ^ 0xFF]) + data[-99:])
    elif damage == "foreign":
        entry.write_bytes(b"\x7fELF this is not a cache entry" * 10)
    else:
        entry.write_bytes(b"")
    result, stderr = run(script, env)
    assert result["steps"] == 111 and result["info"]["hits"] == 0
    assert "CacheWarning" in stderr and "ignoring cache entry" in stderr
    assert result["info"]["stores"] == 1  # replaced by a good entry
    again, stderr = run(script, env)
    assert again["info"]["hits"] == 1 and "Warning" not in stderr


def _as_nobody() -> list[str] | None:
    """A command prefix dropping root's power to write anywhere (root ignores modes)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    return [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]


@pytest.fixture
def public_dir() -> Any:
    """A directory an unprivileged user can reach (pytest's tmp_path is root's alone)."""
    import tempfile

    path = Path(tempfile.mkdtemp(prefix="jitcore-ro-"))
    path.chmod(0o755)
    yield path
    for sub in path.rglob("*"):
        if sub.is_dir():
            sub.chmod(0o755)
    shutil.rmtree(path, ignore_errors=True)


def test_a_read_only_cache_directory_degrades_to_no_caching(public_dir: Path) -> None:
    prefix = _as_nobody()
    if prefix is None:
        pytest.skip("running as root without setpriv: cannot make a directory read-only")
    tmp_path = public_dir
    script = write(tmp_path / "ro.py", PROGRAM)
    script.chmod(0o644)
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o555)
    cache.chmod(0o555)
    env = env_for(cache, HOME=str(tmp_path / "nohome"))
    proc = subprocess.run([*prefix, sys.executable, str(script)], env=env, cwd="/",
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert '"steps": 111' in proc.stdout
    assert "CacheWarning" in proc.stderr and "not writable" in proc.stderr
    assert entries(cache) == []


def test_a_source_directory_without_write_access_falls_back_to_the_user_cache(
        public_dir: Path) -> None:
    prefix = _as_nobody()
    if prefix is None:
        pytest.skip("running as root without setpriv: cannot make a directory read-only")
    tmp_path = public_dir
    src = tmp_path / "src"
    script = write(src / "installed.py", PROGRAM)
    script.chmod(0o644)
    src.chmod(0o555)
    home = tmp_path / "home"
    home.mkdir(mode=0o777)
    home.chmod(0o777)
    env = env_for(None, XDG_CACHE_HOME=str(home))
    outs = []
    for _ in range(2):
        proc = subprocess.run([*prefix, sys.executable, str(script)], env=env, cwd="/",
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        assert "Warning" not in proc.stderr
        outs.append(proc.stdout)
    assert '"hits": 1' in outs[1]
    assert not (src / "__jitcache__").exists()
    assert len(entries(home / "jitcore")) == 1
