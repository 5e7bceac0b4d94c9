"""@vectorize and @guvectorize (not built yet: see the project's issues)."""
from __future__ import annotations

from typing import Any


def vectorize(*args: Any, **kwargs: Any) -> Any:
    raise NotImplementedError("@vectorize is not implemented yet")


def guvectorize(*args: Any, **kwargs: Any) -> Any:
    raise NotImplementedError("@guvectorize is not implemented yet")
