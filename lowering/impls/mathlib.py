"""Implementations: mathlib."""
from __future__ import annotations
