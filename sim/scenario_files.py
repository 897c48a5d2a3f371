"""Reading scenario files: TOML, ``extends`` inheritance and one-line errors.

``load_scenario(path)`` reads a TOML file, resolves its ``extends`` chain (paths relative to the
file that names them; the child's keys override the parent's, tables merge key by key, arrays
are replaced whole) and validates the result into a :class:`sim.scenario.Scenario`. Every
problem raises :class:`ScenarioError`, whose text is one line: ``FILE: KEY: problem``.
"""

from __future__ import annotations

import copy
import difflib
import tomllib
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import BaseModel, ValidationError

from sim.metrics import EXTRA_METRICS, HEADLINE_METRICS
from sim.scenario import Scenario


class ScenarioError(Exception):
    """A scenario file that cannot be used; ``str()`` is ``FILE: KEY: problem`` on one line."""

    def __init__(self, file: str | Path, key: str, problem: str) -> None:
        self.file = str(file)
        self.key = key or "-"
        self.problem = " ".join(str(problem).split())
        super().__init__(f"{self.file}: {self.key}: {self.problem}")


def read_toml(path: str | Path) -> dict[str, Any]:
    """Parse one TOML file into a dict, turning every failure into a :class:`ScenarioError`."""
    path = Path(path)
    if not path.exists():
        raise ScenarioError(path, "-", "file not found")
    if not path.is_file():
        raise ScenarioError(path, "-", "not a file")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ScenarioError(path, "-", f"cannot read: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError(path, "-", "not a UTF-8 text file (binary data?)") from None
    if "\x00" in text:
        raise ScenarioError(path, "-", "not a text file (contains NUL bytes)")
    if not text.strip():
        raise ScenarioError(path, "-", "file is empty")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(path, "-", f"TOML syntax error: {exc}") from None
    except RecursionError:
        raise ScenarioError(path, "-", "TOML nesting too deep") from None


def deep_merge(parent: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    """Child overrides parent; tables merge recursively, everything else is replaced."""
    merged = copy.deepcopy(parent)
    for key, value in child.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def resolve_file(path: str | Path, _chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    """Read a scenario file and everything it extends into one dict (without ``extends``)."""
    path = Path(path)
    data = read_toml(path)
    here = path.resolve()
    parent_ref = data.pop("extends", None)
    if parent_ref is None:
        return data
    if not isinstance(parent_ref, str) or not parent_ref.strip():
        raise ScenarioError(path, "extends", "must be a relative file path string")
    parent = (path.parent / parent_ref)
    if parent.resolve() in _chain + (here,):
        cycle = " -> ".join(p.name for p in _chain + (here, parent.resolve()))
        raise ScenarioError(path, "extends", f"inheritance cycle: {cycle}")
    if not parent.exists():
        raise ScenarioError(path, "extends", f"parent file not found: {parent_ref}")
    return deep_merge(resolve_file(parent, _chain + (here,)), data)


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model class that owns the field at ``loc[:-1]``."""
    model: Any = Scenario
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        if model is None or not hasattr(model, "model_fields"):
            return None
        field = model.model_fields.get(part)
        if field is None:
            return None
        annotation = field.annotation
        args = getattr(annotation, "__args__", ())
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            model = annotation
        elif args and isinstance(args[-1], type) and issubclass(args[-1], BaseModel):
            model = args[-1]  # list[Model] or dict[str, Model]
            continue
        else:
            return None
    return model


def _format_validation_error(path: Path, error: ValidationError) -> ScenarioError:
    first = error.errors()[0]
    loc = tuple(first.get("loc", ()))
    key = ".".join(str(p) for p in loc) or "-"
    kind = first.get("type", "")
    if kind == "extra_forbidden":
        model = _model_at(loc)
        known = list(model.model_fields) if model is not None else []
        close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.5)
        hint = f"; did you mean '{close[0]}'?" if close else (f"; valid keys: {', '.join(known)}" if known else "")
        return ScenarioError(path, key, f"unknown key{hint}")
    if kind == "missing":
        return ScenarioError(path, key, "required key is missing")
    message = first.get("msg", "invalid value")
    message = message.removeprefix("Value error, ")
    given = first.get("input")
    if kind not in {"model_type", "dict_type"} and not isinstance(given, (dict, list)):
        text = repr(given)
        message += f" (got {text[:60] + '...' if len(text) > 60 else text})"
    return ScenarioError(path, key, message)


def validate_dict(data: dict[str, Any], path: str | Path = "<scenario>") -> Scenario:
    """Validate an already-resolved scenario dict."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise _format_validation_error(Path(path), exc) from None
    except RecursionError:
        raise ScenarioError(path, "-", "structure nested too deeply") from None


def load_scenario(path: str | Path) -> Scenario:
    """Read, resolve and validate a scenario file.

    Raises:
        ScenarioError: One-line ``FILE: KEY: problem`` for any problem with the file or its
            parents.
    """
    path = Path(path)
    data = resolve_file(path)
    scenario = validate_dict(data, path)
    known = set(HEADLINE_METRICS) | set(EXTRA_METRICS)
    for i, target in enumerate(scenario.targets):
        if target.metric not in known:
            close = difflib.get_close_matches(target.metric, sorted(known), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise ScenarioError(path, f"targets.{i}.metric", f"unknown metric {target.metric!r}{hint}")
    return scenario


def scenario_to_toml(scenario: Scenario) -> str:
    """The fully resolved scenario as TOML (reading it back gives the same scenario)."""
    data = scenario.model_dump(mode="python", exclude_none=True)
    return tomli_w.dumps(data)
