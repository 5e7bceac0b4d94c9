"""Typing rules: tuples."""
from __future__ import annotations
