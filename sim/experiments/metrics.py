"""Headline metrics, Kaplan-Meier survival, death rates by firm age and target attainment."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.experiments.outcomes import HEADLINE_METRICS, OUTCOME_NAMES, OUTCOMES

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "EXTRA_METRICS",
    "TARGET_COLUMNS",
    "HEADLINE_METRICS",
    "death_rates_by_age",
    "headline_metrics",
    "kaplan_meier",
    "km_survival_function",
    "survival_at",
    "survival_at_each",
    "target_attainment",
    "target_rows",
    "targets_frame",
]

EXTRA_METRICS: tuple[str, ...] = tuple(o.name for o in OUTCOMES if not o.headline)
"""Metrics reported beside the headline ones (``surviving_firms`` and the extras)."""


def kaplan_meier(lifetime_months: np.ndarray, censored: np.ndarray):
    """Kaplan-Meier estimate of firm survival (scipy ``ecdf`` on right-censored data).

    Args:
        lifetime_months: Months each firm operated (to exit, or to the end of the run).
        censored: True for firms still alive at the end of the run.

    Returns:
        ``scipy.stats`` ECDF result; ``.sf`` is the survival function in months.
    """
    from scipy.stats import CensoredData, ecdf  # scipy.stats takes ~0.4 s to import: only when needed

    lifetime = np.asarray(lifetime_months, dtype=float)
    censored = np.asarray(censored, dtype=bool)
    data = CensoredData(uncensored=lifetime[~censored], right=lifetime[censored])
    return ecdf(data)


def km_survival_function(lifetime_months: np.ndarray, censored: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Kaplan-Meier survival function as steps: distinct lifetimes and the survival after each.

    The same arithmetic as ``scipy.stats.ecdf`` (its ``_ecdf_right_censored`` and, without
    censored firms, ``_ecdf_uncensored``), so the values are bit-identical to
    :func:`kaplan_meier`'s ``.sf``; written out so that a run does not import ``scipy.stats``
    (about 0.4 s) to compute two numbers.

    Args:
        lifetime_months: Months each firm operated.
        censored: True for firms still alive at the end of the run.

    Returns:
        ``(times, survival)``: sorted distinct lifetimes and S(t) just after each.
    """
    lifetime = np.asarray(lifetime_months, dtype=float)
    censored = np.asarray(censored, dtype=bool)
    if not censored.any():
        times, counts = np.unique(np.sort(lifetime), return_counts=True)
        return times, 1 - np.cumsum(counts) / lifetime.size
    times = np.concatenate((lifetime[~censored], lifetime[censored]))
    died = np.concatenate((np.ones(int((~censored).sum()), dtype=np.int64),
                           np.zeros(int(censored.sum()), dtype=np.int64)))
    order = np.argsort(times)
    times, died = times[order], died[order]
    at_risk = np.arange(times.size, 0, -1)
    distinct = np.diff(times, prepend=-np.inf, append=np.inf) > 0
    first, last = distinct[:-1], distinct[1:]
    deaths = np.diff(np.cumsum(died)[last], prepend=0)
    return times[first], np.cumprod((at_risk[first] - deaths) / at_risk[first])


def survival_at(lifetime_months: np.ndarray, censored: np.ndarray, months: float) -> float:
    """Kaplan-Meier probability that a firm operates more than ``months`` months."""
    return survival_at_each(lifetime_months, censored, (months,))[0]


def survival_at_each(lifetime_months: np.ndarray, censored: np.ndarray, months: Sequence[float]) -> list[float]:
    """:func:`survival_at` at each of ``months``, from one Kaplan-Meier curve (one sort of the lifetimes)."""
    if len(lifetime_months) == 0:
        return [float("nan")] * len(months)
    if not np.any(~np.asarray(censored, dtype=bool)):
        return [1.0] * len(months)
    times, survival = km_survival_function(lifetime_months, censored)
    values = []
    for month in months:
        k = int(np.searchsorted(times, month, side="right")) - 1
        values.append(1.0 if k < 0 else float(survival[k]))
    return values


