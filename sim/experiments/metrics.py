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


def survival_at(lifetime_months: np.ndarray, censored: np.ndarray, months: float) -> float:
    """Kaplan-Meier probability that a firm operates more than ``months`` months."""
    if len(lifetime_months) == 0:
        return float("nan")
    if not np.any(~np.asarray(censored, dtype=bool)):
        return 1.0
    return float(kaplan_meier(lifetime_months, censored).sf.evaluate(months))


def death_rates_by_age(firms: pd.DataFrame, years: int = 5) -> pd.Series:
    """Yearly death rate by firm age from the Kaplan-Meier curve: 1 - S(12k) / S(12(k-1))."""
    rates = {}
    previous = 1.0
    for k in range(1, years + 1):
        current = survival_at(firms["lifetime_months"], firms["censored"], 12 * k)
        rates[k] = 1.0 - current / previous if previous > 0 else float("nan")
        previous = current
    return pd.Series(rates, name="death_rate", dtype=float).rename_axis("age_year")


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
        "cost_per_job_yuan": fiscal / jobs if jobs > 0 else float("nan"),
        "loan_default_rate": float(loans["loan_defaulted"].mean()) if len(loans) else 0.0,
        "surviving_firms": float(np.count_nonzero(alive)),
        "innovation_little_giants_per_year": grants_awarded.get("innovation", 0) / rounds,
        "technology_little_giants_per_year": grants_awarded.get("technology", 0) / rounds,
        "new_high_tech_firms_per_year": high_tech_firms / n_years,
        "jobs_per_surviving_firm": jobs / alive.sum() if alive.sum() else float("nan"),
        "loans_disbursed": float(monthly["loans_disbursed"].sum()),
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
            }
        )
    return pd.DataFrame(rows, columns=["metric", "label", "op", "target", "simulated", "met", "source"])
