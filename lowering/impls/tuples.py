"""Implementations: tuples."""
from __future__ import annotations
