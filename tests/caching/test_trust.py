"""A cache no one else can write into: planted, foreign, tampered and malformed entries.

The victim is this test's user; the attacker is `nobody` (run through setpriv when this
runs as root), who shares the victim's JITCORE_CACHE_DIR and forges entries that would
make the victim's `f(5)` return 666 and import a module with a side effect. Where users
cannot be switched, the attacker is the same user with another key. Every attack must be
a miss with one clear warning, the right answer (6), and no side effect.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .procs import as_user, entries, env_for, run, run_as, write

VICTIM = """
from jitcore import njit

@njit(cache=True)
def f(x):
    return x + 1

report(value=f(5), info=f.cache_info())
"""

SIDE_EFFECT = """
import os
open(os.environ["MARKER"], "w").write("imported")
class Hook(Exception):
    pass
"""

# Run by the attacker, or by the victim to forge with the victim's own key (a leaked key,
# or a bug): rewrite a compiled entry and put it where the victim looks.
FORGE = """
import os
import sys
from pathlib import Path
from jitcore.targets import cachefiles

source, target, mode, key = sys.argv[1:5]
meta, blobs = cachefiles.decode(cachefiles.read_entry(Path(source)))
meta["key"] = key
record = meta["objects"][-1]
if mode in ("plant-import", "import"):
    record["bindings"]["jc.obj.hook"] = {"kind": "import", "module": "sideeffect",
                                         "qualname": "Hook"}
if mode == "not-elf":
    blobs[record["blob"]] = b"MZ this is no ELF object " * 20
if mode == "wrong-machine":
    obj = bytearray(blobs[record["blob"]])
    obj[18:20] = (183).to_bytes(2, "little")  # AArch64
    blobs[record["blob"]] = bytes(obj)
if mode == "bad-field":
    record["blob"] = "0"
meta.pop("blobs")
cachefiles.write_atomic(Path(target), cachefiles.encode(meta, blobs))
report(done=True)
"""

EVIL = """
from jitcore import njit

@njit(cache=True)
def f(x):
    return x + 661

report(value=f(5))
"""


class Scene:
    """A shared cache directory, the victim's script and entry, and the attacker."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.shared = base / "shared"
        self.shared.mkdir(mode=0o1777)
        self.shared.chmod(0o1777)  # like /tmp: anyone may create files
        self.marker = base / "marker"
        self.script = write(base / "app" / "app.py", VICTIM)
        write(base / "app" / "sideeffect.py", SIDE_EFFECT)
        write(base / "tools" / "forge.py", FORGE)
        write(base / "tools" / "evil.py", EVIL)
        for path in base.rglob("*"):
            path.chmod(0o755 if path.is_dir() else 0o644)
        self.shared.chmod(0o1777)
        self.env = env_for(self.shared, MARKER=str(self.marker),
                           XDG_CACHE_HOME=str(base / "victim-home"))
        first, _ = run(self.script, self.env)
        assert first["value"] == 6 and first["info"]["stores"] == 1
        (self.entry,) = entries(self.shared)
        self.key = self._key(self.entry)

    def _key(self, entry: Path) -> str:
        """The full key of an entry, read as the victim (with the victim's key)."""
        program = ("import sys; from pathlib import Path; from jitcore.caching import "
                   "read_header; print(read_header(Path(sys.argv[1]))['key'])")
        out = subprocess.run([sys.executable, "-c", program, str(entry)], env=self.env,
                             capture_output=True, text=True, check=True)
        return out.stdout.strip()

    def attacker(self) -> tuple[list[str], dict[str, str]]:
        """How to run a program as the attacker: another user, else another key."""
        prefix = as_user()
        home = self.base / "attacker-home"
        home.mkdir(mode=0o777, exist_ok=True)
        home.chmod(0o777)
        env = {**self.env, "XDG_CACHE_HOME": str(home)}
        return (prefix if prefix is not None else []), env

    def plant(self, mode: str = "plant") -> None:
        """The attacker compiles f returning x + 661, re-keys its entry to the victim's key
        (with "plant-import", adds a binding importing `sideeffect`), signs it with its own
        key and puts it at the victim's name."""
        self.entry.unlink()
        self.entry.parent.chmod(0o1777)  # as if the attacker had made the directory first
        prefix, env = self.attacker()
        proc = run_as(prefix, self.base / "tools" / "evil.py", env)
        assert proc.returncode == 0 and '"value": 666' in proc.stdout, proc.stderr
        (own,) = [p for p in entries(self.shared) if p != self.entry and "evil" in p.name]
        proc = run_as(prefix, self.base / "tools" / "forge.py", env,
                      [str(own), str(self.entry), mode, self.key])
        assert proc.returncode == 0, proc.stderr

    def forge(self, mode: str) -> None:
        """Rewrite the victim's own entry, signed with the victim's own key."""
        run(self.base / "tools" / "forge.py", self.env,
            args=[str(self.entry), str(self.entry), mode, self.key])

    def victim(self) -> tuple[dict[str, Any], str]:
        result, stderr = run(self.script, self.env)
        assert result["value"] == 6, "the victim ran code it did not write"
        assert not self.marker.exists(), "loading an entry imported a module"
        return result, stderr


