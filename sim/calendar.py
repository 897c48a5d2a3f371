"""Months as the model's clock: ``"YYYY-MM"`` strings <-> integer month indices."""

from __future__ import annotations

import re

_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(text: str) -> int:
    """Convert ``"YYYY-MM"`` to an absolute month number (year * 12 + month - 1).

    Raises:
        ValueError: If the text is not a valid ``YYYY-MM`` month.
    """
    match = _MONTH_RE.match(text.strip()) if isinstance(text, str) else None
    if not match:
        raise ValueError(f"expected a month as 'YYYY-MM', got {text!r}")
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 01-12, got {text!r}")
    if not 1900 <= year <= 2200:
        raise ValueError(f"year out of range 1900-2200, got {text!r}")
    return year * 12 + month - 1


def format_month(absolute: int) -> str:
    """Convert an absolute month number back to ``"YYYY-MM"``."""
    return f"{absolute // 12:04d}-{absolute % 12 + 1:02d}"


def month_range(start: str, end: str) -> list[str]:
    """All months from ``start`` to ``end`` inclusive, as ``"YYYY-MM"`` strings."""
    return [format_month(m) for m in range(parse_month(start), parse_month(end) + 1)]
