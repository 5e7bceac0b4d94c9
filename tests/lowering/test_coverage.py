"""Every typing rule has a lowering: for each operator and every pair of number types that
typing accepts, an implementation is registered for the signature typing chose."""
from __future__ import annotations

import pytest

from jitcore.frontend.operations import BINARY, UNARY
from jitcore.lowering import registry as lowering_registry
from jitcore.typeinfer import registry as typing_registry
from jitcore.typeinfer import types as t

PAIRS = [(a, b) for a in t.number_types for b in t.number_types]
NO_LOWERING_NEEDED = {"is_", "is_not", "in_", "not_in"}  # typed against specific operands


def _find(opname: str, sig: t.Signature) -> object:
    from jitcore.frontend.operations import plain

    return lowering_registry.find(opname, sig.args) or lowering_registry.find(plain(opname),
                                                                              sig.args)


@pytest.mark.parametrize("opname", sorted(set(BINARY) - NO_LOWERING_NEEDED))
def test_binary_rules_have_lowerings(opname):
    missing = []
    for a, b in PAIRS:
        sig = typing_registry.resolve(opname, a, b)
        if sig is not None and _find(opname, sig) is None:
            missing.append(str(sig))
    assert not missing, f"{opname}: typed but not lowered for {missing}"


@pytest.mark.parametrize("opname", sorted(UNARY))
def test_unary_rules_have_lowerings(opname):
    missing = []
    for a in t.number_types:
        sig = typing_registry.resolve(opname, a)
        if sig is not None and _find(opname, sig) is None:
            missing.append(str(sig))
    assert not missing, f"{opname}: typed but not lowered for {missing}"
