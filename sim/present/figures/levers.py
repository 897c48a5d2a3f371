"""Levers figure: additional jobs against fiscal cost, and cost per additional job."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from sim.analysis.levers import lever_table, total_table
from sim.io.batch_reader import Batch, load_batch
from sim.present.figures.style import (
    PLAIN,
    asymmetric_errors,
    batch_comparison,
    capitalise,
    common_prefix,
    figure_title,
    legend_width,
    money_unit,
    new_figure,
    plain_number,
    scenario_legend,
    scenario_palette,
    text_colour,
    wrap,
)


def fig_levers(batch: Batch | str | Path) -> Figure:
    """Figure 4, which policy mix buys the most additional jobs for its fiscal cost.

    Left: additional jobs against additional fiscal cost, both against the counterfactual, with
    95% intervals. Right: cost per additional job, ranked (cheapest first); hatched bars where the
    additional jobs' interval includes zero. Without a counterfactual the figure shows totals
    (jobs, fiscal cost, cost per job) instead and says so.
    """
    batch = load_batch(batch)
    additional = batch.counterfactual is not None
    table = (lever_table if additional else total_table)(batch, batch_comparison(batch))
    extra = "additional " if additional else ""
    names = list(table["scenario"])
    question = "Which policy mix buys the most additional jobs for its fiscal cost?"
    fig = new_figure(14.0 + legend_width(batch.scenarios), 5.8 + 0.25 * max(0, len(names) - 6))
    left, right = fig.subplots(1, 2, width_ratios=[1.1, 1.0])
    cost_factor, cost_unit = money_unit(table[["cost", "cost_low", "cost_high"]].to_numpy())
    prefix = common_prefix(batch.scenarios)
    for row in table.itertuples():
        left.errorbar(row.cost * cost_factor, row.jobs,
                      xerr=asymmetric_errors(row.cost, row.cost_low, row.cost_high, cost_factor),
                      yerr=asymmetric_errors(row.jobs, row.jobs_low, row.jobs_high, 1.0),
                      fmt="o", color=scenario_palette(batch)[row.scenario], ms=8, capsize=4, lw=1.5, zorder=3)
        if np.isfinite(row.cost) and np.isfinite(row.jobs):
            left.annotate(row.scenario[len(prefix):], (row.cost * cost_factor, row.jobs), xytext=(6, 4),
                          textcoords="offset points", fontsize=7.5,
                          color=text_colour(scenario_palette(batch)[row.scenario]))
    if additional:
        left.scatter([0], [0], marker="s", s=60, color=scenario_palette(batch)[batch.counterfactual], zorder=5)
        left.annotate(f"counterfactual: {batch.counterfactual}", (0, 0), xytext=(8, -14),
                      textcoords="offset points", fontsize=8, color="0.25")
    left.axhline(0, color="0.5", lw=0.8)
    left.axvline(0, color="0.5", lw=0.8)
    left.set_xlabel(capitalise(f"{extra}fiscal cost, {batch.period()} ({cost_unit})"))
    left.set_ylabel(capitalise(f"{extra}jobs at the end of {batch.period()[-4:]} (jobs)"))
    left.xaxis.set_major_formatter(PLAIN)
    left.yaxis.set_major_formatter(PLAIN)
    left.grid(alpha=0.3)
    left.set_title(capitalise(f"{extra}jobs against {extra}fiscal cost (95% CIs)"))

    ranked = table.sort_values("cost_per_job", na_position="last").reset_index(drop=True)
    ys = np.arange(len(ranked))[::-1]
    top = np.nanmax(np.r_[ranked["cost_per_job_high"].to_numpy(float), ranked["cost_per_job"].to_numpy(float), 0])
    for y, row in zip(ys, ranked.itertuples(), strict=True):
        colour = scenario_palette(batch)[row.scenario]
        if np.isfinite(row.cost_per_job) and row.cost_per_job > 0:
            significant = not additional or (np.isfinite(row.jobs_low) and row.jobs_low > 0)
            err = asymmetric_errors(row.cost_per_job, row.cost_per_job_low, row.cost_per_job_high, 1.0)
            right.barh(y, row.cost_per_job, color=colour if significant else "white",
                       edgecolor=colour, hatch=None if significant else "///", xerr=err, capsize=4, height=0.6)
            note = plain_number(row.cost_per_job) + ("" if significant else "  (gain in jobs not significant)")
            end = row.cost_per_job_high if np.isfinite(row.cost_per_job_high) else row.cost_per_job
            right.annotate(note, (max(end, row.cost_per_job), y), xytext=(5, 0),
                           textcoords="offset points", va="center", fontsize=8)
        else:
            right.annotate(f"no {extra}jobs" if additional else "no public spending", (0, y), xytext=(4, 0),
                           textcoords="offset points", va="center", fontsize=8, style="italic")
    right.set_yticks(ys, [wrap(name) for name in ranked["scenario"]])
    for tick, name in zip(right.get_yticklabels(), ranked["scenario"], strict=True):
        tick.set_color(text_colour(scenario_palette(batch)[name]))
    right.set_xlim(0, max(float(top) * 1.3, 1.0))
    right.set_ylim(-0.6, len(ranked) - 0.4)
    right.set_xlabel(f"Fiscal cost per {extra}job (yuan per job)")  # yuan, as in the report's tables
    right.xaxis.set_major_formatter(PLAIN)
    right.grid(axis="x", alpha=0.3)
    right.set_title(f"Cost per {extra}job, cheapest first (95% CIs)")
    if additional:
        detail = (f"differences paired by replication against '{batch.counterfactual}', "
                  "where every programme is off")
    else:
        detail = ("no counterfactual in this batch (no scenario named like '*no_policy*'): totals shown, "
                  "not additional jobs")
    fig.suptitle(figure_title(question, detail, batch, fig))
    scenario_legend(fig, batch, batch.scenarios)
    return fig


__all__ = [
    "fig_levers",
]
