"""Typing rules: mathlib."""
from __future__ import annotations
