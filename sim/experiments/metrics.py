"""Headline metrics, Kaplan-Meier survival, death rates by firm age and target attainment."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.experiments.outcomes import HEADLINE_METRICS, OUTCOME_NAMES, OUTCOMES

__all__ = [
    "EXTRA_METRICS",
    "HEADLINE_METRICS",
    "death_rates_by_age",
    "headline_metrics",
    "kaplan_meier",
    "km_survival_function",
    "survival_at",
    "target_attainment",
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
    if len(lifetime_months) == 0:
        return float("nan")
    if not np.any(~np.asarray(censored, dtype=bool)):
        return 1.0
    times, survival = km_survival_function(lifetime_months, censored)
    k = int(np.searchsorted(times, months, side="right")) - 1
    return 1.0 if k < 0 else float(survival[k])


def death_rates_by_age(firms: pd.DataFrame, years: int = 5) -> pd.Series:
    """Yearly death rate by firm age from the Kaplan-Meier curve: 1 - S(12k) / S(12(k-1))."""
    rates = {}
    previous = 1.0
    for k in range(1, years + 1):
        current = survival_at(firms["lifetime_months"], firms["censored"], 12 * k)
        rates[k] = 1.0 - current / previous if previous > 0 else float("nan")
        previous = current
    return pd.Series(rates, name="death_rate", dtype=float).rename_axis("age_year")


COMMITMENT_COLUMNS = ("committed_interest_subsidy_yuan", "guarantee_exposure_yuan")
"""Monthly columns of the commitments outstanding at a month's end (the loan programme's record)."""


def committed_at_end_yuan(monthly: pd.DataFrame) -> float:
    """Commitments outstanding at the end of the run (yuan): the last month's interest subsidy still
    due plus the guarantee's exposure (0 without the loan programme's columns or months).
    """
    columns = [c for c in COMMITMENT_COLUMNS if c in monthly]
    if not columns or monthly.empty:
        return 0.0
    return float(monthly[columns].iloc[-1].sum())


def headline_metrics(
    firms: pd.DataFrame,
    monthly: pd.DataFrame,
    incubation_bases: int,
    grants_awarded: dict[str, int],
    high_tech_firms: int,
    n_years: float,
    award_rounds: int = 0,
) -> dict[str, float]:
    """Every outcome of one run, keyed and ordered as :data:`sim.experiments.outcomes.OUTCOMES`.

    Little giants per year are averaged over the award rounds in which firms old enough to be
    eligible could exist (a run starting in 2018 has no eligible firm in its first round).
    """
    rounds = max(award_rounds, 1)
    alive = firms["censored"].to_numpy()
    jobs = float(firms.loc[alive, "employees"].sum())
    fiscal = float(monthly["spend_total_yuan"].sum())
    loans = firms[firms["loan"]]
    metrics = {
        "founders_helped": float(firms["helped"].sum()),
        "youth_founders_helped": float((firms["helped"] & (firms["founder_type"] == "young_graduate")).sum()),
        "firms_started": float(len(firms)),
        "survival_1y": survival_at(firms["lifetime_months"], firms["censored"], 12),
        "survival_3y": survival_at(firms["lifetime_months"], firms["censored"], 36),
        "jobs_created": jobs,
        "incubation_bases": float(incubation_bases),
        "fiscal_cost_yuan": fiscal,
        "committed_fiscal_cost_yuan": committed_at_end_yuan(monthly),
        "cost_per_job_yuan": fiscal / jobs if jobs > 0 else float("nan"),
        "loan_default_rate": float(loans["loan_defaulted"].mean()) if len(loans) else 0.0,
        "surviving_firms": float(np.count_nonzero(alive)),
        "innovation_little_giants_per_year": grants_awarded.get("innovation", 0) / rounds,
        "technology_little_giants_per_year": grants_awarded.get("technology", 0) / rounds,
        "new_high_tech_firms_per_year": high_tech_firms / n_years,
        "jobs_per_surviving_firm": jobs / alive.sum() if alive.sum() else float("nan"),
        "loans_disbursed": float(monthly["loans_disbursed"].sum()),
        "founders_helped_narrow": float(firms["helped_narrow"].sum()),
        "youth_founders_helped_narrow": float(
            (firms["helped_narrow"] & (firms["founder_type"] == "young_graduate")).sum()
        ),
        "little_giant_firms_per_year": float(firms["little_giant"].sum()) / n_years,
    }
    return {name: metrics[name] for name in OUTCOME_NAMES}


def _compare(value: float, op: str, target: float) -> bool:
    return {">=": value >= target, ">": value > target, "<=": value <= target, "<": value < target}[op]


def target_attainment(targets, metrics: dict[str, float], scale: float = 1.0) -> pd.DataFrame:
    """Each target, the simulated value and whether it is met.

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
    return pd.DataFrame(rows, columns=["metric", "label", "op", "target", "simulated", "met", "source", "kind"])
