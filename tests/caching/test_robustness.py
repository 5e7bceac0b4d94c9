"""What breaks other caches: racing writers, damaged files, read-only directories."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .procs import as_user, entries, env_for, run, write

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


def test_a_read_only_cache_directory_degrades_to_no_caching(public_dir: Path) -> None:
    prefix = as_user()
    if prefix is None:
        pytest.skip("running as root without setpriv: cannot make a directory read-only")
    tmp_path = public_dir
    script = write(tmp_path / "ro.py", PROGRAM)
    script.chmod(0o644)
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o555)
    cache.chmod(0o555)
    home = tmp_path / "xdg"  # where the user's key can be made
    home.mkdir(mode=0o777)
    home.chmod(0o777)
    env = env_for(cache, HOME=str(tmp_path / "nohome"))
    proc = subprocess.run([*prefix, sys.executable, str(script)], env=env, cwd="/",
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert '"steps": 111' in proc.stdout
    assert proc.stderr.count("CacheWarning") == 1
    assert f"the cache directory {cache}/ro-" in proc.stderr
    assert "is not writable (Permission denied); compiling without caching" in proc.stderr
    assert entries(cache) == []


def test_without_a_place_for_the_key_nothing_is_cached(public_dir: Path) -> None:
    """The key lives in the user's private directory: if it cannot be made, one warning
    says so (not that the cache directory is not writable) and nothing is read or written."""
    prefix = as_user()
    if prefix is None:
        pytest.skip("cannot run a program as another user here")
    script = write(public_dir / "nokey.py", PROGRAM)
    script.chmod(0o644)
    cache = public_dir / "cache"
    cache.mkdir(mode=0o777)
    cache.chmod(0o777)
    env = env_for(cache)  # XDG_CACHE_HOME is public_dir/xdg, which nobody cannot create
    proc = subprocess.run([*prefix, sys.executable, str(script)], env=env, cwd="/",
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert '"steps": 111' in proc.stdout
    assert proc.stderr.count("CacheWarning") == 1
    assert (f"jitcore: cannot create the private directory {public_dir}/xdg/jitcore: "
            "Permission denied; compiling without caching") in proc.stderr
    assert "not writable" not in proc.stderr
    assert entries(cache) == []


def test_a_source_directory_without_write_access_falls_back_to_the_user_cache(
        public_dir: Path) -> None:
    prefix = as_user()
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
