"""Figures a planner reads: survival, firms and jobs, targets, levers, spending and loans.

Every figure compares the scenarios of one batch directory (see :mod:`sim.io.store`) and answers one
question; its title says which, in plain words. Each function takes a batch (a directory or a
:class:`Batch`) and returns a :class:`matplotlib.figure.Figure` on its own Agg canvas, built
without pyplot (no global figure registry, and the process's backend is left alone, so notebooks
keep theirs; a notebook shows a returned figure by evaluating it). :func:`plot_all` writes every
figure as PNG and SVG under ``OUT/figures/``.

Conventions shared by all figures:

* each scenario keeps one colour in every figure (:func:`scenario_colours`: tab20 in scenario
  order, the ten strong colours first);
* time axes are calendar years; money is shown in million yuan (or thousand yuan per job);
* intervals over replications are the 5th-95th percentile band (time series), 95% confidence
  intervals from :mod:`sim.analysis.compare` (headline metrics and differences) or 95% Kaplan-Meier /
  Wilson intervals (survival curves, default rates);
* legends sit outside the plot and long scenario names are wrapped, so a batch of 12 scenarios
  stays readable; figure size grows with the number of scenarios.

Modules: :mod:`~sim.present.figures.style` (labels, colours, helpers) and one module per figure
family: ``survival``, ``time_series``, ``targets``, ``levers``, ``spend``, ``loans``. The batch is
read with :func:`sim.io.batch_reader.load_batch`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from matplotlib.figure import Figure

from sim.io.atomic import write_figure
from sim.io.batch_reader import Batch, load_batch
from sim.present.figures.levers import fig_levers
from sim.present.figures.loans import fig_loans
from sim.present.figures.spend import fig_spend_by_programme
from sim.present.figures.survival import fig_survival_by_group, fig_survival_by_scenario
from sim.present.figures.targets import fig_target_attainment
from sim.present.figures.time_series import fig_active_firms_and_jobs


@dataclass(frozen=True)
class FigureSpec:
    """A figure of the set: file stem, function and the caption the report shows."""

    stem: str
    function: Callable[[Batch], Figure]
    title: str
    caption: str


FIGURES: tuple[FigureSpec, ...] = (
    FigureSpec("survival_by_scenario", fig_survival_by_scenario, "Firm survival by scenario",
               "Kaplan-Meier share of firms still operating by firm age, firms of all replications pooled, "
               "with 95% confidence bands."),
    FigureSpec("survival_by_group", fig_survival_by_group, "Firm survival within the baseline",
               "Within the baseline: incubated vs never incubated, with vs without a start-up loan, young "
               "graduates vs other founders. Descriptive: supported firms are also selected firms."),
    FigureSpec("active_firms_and_jobs", fig_active_firms_and_jobs, "Active firms and jobs over time",
               "Median over replications with the band holding 90% of replications; shock months shaded."),
    FigureSpec("target_attainment", fig_target_attainment, "Target attainment",
               "Each replication's outcome against the target; P(meet) is the share of replications meeting it."),
    FigureSpec("levers", fig_levers, "Additional jobs and fiscal cost",
               "Differences against the counterfactual, paired by replication, with 95% confidence intervals; "
               "cost per additional job ranked cheapest first."),
    FigureSpec("spend_by_programme", fig_spend_by_programme, "Spending by programme",
               "Monthly public spending by programme, mean over replications, one panel per scenario."),
    FigureSpec("loans", fig_loans, "Start-up loans",
               "Loans disbursed, outstanding and defaulted (median and 90% band over replications); default "
               "rate by founder type with 95% Wilson intervals, replications pooled."),
)


def build_figures(batch: Batch | str | Path) -> list[tuple[FigureSpec, Figure]]:
    """Every figure of the set for one batch, in report order."""
    batch = load_batch(batch)
    return [(spec, spec.function(batch)) for spec in FIGURES]


def plot_all(out: str | Path, batch: Batch | None = None) -> list[Path]:
    """Write every figure as PNG and SVG under ``OUT/figures/``.

    Args:
        out: Batch directory.
        batch: An already opened batch (to reuse its cached tables), optional.

    Returns:
        Paths written, PNG and SVG of each figure in :data:`FIGURES` order.

    Raises:
        UsageError: If ``out`` holds no finished run.
    """
    batch = batch or load_batch(out)
    folder = batch.out / "figures"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for spec, fig in build_figures(batch):
        for suffix in ("png", "svg"):
            path = folder / f"{spec.stem}.{suffix}"
            write_figure(fig, path, dpi=130 if suffix == "png" else 100)
            written.append(path)
    return written


__all__ = [
    "FIGURES",
    "FigureSpec",
    "build_figures",
    "fig_active_firms_and_jobs",
    "fig_levers",
    "fig_loans",
    "fig_spend_by_programme",
    "fig_survival_by_group",
    "fig_survival_by_scenario",
    "fig_target_attainment",
    "plot_all",
]
