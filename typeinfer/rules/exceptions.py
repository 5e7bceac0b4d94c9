"""Typing rules: exceptions."""
from __future__ import annotations
