"""The outcomes of a run: where every layer above the scenario reads them.

Every metric a run reports is an :class:`Outcome`: its name (the column in ``metrics.csv`` and
``summary.csv``), unit, English label, whether higher is better, whether it is bounded (rates in
[0, 1]) and a description. Metrics, comparison, figures, report and notebooks iterate
:data:`OUTCOMES` instead of keeping their own lists; :func:`outcome` looks one up by name.

The declarations themselves are pure data in :mod:`sim.scenario.outcomes` (the scenario loader
checks target metric names against them, and the scenario layer imports nothing above it); this
module re-exports them and adds the look-ups. It imports nothing heavy (no numpy, pandas or scipy).
"""

from __future__ import annotations

from sim.scenario.outcomes import (
    BY_NAME,
    HEADLINE_METRICS,
    OUTCOME_NAMES,
    OUTCOMES,
    PAIRED_OUTCOMES,
    SUMMARY_METRICS,
    Outcome,
)


def outcome(name: str) -> Outcome | None:
    """The outcome called ``name``, or None for a name not declared here (e.g. a derived metric)."""
    return BY_NAME.get(name)


def display(name: str) -> tuple[str, str, float]:
    """Readable label, display unit and multiplier of a metric (unknown names shown as they are)."""
    found = BY_NAME.get(name)
    if found is None:
        return (name.replace("_", " "), "", 1.0)
    return (found.label, found.display_unit, found.display_factor)


def is_share(name: str) -> bool:
    """True if ``name`` is an outcome bounded in [0, 1]."""
    found = BY_NAME.get(name)
    return found is not None and found.is_share


__all__ = [
    "BY_NAME",
    "HEADLINE_METRICS",
    "OUTCOMES",
    "OUTCOME_NAMES",
    "PAIRED_OUTCOMES",
    "SUMMARY_METRICS",
    "Outcome",
    "display",
    "is_share",
    "outcome",
]
