"""Fixtures of the cache tests."""
from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def public_dir() -> Iterator[Path]:
    """A directory an unprivileged user can reach (pytest's tmp_path is root's alone)."""
    import tempfile

    path = Path(tempfile.mkdtemp(prefix="jitcore-ro-"))
    path.chmod(0o755)
    yield path
    for sub in path.rglob("*"):
        if sub.is_dir():
            sub.chmod(0o755)
    shutil.rmtree(path, ignore_errors=True)
