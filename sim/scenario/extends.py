"""Reading scenario TOML files: the ``extends`` chain, where each key comes from, and :class:`ScenarioError`.

:func:`resolve_scenario` reads a TOML file and everything it extends into one dict, remembering for each
key the file that wrote it (so an error names the file the user must edit). Validation and loading are in
:mod:`sim.scenario.files`.

Inheritance rules:

* ``extends = "baseline.toml"`` (top level) names the parent file, relative to the directory of
  the file that names it (an absolute path also works, but makes a library unportable).
* The child's keys override the parent's; tables merge key by key, at any depth; arrays (such as
  ``[[targets]]`` or ``bank.lpr_schedule``) and scalars are replaced whole.
* A child cannot delete a key by merging: to switch a shock off, set its ``depth = 0.0``.
* Chains of any length work (up to :data:`MAX_CHAIN` files); a cycle is an error.

Every problem raises :class:`ScenarioError`, whose text is one line: ``FILE: KEY: problem``.
``FILE`` is the file in which the offending key is written (for a problem inherited from a
parent, the message ends with ``(in the extends chain of CHILD)``); ``KEY`` is the dotted key, or
``-`` when the problem concerns the whole file (unreadable, empty, TOML syntax - the message
then gives the line and column).
"""

from __future__ import annotations

import copy
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_CHAIN = 32
"""Most files in one ``extends`` chain (the library's longest chain is 3; a guard, not a limit users meet)."""

MAX_FILE_BYTES = 1_000_000
"""Largest scenario file accepted; the library's files are 2-4 kB, so 1 MB is surely a mistake."""

Key = tuple[str, ...]


class ScenarioError(Exception):
    """A scenario file that cannot be used; ``str()`` is ``FILE: KEY: problem`` on one line."""

    def __init__(self, file: str | Path, key: str, problem: str) -> None:
        self.file = " ".join(str(file).split())
        self.key = " ".join(str(key).split()) or "-"
        self.problem = " ".join(str(problem).split())
        super().__init__(f"{self.file}: {self.key}: {self.problem}")


def display_path(path: str | Path) -> str:
    """A path as the user would recognise it: normalised, ``..`` folded, not made absolute."""
    return os.path.normpath(str(path))


def read_toml(path: str | Path) -> dict[str, Any]:
    """Parse one TOML file into a dict, turning every failure into a :class:`ScenarioError`."""
    path = Path(path)
    name = display_path(path)
    if not path.exists():
        raise ScenarioError(name, "-", "file not found")
    if not path.is_file():
        raise ScenarioError(name, "-", "not a file")
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ScenarioError(name, "-", f"file is {size:,} bytes; a scenario file is a few kB")
        raw = path.read_bytes()
    except OSError as exc:
        raise ScenarioError(name, "-", f"cannot read: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark (Windows editors write one) is accepted
    except UnicodeDecodeError:
        raise ScenarioError(name, "-", "not a UTF-8 text file (binary data?)") from None
    if "\x00" in text:
        raise ScenarioError(name, "-", "not a text file (contains NUL bytes)")
    if not text.strip():
        raise ScenarioError(name, "-", "file is empty")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(name, "-", f"TOML syntax error: {exc}") from None
    except RecursionError:
        raise ScenarioError(name, "-", "TOML nesting too deep") from None
    if not data:
        raise ScenarioError(name, "-", "file has no keys (only comments)")
    return data


def deep_merge(parent: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    """Child overrides parent; tables merge recursively, everything else is replaced."""
    merged = copy.deepcopy(parent)
    for key, value in child.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _key_origins(data: dict[str, Any], file: str, prefix: Key = ()) -> dict[Key, str]:
    """Map every table key path in ``data`` (at any depth, not into arrays) to ``file``."""
    origins: dict[Key, str] = {}
    for key, value in data.items():
        path = prefix + (str(key),)
        origins[path] = file
        if isinstance(value, dict):
            origins.update(_key_origins(value, file, path))
    return origins


@dataclass
class ResolvedFile:
    """A scenario file with its ``extends`` chain merged, before validation.

    Attributes:
        data: The merged dict (without ``extends``).
        chain: Display paths from the file itself to its root ancestor.
        origins: For each dotted key path, the display path of the file that set it last.
    """

    data: dict[str, Any]
    chain: list[str]
    origins: dict[Key, str] = field(default_factory=dict)

    @property
    def file(self) -> str:
        """The file this resolution started from."""
        return self.chain[0]

    def origin(self, key: Key) -> str:
        """The file that wrote ``key`` or its closest enclosing table (else the file itself)."""
        for n in range(len(key), 0, -1):
            found = self.origins.get(key[:n])
            if found is not None:
                return found
        return self.file


def _resolve(path: Path, chain: tuple[Path, ...]) -> ResolvedFile:
    data = read_toml(path)
    name = display_path(path)
    here = path.resolve()
    parent_ref = data.pop("extends", None)
    own = _key_origins(data, name)
    if parent_ref is None:
        return ResolvedFile(data, [name], own)
    if not isinstance(parent_ref, str) or not parent_ref.strip():
        raise ScenarioError(name, "extends", f"must be a file path string, relative to this file (got {parent_ref!r})")
    parent = path.parent / parent_ref.strip()
    seen = chain + (here,)
    if parent.resolve() in seen:
        names = [p.name for p in seen] + [parent.name]
        raise ScenarioError(name, "extends", f"inheritance cycle: {' -> '.join(names)}")
    if len(seen) >= MAX_CHAIN:
        raise ScenarioError(name, "extends", f"extends chain longer than {MAX_CHAIN} files")
    if not parent.exists():
        raise ScenarioError(name, "extends", f"parent file not found: {parent_ref} (looked for {display_path(parent)})")
    if not parent.is_file():
        raise ScenarioError(name, "extends", f"parent is not a file: {parent_ref}")
    base = _resolve(parent, seen)
    origins = dict(base.origins)
    origins.update(own)
    return ResolvedFile(deep_merge(base.data, data), [name, *base.chain], origins)


def resolve_scenario(path: str | Path) -> ResolvedFile:
    """Read a scenario file and everything it extends, keeping track of where keys come from.

    Raises:
        ScenarioError: For a file in the chain that cannot be read or parsed, a missing
            parent or a cycle; a problem in a parent names the parent and ends with
            ``(in the extends chain of FILE)``.
    """
    path = Path(path)
    try:
        return _resolve(path, ())
    except ScenarioError as exc:
        raise inherited_error(exc, display_path(path)) from None


def resolve_file(path: str | Path) -> dict[str, Any]:
    """Read a scenario file and everything it extends into one dict (without ``extends``)."""
    return resolve_scenario(path).data


def inherited_error(error: ScenarioError, top: str) -> ScenarioError:
    """Mark an error found in a parent file with the file the user named."""
    if error.file == top or "in the extends chain of" in error.problem:
        return error
    return ScenarioError(error.file, error.key, f"{error.problem} (in the extends chain of {top})")
