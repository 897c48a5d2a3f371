"""Words of the outputs in English and Chinese: one catalogue per language, a small API.

The catalogues are data files beside this module (``en.toml``, ``zh.toml``) with the same keys:
every label, heading, axis, legend and sentence the explorer, the run summary, the report and
the figures show. Lever and target names in Chinese are those of the source documents (each
cited in ``zh.toml``). Keys are dotted paths into the TOML tables (``"lever.talent_housing"``,
``"explore.compare"``); placeholders in braces are filled from keyword arguments::

    from sim.locale import money, text
    text("explore.budget_total", "zh", value=money(86_500_000, "zh"), changed="...")
    money(215_000_000, "zh")   # '2.15亿元'
    money(215_000_000, "en")   # '215.0 M yuan'

Only the standard library is imported, so the CLI stays light.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import math
import tomllib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from sim.errors import UsageError

LANGUAGES = ("en", "zh")
"""Languages with a catalogue; the first is the default."""
DEFAULT_LANGUAGE = LANGUAGES[0]
_HERE = Path(__file__).resolve().parent
_CURRENT: contextvars.ContextVar[str] = contextvars.ContextVar("startup_sim_language", default=DEFAULT_LANGUAGE)


def current_language() -> str:
    """The language functions here use when none is given (see :func:`language`)."""
    return _CURRENT.get()


@contextlib.contextmanager
def language(lang: str) -> Iterator[str]:
    """Use ``lang`` for everything drawn or written inside the ``with`` block (figures, report).

    Example: ``with language("zh"): write_report(out)``.
    """
    token = _CURRENT.set(check_language(lang))
    try:
        yield lang
    finally:
        _CURRENT.reset(token)


def check_language(lang: str) -> str:
    """Return ``lang`` if a catalogue exists for it.

    Raises:
        UsageError: An unknown language (one line naming the known ones).
    """
    if lang not in LANGUAGES:
        raise UsageError(f"--lang: unknown language {lang!r}; choose one of {', '.join(LANGUAGES)}")
    return lang


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in table.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, path + "."))
        else:
            flat[path] = value
    return flat


@functools.cache
def catalogue(lang: str) -> dict[str, Any]:
    """The flattened catalogue of a language (dotted key -> string or list)."""
    check_language(lang)
    with open(_HERE / f"{lang}.toml", "rb") as handle:
        return _flatten(tomllib.load(handle))


def has(key: str, lang: str | None = None) -> bool:
    """Whether the catalogue of ``lang`` has ``key``."""
    lang = lang or current_language()
    return key in catalogue(lang)


def text(key: str, lang: str | None = None, /, **fmt: Any) -> str:
    """The catalogue's string for ``key`` in ``lang``, with ``{placeholders}`` filled from ``fmt``.

    Raises:
        KeyError: ``key`` is not in the catalogue (a bug: both catalogues have the same keys).
    """
    lang = lang or current_language()
    entries = catalogue(lang)
    if key not in entries:
        raise KeyError(f"{key!r} is not in the {lang} catalogue (sim/locale/{lang}.toml)")
    value = entries[key]
    return value.format(**fmt) if fmt else value


def text_or(key: str, default: str, lang: str | None = None) -> str:
    """The catalogue's string for ``key``, or ``default`` for names the catalogue does not know
    (e.g. a metric added by a later lever).
    """
    lang = lang or current_language()
    return text(key, lang) if has(key, lang) else default


def number(value: float, digits: int | None = None) -> str:
    """A number with thousands separators; by default 0 decimals from 100 up, 1 from 10, else 2."""
    if value is None or not math.isfinite(value):
        return "-"
    if digits is None:
        size = abs(value)
        digits = 0 if size >= 100 or value == round(value) else 1 if size >= 10 else 2
    return f"{value:,.{digits}f}"


def money_scale(values: Iterable[float], lang: str | None = None) -> tuple[float, str]:
    """Multiplier and unit that show the largest of ``values`` as the language writes money.

    Chinese: 亿元 from 100 million yuan, 万元 from 10,000 yuan, else 元; English: M yuan from a
    million yuan, else yuan.

    Returns:
        ``(factor, unit)``: multiply yuan by ``factor`` and write ``unit``.
    """
    lang = lang or current_language()
    finite = [abs(float(v)) for v in values if v is not None and math.isfinite(float(v))]
    largest = max(finite, default=0.0)
    for threshold, unit in text("money.scales", lang):  # type: ignore[attr-defined]
        if largest >= threshold:
            return 1.0 / float(threshold), unit
    return 1.0, text("money.base", lang)


def _money_digits(scaled: float, factor: float) -> int:
    """Decimals of a scaled amount: whole yuan; else three significant digits (12.5万元, 2.15亿元)."""
    if factor == 1.0 or not math.isfinite(scaled):
        return 0
    size = abs(scaled)
    return 0 if size >= 100 else 1 if size >= 10 else 2


def money(yuan: float, lang: str | None = None, digits: int | None = None) -> str:
    """An amount of yuan as the language writes it: ``2.15亿元``, ``1,250万元``, ``215.0 M yuan``."""
    lang = lang or current_language()
    if yuan is None or not math.isfinite(yuan):
        return "-"
    factor, unit = money_scale([yuan], lang)
    if digits is None:
        digits = _money_digits(yuan * factor, factor)
    return f"{number(yuan * factor, digits)}{text('money.joiner', lang)}{unit}"


def interval(estimate: float, low: float, high: float, lang: str | None = None, *, kind: str = "count",
             digits: int | None = None) -> str:
    """An estimate with its interval in one string, the unit shared: ``1,250万元［1,100，1,400］``.

    Args:
        estimate: The estimate.
        low: Lower end of the interval.
        high: Upper end of the interval.
        lang: Language.
        kind: ``"count"`` (plain numbers), ``"money"`` (yuan, scaled as :func:`money`) or
            ``"share"`` (a fraction shown in percent).
        digits: Decimals (default chosen from the estimate's size).
    """
    lang = lang or current_language()
    if kind == "money":
        factor, unit = money_scale([estimate], lang)
        scaled = [v * factor if v is not None and math.isfinite(v) else float("nan") for v in (estimate, low, high)]
        if digits is None:
            digits = _money_digits(scaled[0], factor)
        parts = [number(v, digits) for v in scaled]
        return text("common.interval", lang, estimate=parts[0] + text("money.joiner", lang) + unit,
                    low=parts[1], high=parts[2])
    if kind == "share":
        parts = [number(v * 100.0, 1 if digits is None else digits) for v in (estimate, low, high)]
        return text("common.interval", lang, estimate=text("common.percent", lang, value=parts[0]),
                    low=parts[1], high=parts[2])
    if digits is None:
        digits = 0 if abs(estimate) >= 100 or not math.isfinite(estimate) else 1
    parts = [number(v, digits) for v in (estimate, low, high)]
    return text("common.interval", lang, estimate=parts[0], low=parts[1], high=parts[2])


def lever_name(lever: str, lang: str | None = None) -> str:
    """The lever's name as the documents write it (``talent_housing`` -> 人才公寓和租房补贴)."""
    lang = lang or current_language()
    return text_or(f"lever.{lever}", lever.replace("_", " "), lang)


def metric_name(metric: str, lang: str | None = None) -> str:
    """A metric's readable name (unknown metrics are shown with spaces for underscores)."""
    lang = lang or current_language()
    return text_or(f"metric.{metric}", metric.replace("_", " "), lang)


def unit_name(unit: str, lang: str | None = None) -> str:
    """A registry unit in the language (unknown units are shown as they are)."""
    lang = lang or current_language()
    return text_or(f"unit.{unit}", unit, lang)


__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "catalogue",
    "check_language",
    "current_language",
    "has",
    "interval",
    "language",
    "lever_name",
    "metric_name",
    "money",
    "money_scale",
    "number",
    "text",
    "text_or",
    "unit_name",
]