@pytest.fixture
def scene(public_dir: Path) -> Scene:
    return Scene(public_dir)


def _refused(scene: Scene, reason: str) -> None:
    result, stderr = scene.victim()
    assert result["info"]["hits"] == 0 and result["info"]["stores"] == 1  # rebuilt
    assert stderr.count("CacheWarning") == 1, stderr
    assert f"jitcore: ignoring cache entry {scene.entry}: {reason}" in stderr, stderr
    again, stderr = scene.victim()
    assert again["info"]["hits"] == 1 and "Warning" not in stderr


def test_an_entry_planted_by_another_user_is_refused(scene: Scene) -> None:
    if as_user() is None:
        pytest.skip("cannot run a program as another user here")
    scene.plant()
    assert scene.entry.stat().st_uid != os.geteuid()
    _refused(scene, f"it is owned by uid {scene.entry.stat().st_uid}, not by you "
                    f"(uid {os.geteuid()}) or root; recompiling")


def test_an_entry_signed_with_another_key_is_refused(scene: Scene) -> None:
    """The attacker's entry copied by the victim (now the victim's file): its HMAC was made
    with the attacker's key. Nothing in it is read, so `sideeffect` is not imported."""
    scene.plant("plant-import")
    planted = scene.entry.read_bytes()
    scene.entry.unlink()
    scene.entry.write_bytes(planted)
    _refused(scene, "its authentication code does not match: written with another user's "
                    "key, or changed since it was written; recompiling")