def death_rates_by_age(firms: pd.DataFrame, years: int = 5) -> pd.Series:
    """Yearly death rate by firm age from the Kaplan-Meier curve: 1 - S(12k) / S(12(k-1))."""
    rates = {}
    previous = 1.0
    survival = survival_at_each(firms["lifetime_months"], firms["censored"], [12 * k for k in range(1, years + 1)])
    for k, current in enumerate(survival, start=1):
        rates[k] = 1.0 - current / previous if previous > 0 else float("nan")
        previous = current
    import pandas as pd

    return pd.Series(rates, name="death_rate", dtype=float).rename_axis("age_year")


COMMITMENT_COLUMNS = ("committed_interest_subsidy_yuan", "guarantee_exposure_yuan")
"""Monthly columns of the commitments outstanding at a month's end (the loan programme's record)."""


def _values(table: Any, name: str) -> np.ndarray:
    """Column ``name`` of a pandas table or of a mapping of numpy columns, as a numpy array
    (a :class:`sim.core.population.CodedColumn` gives its codes).
    """
    column = table[name]
    codes = getattr(column, "codes", None)
    if isinstance(codes, np.ndarray):
        return codes
    return np.asarray(column)


def _is_category(table: Any, name: str, category: str) -> np.ndarray:
    """Rows whose categorical column ``name`` holds ``category`` (pandas or coded column)."""
    column = table[name]
    categories = getattr(column, "categories", None)
    if isinstance(getattr(column, "codes", None), np.ndarray) and isinstance(categories, tuple):
        return column.codes == categories.index(category)
    return np.asarray(column == category)


def committed_at_end_yuan(monthly: pd.DataFrame | Mapping[str, np.ndarray]) -> float:
    """Commitments outstanding at the end of the run (yuan): the last month's interest subsidy still
    due plus the guarantee's exposure (0 without the loan programme's columns or months).

    Args:
        monthly: The monthly table, or its columns as numpy arrays (:func:`monthly_columns`).
    """
    columns = [c for c in COMMITMENT_COLUMNS if c in monthly]
    if not columns or len(_values(monthly, columns[0])) == 0:
        return 0.0
    # pandas' row sum skips NaN: the same as nansum, in the same order
    return float(np.nansum(np.array([_values(monthly, c)[-1] for c in columns], dtype=float)))


def monthly_columns(records: list[dict[str, Any]], names: tuple[str, ...] | None = None) -> dict[str, np.ndarray]:
    """Columns of the monthly records (one dict per month) as numpy arrays, without pandas.

    A month without a key gives NaN, as ``pandas.DataFrame(records)`` does.

    Args:
        records: The model's monthly records.
        names: Columns to build (default: every key, in first-seen order).
    """
    if names is None:
        names = tuple(dict.fromkeys(key for row in records for key in row))
    columns = {}
    for name in names:
        if not any(name in row for row in records):
            continue
        values = [row.get(name, np.nan) for row in records]
        columns[name] = np.array(values)
    return columns


METRIC_MONTHLY_COLUMNS = ("spend_total_yuan", "loans_disbursed", *COMMITMENT_COLUMNS)
"""Monthly columns :func:`headline_metrics` reads."""
METRIC_FIRM_COLUMNS = (
    "censored", "lifetime_months", "employees", "loan", "loan_defaulted", "helped", "helped_narrow",
    "founder_type", "little_giant",
)
"""Firm-table columns :func:`headline_metrics` reads."""


