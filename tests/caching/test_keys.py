"""Cache keys, the file format and bindings, in this process."""
from __future__ import annotations

import math
from pathlib import Path

import pytest

import jitcore
from jitcore import caching
from jitcore.caching import (
    CorruptEntry,
    Unstable,
    decode,
    decode_type,
    describe_binding,
    encode,
    encode_type,
    fingerprint,
    resolve_binding,
)
from jitcore.typeinfer import types as t

SCALE = 2


@jitcore.njit
def callee(x):
    return x * SCALE


@jitcore.njit
def caller(x):
    return callee(x) + math.pi


def _define(src: str, namespace: dict | None = None) -> jitcore.Dispatcher:
    ns = {"njit": jitcore.njit, "__name__": "keys_test_module", **(namespace or {})}
    exec(compile(src, "<keys-test>", "exec"), ns)
    return ns["f"]


def test_identical_definitions_have_identical_fingerprints() -> None:
    src = "@njit\ndef f(x):\n    return x + 1\n"
    assert fingerprint(_define(src)) == fingerprint(_define(src))


@pytest.mark.parametrize("other", [
    "@njit\ndef f(x):\n    return x + 2\n",          # a constant
    "@njit\ndef f(x):\n    return x - 1\n",          # the bytecode
    "@njit\ndef f(y):\n    return y + 1\n",          # a name
    "@njit(fastmath=True)\ndef f(x):\n    return x + 1\n",  # the options
    "@njit\ndef f(x, k=3):\n    return x + 1\n",     # a default
])
def test_what_the_code_depends_on_changes_the_fingerprint(other: str) -> None:
    base = fingerprint(_define("@njit\ndef f(x):\n    return x + 1\n"))
    assert fingerprint(_define(other)) != base


def test_globals_and_callees_are_covered_transitively() -> None:
    src = "@njit\ndef f(x):\n    return g(x) * K\n"
    g1 = _define("@njit\ndef f(x):\n    return x + 1\n")
    g2 = _define("@njit\ndef f(x):\n    return x + 2\n")
    assert fingerprint(_define(src, {"g": g1, "K": 2})) != fingerprint(
        _define(src, {"g": g2, "K": 2}))
    assert fingerprint(_define(src, {"g": g1, "K": 2})) != fingerprint(
        _define(src, {"g": g1, "K": 3}))
    assert fingerprint(_define(src, {"g": g1, "K": 2})) == fingerprint(
        _define(src, {"g": g1, "K": 2}))


def test_module_attributes_read_by_the_code_are_covered() -> None:
    import types

    mod = types.ModuleType("consts")
    mod.LIMIT = 10
    f = _define("@njit\ndef f(x):\n    return min(x, consts.LIMIT)\n", {"consts": mod})
    before = fingerprint(f)
    mod.LIMIT = 11
    assert fingerprint(f) != before


def test_recursion_terminates_and_is_stable() -> None:
    ns: dict = {}
    src = ("@njit\ndef f(n):\n    return 0 if n == 0 else g(n - 1)\n"
           "@njit\ndef g(n):\n    return 1 if n == 0 else f(n - 1)\n")
    ns = {"njit": jitcore.njit, "__name__": "rec"}
    exec(src, ns)
    assert fingerprint(ns["f"]) == fingerprint(ns["f"]) != fingerprint(ns["g"])


def test_objects_without_a_stable_value_make_the_function_uncacheable() -> None:
    class Local(Exception):
        pass

    f = _define("@njit\ndef f(x):\n    raise E('x')\n", {"E": Local})
    with pytest.raises(Unstable, match="global 'E' holds type"):
        fingerprint(f)
    assert caching.overload_tag(f, (t.int64,)) is None


def test_entry_keys_cover_argument_types_and_environment() -> None:
    k1 = caching.entry_key(caller, (t.int64,))
    assert k1 == caching.entry_key(caller, (t.int64,))
    assert k1 != caching.entry_key(caller, (t.float64,))
    env = caching.environment()
    assert any(part.startswith("llvmlite ") for part in env)
    assert any(part.startswith("cpu ") for part in env)
    assert any(part.startswith("jitcore ") for part in env)


def test_the_file_format_detects_damage() -> None:
    data = encode({"format": caching.FORMAT, "key": "k"}, [b"object", b"ir"])
    meta, blobs = decode(data)
    assert meta["key"] == "k" and blobs == [b"object", b"ir"]
    for bad in (data[:-1], data[:40], b"", b"JCCACHE\x01" + data[8:],
                data[:60] + b"x" + data[61:]):
        with pytest.raises(CorruptEntry):
            decode(bad)


def test_atomic_writes_leave_no_temporary_files(tmp_path: Path) -> None:
    target = tmp_path / "entry.jcc"
    caching.write_atomic(target, b"one")
    caching.write_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in tmp_path.iterdir()] == ["entry.jcc"]


@pytest.mark.parametrize("ty", [t.int64, t.float32, t.boolean, t.complex128, t.none,
                                t.Tuple((t.int64, t.Array(t.float64, 2, "F"))),
                                t.Array(t.uint8, 3, "A", True)])
def test_types_round_trip_through_json(ty: t.Type) -> None:
    import json

    assert decode_type(json.loads(json.dumps(encode_type(ty)))) == ty


@pytest.mark.parametrize("obj", [ValueError, ZeroDivisionError, None, True, 3, -2**70, 1.5,
                                 float("inf"), complex(1, -2), "message", b"\x00\xff",
                                 ("msg", 3, (None, 2.5)), math.sqrt])
def test_bindings_are_plain_data_that_rebuild_the_object(obj: object) -> None:
    import json

    desc = json.loads(json.dumps(describe_binding("jc.obj.f.0", obj)))
    rebuilt, word = resolve_binding(desc)
    assert rebuilt == obj or (rebuilt is obj)
    assert type(rebuilt) is type(obj) and word == id(rebuilt)


def test_bindings_refuse_what_cannot_be_found_again() -> None:
    class Local:
        pass

    with pytest.raises(Unstable):
        describe_binding("jc.obj.f.0", Local)
    with pytest.raises(Unstable):
        describe_binding("jc.obj.f.0", object())


def test_symbols_are_named_by_content() -> None:
    src = "@njit\ndef f(x):\n    return x * 7\n"
    a, b = _define(src), _define(src)
    a(3)
    sym_a = a.overloads[(t.int64,)].symbol
    b(3)
    sym_b = b.overloads[(t.int64,)].symbol
    tag = caching.overload_tag(a, (t.int64,))
    assert tag in sym_a and tag in sym_b
    assert sym_a != sym_b  # the second definition cannot take the same native name


def test_cache_info_explains_without_cache_option() -> None:
    assert "cache=True" in caller.cache_info()["reason"]


def test_jitted_functions_passed_as_arguments_are_part_of_the_key() -> None:
    from jitcore.typeinfer.typeof import typeof

    apply = _define("@njit\ndef f(g, x):\n    return g(x)\n")
    g1 = _define("@njit\ndef f(x):\n    return x + 1\n")
    g2 = _define("@njit\ndef f(x):\n    return x + 2\n")
    k1 = caching.entry_key(apply, (typeof(g1), t.int64))
    k2 = caching.entry_key(apply, (typeof(g2), t.int64))
    assert str(typeof(g1)) == str(typeof(g2)) and k1 != k2
    assert caching.overload_tag(apply, (typeof(g1), t.int64)) != caching.overload_tag(
        apply, (typeof(g2), t.int64))
