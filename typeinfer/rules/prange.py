"""Typing of `jitcore.prange`: a range whose loop parallel=True runs in chunks.

    prange(n)         -> range(int64)      as range(n); lowering/parfor.py outlines the loop
    prange(0, n, 2)   -> range(int64)
"""
from __future__ import annotations

from jitcore.frontend.markers import prange

from ..registry import call_rule
from ..types import Signature, Type
from .builtins import range_


@call_rule(prange)
def prange_(args: tuple[Type, ...], kws: dict[str, Type]) -> Signature | None:
    sig: Signature | None = range_(args, kws)
    return sig
