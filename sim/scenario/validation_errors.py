"""Pydantic's validation errors as one-line :class:`~sim.scenario.extends.ScenarioError` s.

Of all the errors pydantic finds, :func:`validation_error_line` reports one (an unknown key beats the
'missing' key it probably misspells), names the file of the extends chain that wrote the key, suggests the
closest valid key and says what was given.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from typing import Any

from pydantic import BaseModel, ValidationError

from sim.scenario.extends import ResolvedFile, ScenarioError, inherited_error
from sim.scenario.schema import Scenario


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


def closest_word(word: str, options: list[str]) -> str | None:
    """The option closest to ``word`` (a likely typo of it), or None."""
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
        close = closest_word(str(loc[-1]), known)
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


def validation_error_line(resolved: ResolvedFile, error: ValidationError) -> ScenarioError:
    """One :class:`ScenarioError` for a scenario pydantic refused, naming the file that wrote the key."""
    errors = error.errors()
    loc, problem = _describe(_pick_error(errors))
    key = ".".join(str(p) for p in loc) or "-"
    if len(errors) > 1:
        problem += f" (+{len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    file = resolved.origin(tuple(str(p) for p in loc if not isinstance(p, int)))
    return inherited_error(ScenarioError(file, key, problem), resolved.file)
