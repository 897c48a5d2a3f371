"""Reading scenario files: TOML, ``extends`` inheritance and one-line errors.

``load_scenario(path)`` reads a TOML file, resolves its ``extends`` chain and validates the
result into a :class:`sim.scenario.Scenario`.

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
import datetime as dt
import difflib
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import BaseModel, ValidationError

from sim.calendar import parse_month
from sim.scenario.outcomes import OUTCOME_NAMES
from sim.scenario.schema import Scenario

MAX_CHAIN = 32
"""Most files in one ``extends`` chain (the library's longest chain is 3; a guard, not a limit users meet)."""

MAX_FILE_BYTES = 1_000_000
"""Largest scenario file accepted; the library's files are 2-4 kB, so 1 MB is surely a mistake."""

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
"""Scenario names key batch results and name output directories, so they must be path-safe."""

Key = tuple[str, ...]


class ScenarioError(Exception):
    """A scenario file that cannot be used; ``str()`` is ``FILE: KEY: problem`` on one line."""

    def __init__(self, file: str | Path, key: str, problem: str) -> None:
        self.file = " ".join(str(file).split())
        self.key = " ".join(str(key).split()) or "-"
        self.problem = " ".join(str(problem).split())
        super().__init__(f"{self.file}: {self.key}: {self.problem}")


def _display(path: Path) -> str:
    """A path as the user would recognise it: normalised, ``..`` folded, not made absolute."""
    return os.path.normpath(str(path))


def read_toml(path: str | Path) -> dict[str, Any]:
    """Parse one TOML file into a dict, turning every failure into a :class:`ScenarioError`."""
    path = Path(path)
    name = _display(path)
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
    name = _display(path)
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
        raise ScenarioError(name, "extends", f"parent file not found: {parent_ref} (looked for {_display(parent)})")
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
        raise _inherited(exc, _display(path)) from None


def resolve_file(path: str | Path) -> dict[str, Any]:
    """Read a scenario file and everything it extends into one dict (without ``extends``)."""
    return resolve_scenario(path).data


def _inherited(error: ScenarioError, top: str) -> ScenarioError:
    """Mark an error found in a parent file with the file the user named."""
    if error.file == top or "in the extends chain of" in error.problem:
        return error
    return ScenarioError(error.file, error.key, f"{error.problem} (in the extends chain of {top})")


def _field_model(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    """The model inside a field's annotation and whether it sits in a dict (keyed by name)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    origin = getattr(annotation, "__origin__", None)
    args = getattr(annotation, "__args__", ())
    if args and isinstance(args[-1], type) and issubclass(args[-1], BaseModel):
        return args[-1], origin is dict
    return None, False


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model class whose instance sits at ``loc`` (a path of keys and indices)."""
    model: type[BaseModel] | None = Scenario
    skip_next = False
    for part in loc:
        if skip_next or isinstance(part, int):
            skip_next = False  # a list index or a dict key (e.g. a shock's name)
            continue
        if model is None:
            return None
        field_info = model.model_fields.get(str(part))
        if field_info is None:
            return None
        model, skip_next = _field_model(field_info.annotation)
    return None if skip_next else model


def _pick_error(errors: list[dict[str, Any]]) -> dict[str, Any]:
    """The error to report: the first, but an unknown sibling key beats a 'missing' one (a typo)."""
    first = errors[0]
    if first.get("type") == "missing":
        parent = tuple(first.get("loc", ()))[:-1]
        for other in errors:
            if other.get("type") == "extra_forbidden" and tuple(other.get("loc", ()))[:-1] == parent:
                return other
    return first


def _closest(word: str, options: list[str]) -> str | None:
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return close[0] if close else None


def _describe(error: dict[str, Any]) -> tuple[tuple[Any, ...], str]:
    """The location and a readable one-line problem for one pydantic error."""
    loc = tuple(error.get("loc", ()))
    kind = error.get("type", "")
    given = error.get("input")
    if kind == "extra_forbidden":
        model = _model_at(loc[:-1])
        known = list(model.model_fields) if model is not None else []
        close = _closest(str(loc[-1]), known)
        if close:
            return loc, f"unknown key; did you mean '{close}'?"
        return loc, f"unknown key; valid keys: {', '.join(known)}" if known else "unknown key"
    if kind == "missing":
        return loc, "required key is missing"
    message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
    model = _model_at(loc)
    if model is not None and kind == "value_error":
        # A check across a table's fields (e.g. period end before start): name the first field
        # the message mentions, so the key points at something the user can edit.
        for word in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", message):
            if word in model.model_fields:
                loc = loc + (word,)
                break
    if isinstance(given, (dt.date, dt.time)):
        hint = 'write months as quoted strings like "2018-01"'
        return loc, f"{message}; got a TOML date/time {given.isoformat()} - {hint}"
    if kind in {"model_type", "dict_type"}:
        table = ".".join(str(p) for p in loc)
        return loc, f"must be a table ([{table}] or {{ key = value }}) (got {type(given).__name__} {given!r:.40})"
    text = repr(given)
    if not isinstance(given, (dict, list)) and text not in message:
        message += f" (got {text[:60] + '...' if len(text) > 60 else text})"
    return loc, message


def _format_validation_error(resolved: ResolvedFile, error: ValidationError) -> ScenarioError:
    errors = error.errors()
    loc, problem = _describe(_pick_error(errors))
    key = ".".join(str(p) for p in loc) or "-"
    if len(errors) > 1:
        problem += f" (+{len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    file = resolved.origin(tuple(str(p) for p in loc if not isinstance(p, int)))
    return _inherited(ScenarioError(file, key, problem), resolved.file)


def validate_dict(data: dict[str, Any], path: str | Path = "<scenario>") -> Scenario:
    """Validate an already-resolved scenario dict (errors name ``path``)."""
    resolved = ResolvedFile(data, [_display(Path(path))] if str(path) != "<scenario>" else [str(path)])
    return _validate(resolved)


def _validate(resolved: ResolvedFile) -> Scenario:
    try:
        return Scenario.model_validate(resolved.data)
    except ValidationError as exc:
        raise _format_validation_error(resolved, exc) from None
    except RecursionError:
        raise ScenarioError(resolved.file, "-", "structure nested too deeply") from None


def _field_paths(model: BaseModel, prefix: str = "") -> list[str]:
    """Every dotted field path of a validated scenario (tables, dict entries, leaves)."""
    paths: list[str] = []
    for name in type(model).model_fields:
        value = getattr(model, name)
        path = f"{prefix}{name}"
        paths.append(path)
        if isinstance(value, BaseModel):
            paths.extend(_field_paths(value, path + "."))
        elif isinstance(value, dict):
            for key, sub in value.items():
                paths.append(f"{path}.{key}")
                if isinstance(sub, BaseModel):
                    paths.extend(_field_paths(sub, f"{path}.{key}."))
    return paths


def shocks_outside_period(scenario: Scenario) -> list[tuple[str, str]]:
    """Shocks that are on (months and depth > 0) and lie wholly outside the period: ``(name, problem)``."""
    first, last = parse_month(scenario.period.start), parse_month(scenario.period.end)
    found = []
    for name, shock in scenario.shocks.items():
        if shock.months == 0 or (shock.depth == 0 and not shock.relief_package):  # switched off
            continue
        start = parse_month(shock.start)
        ends = start + shock.months + shock.recovery_months - 1
        if start > last or ends < first:
            found.append((name, f"the shock ({shock.start}, {shock.months} months + {shock.recovery_months} of "
                          f"recovery) lies outside the period {scenario.period.start} to {scenario.period.end} "
                          "and has no effect; move it into the period, change the period, or switch it off "
                          "(depth = 0.0)"))
    return found


def scenario_warnings(scenario: Scenario, file: str | Path) -> list[str]:
    """One line per thing in a valid scenario that probably is not what its author meant.

    A shock inherited from a parent file that the child's period leaves out (the child is
    refused only when one file set both, see :func:`check_scenario`).
    """
    return [f"{_display(Path(file))}: shocks.{name}: {problem}" for name, problem in shocks_outside_period(scenario)]


def check_scenario(scenario: Scenario, resolved: ResolvedFile) -> None:
    """Checks beyond the schema that only make sense for a scenario file.

    * ``name`` is path-safe (it names results directories and keys batch results);
    * ``description`` is one line (``startup-sim scenarios`` lists it);
    * every target's ``metric`` is a metric the simulator reports;
    * every ``[sources]`` key names a field of the scenario (a typo would silently not apply);
    * a shock set in the file that sets the period, or in a file extending it (or with the
      default period), overlaps the period (outside it, it would silently have no effect; an inherited one only gives a
      warning, :func:`scenario_warnings`).

    Raises:
        ScenarioError: The first rule broken, naming the file and key.
    """
    def fail(key: Key, shown: str, problem: str) -> ScenarioError:
        return _inherited(ScenarioError(resolved.origin(key), shown, problem), resolved.file)

    if not NAME_PATTERN.match(scenario.name):
        raise fail(("name",), "name", "must be 1-100 letters, digits, '_', '-' or '.', starting with a letter "
                   f"or digit (it names results directories), got {scenario.name!r}")
    if "\n" in scenario.description or "\r" in scenario.description:
        raise fail(("description",), "description", "must be one line (one sentence: the scenario's question)")
    known = sorted(OUTCOME_NAMES)
    for i, target in enumerate(scenario.targets):
        if target.metric not in known:
            close = _closest(target.metric, known)
            hint = f"; did you mean '{close}'?" if close else f"; known metrics: {', '.join(known)}"
            raise fail(("targets",), f"targets.{i}.metric", f"unknown metric {target.metric!r}{hint}")
    period_from = {resolved.origin(("period", key)) for key in ("start", "end")} if "period" in resolved.data else set()
    for name, problem in shocks_outside_period(scenario):
        if ("shocks", name) not in resolved.origins:
            continue
        depth = {path: i for i, path in enumerate(resolved.chain)}  # 0: the file itself
        shock_from = resolved.origin(("shocks", name))
        # refuse when the shock was written knowing the period (same file, or a file extending it)
        if not period_from or depth.get(shock_from, 0) <= min(depth.get(p, 0) for p in period_from):
            raise fail(("shocks", name), f"shocks.{name}.start", problem)
    fields = _field_paths(scenario)
    valid = set(fields)
    for key in scenario.sources:
        if key not in valid:
            close = _closest(key, fields)
            hint = f"; did you mean '{close}'?" if close else ""
            raise fail(("sources", key), f"sources.{key}", f"names no scenario key{hint}")


def load_resolved(path: str | Path) -> tuple[Scenario, ResolvedFile]:
    """Read, resolve and validate a scenario file; also return its resolution (chain, origins).

    Raises:
        ScenarioError: One-line ``FILE: KEY: problem`` for any problem with the file or its
            parents.
    """
    resolved = resolve_scenario(path)
    scenario = _validate(resolved)
    check_scenario(scenario, resolved)
    return scenario, resolved


def load_scenario(path: str | Path) -> Scenario:
    """Read, resolve and validate a scenario file.

    Raises:
        ScenarioError: One-line ``FILE: KEY: problem`` for any problem with the file or its
            parents.
    """
    return load_resolved(path)[0]


def scenario_to_toml(scenario: Scenario) -> str:
    """The fully resolved scenario as TOML (reading it back gives the same scenario)."""
    data = scenario.model_dump(mode="python", exclude_none=True)
    return tomli_w.dumps(data)
