"""The outcomes of a run, declared once (EMA-Workbench style): pure data.

Every metric a run reports is an :class:`Outcome`: its name (the column in ``metrics.csv`` and
``summary.csv``), unit, English label, whether higher is better, whether it is bounded (rates in
[0, 1]) and a description. The declarations live in the scenario layer, the lowest one, because a
scenario's ``[[targets]]`` name outcomes and the loader checks them; every other layer reads them
through :mod:`sim.experiments.outcomes`, which re-exports them with the look-ups.

This module imports nothing (no numpy, pandas or scipy, nothing of ``sim``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Outcome:
    """One outcome of a run.

    Attributes:
        name: Metric name (column of ``metrics.csv`` and ``summary.csv``).
        label: Readable English label for tables and figures.
        unit: Unit of the stored value (persons, firms, jobs, yuan, share, ...).
        better: ``"higher"`` or ``"lower"``: which direction a policy maker wants.
        bounds: ``(low, high)`` the value cannot leave (e.g. ``(0, 1)`` for a share), or None if
            it is only non-negative or unbounded.
        display_unit: Unit shown in figures and the report.
        display_factor: Multiplier from the stored unit to ``display_unit`` (100 for percent,
            1e-6 for million yuan).
        headline: One of the eleven headline metrics the README defines (else an extra metric).
        description: What the outcome counts, in one or two sentences.
    """

    name: str
    label: str
    unit: str
    better: Literal["higher", "lower"]
    bounds: tuple[float, float] | None
    display_unit: str
    display_factor: float
    headline: bool
    description: str

    @property
    def is_share(self) -> bool:
        """True for a rate bounded in [0, 1] (shown in percent)."""
        return self.bounds == (0.0, 1.0)


SHARE = (0.0, 1.0)

OUTCOMES: tuple[Outcome, ...] = (
    Outcome("founders_helped", "People helped to start a business", "persons", "higher", None, "persons", 1.0, True,
            "Founders who started a firm in the period and received public support in the start-up phase "
            "(training before founding, or any programme within the firm's first 12 months)."),
    Outcome("youth_founders_helped", "Young graduates helped to start a business", "persons", "higher", None,
            "persons", 1.0, True, "Founders helped who are young college graduates."),
    Outcome("firms_started", "Firms started", "firms", "higher", None, "firms", 1.0, True,
            "Firms registered in the period."),
    Outcome("survival_1y", "Firms surviving their first year", "share", "higher", SHARE, "% of firms", 100.0, True,
            "Kaplan-Meier probability that a firm operates more than 12 months (right-censored at the end)."),
    Outcome("survival_3y", "Firms surviving three years", "share", "higher", SHARE, "% of firms", 100.0, True,
            "Kaplan-Meier probability that a firm operates more than 36 months (right-censored at the end)."),
    Outcome("jobs_created", "Jobs in surviving firms at the end", "jobs", "higher", None, "jobs", 1.0, True,
            "Jobs in firms alive at the end of the run, founders included."),
    Outcome("incubation_bases", "Incubation bases", "bases", "higher", None, "bases", 1.0, True,
            "Incubation bases open at the end (0 when the incubation programme is off)."),
    Outcome("fiscal_cost_yuan", "Fiscal cost of the programmes", "yuan", "lower", None, "million yuan", 1e-6, True,
            "All programme spending over the period."),
    Outcome("committed_fiscal_cost_yuan", "Commitments outstanding at the end", "yuan", "lower", None,
            "million yuan", 1e-6, True,
            "Public commitments still open at the end of the run, reported apart from fiscal_cost_yuan: the "
            "interest subsidy still due on outstanding subsidised loans if they run to term, plus the "
            "guarantee's exposure (its share of the loss, after recovery, if every outstanding guaranteed "
            "loan defaulted)."),
    Outcome("cost_per_job_yuan", "Fiscal cost per job", "yuan per job", "lower", None, "yuan per job", 1.0, True,
            "Fiscal cost divided by jobs_created (undefined without jobs)."),
    Outcome("loan_default_rate", "Loan default rate", "share", "lower", SHARE, "% of loans", 100.0, True,
            "Share of firms that borrowed whose loan defaulted."),
    Outcome("surviving_firms", "Firms alive at the end", "firms", "higher", None, "firms", 1.0, False,
            "Firms still operating at the end of the run (censored firms of the firm table)."),
    Outcome("innovation_little_giants_per_year", "Innovation little giants", "firms per year", "higher", None,
            "firms per year", 1.0, False,
            "Innovation little-giant awards per award round in which eligible firms could exist (a policy "
            "input: the programme awards up to its yearly number)."),
    Outcome("technology_little_giants_per_year", "Technology little giants", "firms per year", "higher", None,
            "firms per year", 1.0, False,
            "Technology little-giant awards per award round in which eligible firms could exist (a policy "
            "input: the programme awards up to its yearly number)."),
    Outcome("new_high_tech_firms_per_year", "New high-tech firms", "firms per year", "higher", None,
            "firms per year", 1.0, False,
            "Technology firms reaching the staff and productivity threshold of the measurement table, per year."),
    Outcome("jobs_per_surviving_firm", "Jobs per surviving firm", "jobs per firm", "higher", None, "jobs per firm",
            1.0, False, "jobs_created divided by the firms alive at the end."),
    Outcome("loans_disbursed", "Start-up loans disbursed", "loans", "higher", None, "loans", 1.0, False,
            "Guaranteed or interest-subsidised start-up loans disbursed over the period."),
    Outcome("founders_helped_narrow", "People helped by start-up services", "persons", "higher", None, "persons",
            1.0, False,
            "Narrow reading of founders_helped: only start-up services count (training before founding, or "
            "within the firm's first 12 months an incubation place, a guaranteed or subsidised start-up loan or "
            "a start-up subsidy); talent housing, rent relief, grants and emergency measures do not."),
    Outcome("youth_founders_helped_narrow", "Young graduates helped by start-up services", "persons", "higher",
            None, "persons", 1.0, False, "Founders helped by start-up services who are young college graduates."),
    Outcome("little_giant_firms_per_year", "Firms meeting the little-giant criteria", "firms per year", "higher",
            None, "firms per year", 1.0, False,
            "Technology firms that reach the little-giant criteria of the measurement table (age and staff) in "
            "the period, per year: an outcome, unlike the awards, which the programme caps."),
)
"""Every outcome in summary order: the eleven headline metrics, ``surviving_firms``, the extras."""

PAIRED_OUTCOMES: tuple[Outcome, ...] = (
    Outcome("deadweight_share", "Deadweight: helped founders who start anyway", "share", "lower", SHARE,
            "% of founders helped", 100.0, False,
            "Share of the founders helped (documents' reading) who also register a firm in the counterfactual "
            "run with the same seed: support they would have started without."),
    Outcome("deadweight_share_narrow", "Deadweight, start-up services only", "share", "lower", SHARE,
            "% of founders helped", 100.0, False,
            "The same share for the founders helped by start-up services (narrow reading)."),
    Outcome("additional_firms", "Additional firms started", "firms", "higher", None, "firms", 1.0, False,
            "Founders who register a firm in the scenario but not in the counterfactual run with the same seed."),
)
"""Outcomes of a scenario *against its counterfactual*, founder by founder: common random numbers
make founder slot ``i`` the same person in both runs (``firm_id`` of the firm tables), so
:func:`sim.analysis.compare.compare_batch` computes them per replication from the two firm tables."""

BY_NAME: dict[str, Outcome] = {o.name: o for o in (*OUTCOMES, *PAIRED_OUTCOMES)}
OUTCOME_NAMES: tuple[str, ...] = tuple(o.name for o in OUTCOMES)
HEADLINE_METRICS: tuple[str, ...] = tuple(o.name for o in OUTCOMES if o.headline)
"""The eleven headline metrics the README defines (targets and the run summary use them)."""
SUMMARY_METRICS: tuple[str, ...] = OUTCOME_NAMES
"""Metric columns of ``summary.csv``, in order."""


__all__ = [
    "BY_NAME",
    "HEADLINE_METRICS",
    "OUTCOMES",
    "OUTCOME_NAMES",
    "PAIRED_OUTCOMES",
    "SHARE",
    "SUMMARY_METRICS",
    "Outcome",
]