def test_a_tampered_byte_is_refused(scene: Scene) -> None:
    data = bytearray(scene.entry.read_bytes())
    data[len(data) // 2] ^= 0x01
    scene.entry.write_bytes(bytes(data))
    _refused(scene, "its authentication code does not match")


def test_the_users_own_entry_owned_by_someone_else_is_refused(scene: Scene) -> None:
    if os.geteuid() != 0:
        pytest.skip("only root can give a file away")
    os.chown(scene.entry, 65534, 65534)
    _refused(scene, "it is owned by uid 65534, not by you (uid 0) or root")


def test_a_symbolic_link_is_refused(scene: Scene) -> None:
    real = scene.entry.with_name("elsewhere")
    scene.entry.rename(real)
    scene.entry.symlink_to(real)
    _refused(scene, "it is a symbolic link, not a cache file")


def test_a_binding_importing_a_module_with_a_side_effect_is_refused(scene: Scene) -> None:
    """Even signed with the user's key, an entry may make the process import only modules
    jitcore itself imports; any other must already be imported by the program."""
    scene.forge("import")
    _refused(scene, "it binds Hook from module 'sideeffect', which jitcore does not import "
                    "and the program has not imported; recompiling")


def test_an_object_that_is_not_elf_never_reaches_a_loader(scene: Scene) -> None:
    scene.forge("not-elf")
    _refused(scene, "not an ELF object; recompiling")


def test_an_elf_object_for_another_machine_is_refused(scene: Scene) -> None:
    import platform

    if platform.machine() != "x86_64":
        pytest.skip("the forged machine (AArch64) must differ from the host's")
    scene.forge("wrong-machine")
    _refused(scene, "an ELF object for machine 183, not for this x86_64 host (62); "
                    "recompiling")


def test_a_malformed_field_is_refused_before_anything_is_resolved(scene: Scene) -> None:
    scene.forge("bad-field")
    _refused(scene, "blob '0' is not the index of a blob; recompiling")


def test_private_directory_key_and_entries_are_the_users_alone(scene: Scene) -> None:
    root = scene.base / "victim-home" / "jitcore"
    assert root.stat().st_mode & 0o777 == 0o700
    key = root / "key"
    assert key.stat().st_mode & 0o777 == 0o600 and key.stat().st_size == 32
    assert scene.entry.stat().st_mode & 0o777 == 0o600
    assert scene.entry.stat().st_uid == os.geteuid()


def test_an_old_private_directory_is_made_private(tmp_path: Path) -> None:
    home = tmp_path / "xdg" / "jitcore"
    home.mkdir(parents=True, mode=0o755)
    home.chmod(0o755)
    script = write(tmp_path / "app.py", VICTIM)
    result, _ = run(script, env_for(tmp_path / "cache"))
    assert result["info"]["stores"] == 1
    assert home.stat().st_mode & 0o777 == 0o700


def test_a_private_directory_owned_by_another_user_is_not_used(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("only root can give a directory away")
    home = tmp_path / "xdg" / "jitcore"
    home.mkdir(parents=True, mode=0o700)
    os.chown(home, 65534, 65534)
    script = write(tmp_path / "app.py", VICTIM)
    result, stderr = run(script, env_for(tmp_path / "cache"))
    assert result["value"] == 6 and result["info"]["stores"] == 0
    assert stderr.count("CacheWarning") == 1
    assert (f"jitcore: the private cache directory {home} is owned by uid 65534, not by you "
            "(uid 0); compiling without caching") in stderr
    assert entries(tmp_path / "cache") == []


def test_a_key_others_can_read_is_not_used(tmp_path: Path) -> None:
    script = write(tmp_path / "app.py", VICTIM)
    env = env_for(tmp_path / "cache")
    run(script, env)
    key = tmp_path / "xdg" / "jitcore" / "key"
    key.chmod(0o644)
    result, stderr = run(script, env)
    assert result["value"] == 6 and result["info"]["hits"] == 0
    assert stderr.count("CacheWarning") == 1
    assert (f"jitcore: the cache key {key} is not private (mode 644, uid {os.geteuid()}); "
            "remove it and jitcore makes a new one; compiling without caching") in stderr
    key.unlink()
    run(script, env)
    again, stderr = run(script, env)
    assert again["info"]["hits"] == 1 and "Warning" not in stderr


LONG_NAME = "a_function_with_a_very_long_name_" * 9


def test_a_name_longer_than_a_file_name_is_cached(tmp_path: Path) -> None:
    """Linux allows 255 bytes in a file name; the qualified name is cut and hashed."""
    script = write(tmp_path / "long.py", f"""
        from jitcore import njit

        class Outer_{LONG_NAME}:
            @staticmethod
            @njit(cache=True)
            def {LONG_NAME}(x):
                return x * 2

        g = Outer_{LONG_NAME}.{LONG_NAME}
        report(value=g(21), info=g.cache_info())
        """)
    env = env_for(tmp_path / "cache")
    first, stderr = run(script, env)
    assert first["value"] == 42 and first["info"]["stores"] == 1, stderr
    assert "Warning" not in stderr
    (entry,) = entries(tmp_path / "cache")
    assert len(entry.name.encode()) <= 255
    assert entry.name.startswith(f"long.Outer_{LONG_NAME[:40]}")
    second, stderr = run(script, env)
    assert second["info"]["hits"] == 1 and "Warning" not in stderr


def test_two_users_sharing_a_directory_keep_their_own_entries(scene: Scene) -> None:
    prefix = as_user()
    if not prefix:
        pytest.skip("cannot run a program as another user here")
    scene.entry.parent.chmod(0o1777)
    _, env = scene.attacker()
    for _ in range(2):
        proc = run_as(prefix, scene.script, env)
        assert proc.returncode == 0 and "Warning" not in proc.stderr, proc.stderr
    assert '"hits": 1' in proc.stdout
    assert len(entries(scene.shared)) == 2
    result, stderr = scene.victim()
    assert result["info"]["hits"] == 1 and "Warning" not in stderr
