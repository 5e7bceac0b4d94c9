"""Run Python programs in fresh processes: what a cache must survive is the next process."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

# Appended to test programs: what the parent asserts on, as one JSON line.
REPORT = """
import json as _json, sys as _sys
def report(**values):
    values["llvm_loaded"] = "llvmlite.binding" in _sys.modules
    print("REPORT " + _json.dumps(values, default=str))
"""


def env_for(cache_dir: Path | None, **extra: str) -> dict[str, str]:
    """The environment of a test program: its own user cache (where its key lives) next
    to `cache_dir`, or in a fresh temporary directory."""
    env = dict(os.environ)
    env.pop("JITCORE_CACHE_DIR", None)
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # edited modules must be read again, not from .pyc
    env["PYTHONPATH"] = str(ROOT)
    base = cache_dir.parent if cache_dir is not None else Path(tempfile.mkdtemp())
    env["XDG_CACHE_HOME"] = str(base / "xdg")
    if cache_dir is not None:
        env["JITCORE_CACHE_DIR"] = str(cache_dir)
    env.update(extra)
    return env


def write(path: Path, source: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(REPORT + textwrap.dedent(source))
    return path


def run(script: Path, env: dict[str, str], cwd: Path | None = None,
        args: list[str] | None = None) -> tuple[dict[str, Any], str]:
    """(the report, stderr) of `python script`; fails the test on a non-zero exit."""
    proc = subprocess.run([sys.executable, str(script), *(args or [])], env=env,
                          cwd=cwd or script.parent, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("REPORT ")]
    assert lines, proc.stdout + proc.stderr
    return json.loads(lines[-1][len("REPORT "):]), proc.stderr


def entries(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.jcc") if "stubs" not in p.parts)


NOBODY = 65534  # the unprivileged user of Debian and Red Hat systems


def as_user(uid: int = NOBODY) -> list[str] | None:
    """A command prefix running a program as `uid` ([] when not root: already unprivileged;
    None where the machine cannot switch users)."""
    if os.geteuid() != 0:
        return [] if uid == os.geteuid() else None
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    return [setpriv, f"--reuid={uid}", f"--regid={uid}", "--clear-groups"]


def run_as(prefix: list[str], script: Path, env: dict[str, str],
           args: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*prefix, sys.executable, str(script), *(args or [])], env=env,
                          cwd="/", capture_output=True, text=True, timeout=120)