def headline_metrics(
    firms: pd.DataFrame | Mapping[str, Any],
    monthly: pd.DataFrame | Mapping[str, np.ndarray],
    incubation_bases: int,
    grants_awarded: dict[str, int],
    high_tech_firms: int,
    n_years: float,
    award_rounds: int = 0,
) -> dict[str, float]:
    """Every outcome of one run, keyed and ordered as :data:`sim.experiments.outcomes.OUTCOMES`.

    Reads the firm and monthly tables as pandas tables or as numpy columns
    (:meth:`sim.core.population.FirmArrays.firm_columns`, :func:`monthly_columns`): the same
    arithmetic either way, so a metrics-only run gives the same numbers without building tables.
    Sums skip NaN as pandas does. Little giants per year are averaged over the award rounds in
    which firms old enough to be eligible could exist (a run starting in 2018 has no eligible
    firm in its first round).
    """
    rounds = max(award_rounds, 1)
    alive = _values(firms, "censored").astype(bool, copy=False)
    lifetime = _values(firms, "lifetime_months")
    n_alive = int(np.count_nonzero(alive))
    jobs = float(_values(firms, "employees")[alive].sum())
    fiscal = float(np.nansum(_values(monthly, "spend_total_yuan")))
    loan = _values(firms, "loan").astype(bool, copy=False)
    defaulted = _values(firms, "loan_defaulted")[loan]
    helped = _values(firms, "helped").astype(bool, copy=False)
    helped_narrow = _values(firms, "helped_narrow").astype(bool, copy=False)
    young = _is_category(firms, "founder_type", "young_graduate")
    survival_1y, survival_3y = survival_at_each(lifetime, alive, (12, 36))
    metrics = {
        "founders_helped": float(np.count_nonzero(helped)),
        "youth_founders_helped": float(np.count_nonzero(helped & young)),
        "firms_started": float(len(alive)),
        "survival_1y": survival_1y,
        "survival_3y": survival_3y,
        "jobs_created": jobs,
        "incubation_bases": float(incubation_bases),
        "fiscal_cost_yuan": fiscal,
        "committed_fiscal_cost_yuan": committed_at_end_yuan(monthly),
        "cost_per_job_yuan": fiscal / jobs if jobs > 0 else float("nan"),
        "loan_default_rate": float(defaulted.mean(dtype=np.float64)) if len(defaulted) else 0.0,
        "surviving_firms": float(n_alive),
        "innovation_little_giants_per_year": grants_awarded.get("innovation", 0) / rounds,
        "technology_little_giants_per_year": grants_awarded.get("technology", 0) / rounds,
        "new_high_tech_firms_per_year": high_tech_firms / n_years,
        "jobs_per_surviving_firm": jobs / n_alive if n_alive else float("nan"),
        "loans_disbursed": float(np.nansum(_values(monthly, "loans_disbursed"))),
        "founders_helped_narrow": float(np.count_nonzero(helped_narrow)),
        "youth_founders_helped_narrow": float(np.count_nonzero(helped_narrow & young)),
        "little_giant_firms_per_year": float(np.count_nonzero(_values(firms, "little_giant"))) / n_years,
    }
    return {name: metrics[name] for name in OUTCOME_NAMES}


def _compare(value: float, op: str, target: float) -> bool:
    return {">=": value >= target, ">": value > target, "<=": value <= target, "<": value < target}[op]


TARGET_COLUMNS = ("metric", "label", "op", "target", "simulated", "met", "source", "kind")
"""Columns of the target attainment table."""


def target_rows(targets, metrics: dict[str, float], scale: float = 1.0) -> list[dict[str, Any]]:
    """Each target, the simulated value and whether it is met, as rows (:data:`TARGET_COLUMNS`).

    Args:
        targets: The scenario's :class:`sim.scenario.Target` list.
        metrics: Headline metrics of a run.
        scale: Population scale; count targets are multiplied by it.

    Raises:
        KeyError: If a target names an unknown metric.
    """
    rows = []
    for target in targets:
        if target.metric not in metrics:
            raise KeyError(f"target metric {target.metric!r} is not a known metric")
        goal = target.value * (scale if target.scales_with_population else 1.0)
        value = metrics[target.metric]
        rows.append(
            {
                "metric": target.metric,
                "label": target.label or target.metric,
                "op": target.op,
                "target": goal,
                "simulated": value,
                "met": bool(_compare(value, target.op, goal)),
                "source": target.source,
                "kind": target.kind,
            }
        )
    return rows


def targets_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Target attainment rows (:func:`target_rows`) as a pandas table (columns :data:`TARGET_COLUMNS`)."""
    import pandas as pd

    return pd.DataFrame(rows, columns=list(TARGET_COLUMNS))


def target_attainment(targets, metrics: dict[str, float], scale: float = 1.0) -> pd.DataFrame:
    """:func:`target_rows` as a table (columns :data:`TARGET_COLUMNS`)."""
    return targets_frame(target_rows(targets, metrics, scale))
