"""Implementations: exceptions."""
from __future__ import annotations
