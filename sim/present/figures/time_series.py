"""Time-series figure: active firms and jobs, month by month, with replication bands."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from sim.io.batch_reader import Batch, load_batch
from sim.locale import text
from sim.present.figures.style import (
    PLAIN,
    band_alpha,
    figure_title,
    legend_width,
    new_figure,
    percentile_band,
    scenario_legend,
    scenario_palette,
    shade_shocks,
    wrap,
    year_axis,
)


def paired_differences(monthly: pd.DataFrame, name: str, counterfactual: str, column: str) -> pd.DataFrame:
    """A scenario's monthly ``column`` minus the counterfactual's, paired by replication and month.

    Returns:
        Columns ``date, replication, <column>`` for the replications present in both scenarios.
    """
    keys = ["replication", "date"]
    own = monthly.loc[monthly["scenario"] == name, [*keys, column]]
    base = monthly.loc[monthly["scenario"] == counterfactual, [*keys, column]]
    merged = own.merge(base, on=keys, suffixes=("", "_cf"))
    merged[column] = merged[column] - merged[f"{column}_cf"]
    return merged[[*keys, column]]


def fig_active_firms_and_jobs(batch: Batch | str | Path) -> Figure:
    """Figure 2, how many firms operate and how many jobs they hold, month by month.

    Top: levels, median over replications with the 5th-95th percentile band; shock months shaded.
    Bottom (when the batch has a counterfactual): each scenario minus the counterfactual, paired by
    replication, median and 90% band: the policy effect, invisible in levels.
    """
    batch = load_batch(batch)
    monthly = batch.monthly()
    n = len(batch.scenarios)
    cf = batch.counterfactual
    others = [name for name in batch.scenarios if name != cf]
    ncols = 2 if cf is not None and others else 1
    fig = new_figure((16.0 if ncols == 2 else 10.0) + legend_width(batch.scenarios), 8.0 + 0.1 * max(0, n - 6))
    axes = fig.subplots(2, ncols, sharex=True, squeeze=False)
    panels = (("active_firms", text("figure.active_axis"), text("figure.active_title"),
               text("figure.difference_active_axis", counterfactual=cf or "")),
              ("jobs", text("figure.jobs_axis"), text("figure.jobs_title"),
               text("figure.difference_jobs_axis", counterfactual=cf or "")))
    for row, (column, ylabel, title, diff_label) in enumerate(panels):
        ax = axes[row, 0]
        for name in batch.scenarios:
            band = percentile_band(monthly[monthly["scenario"] == name], column)
            ax.plot(band.index, band["median"], color=scenario_palette(batch)[name], lw=1.8, label=wrap(name))
            ax.fill_between(band.index, band["low"], band["high"], color=scenario_palette(batch)[name],
                            alpha=band_alpha(n), lw=0)
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        ax.yaxis.set_major_formatter(PLAIN)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        if ncols == 2:
            diff_ax = axes[row, 1]
            for name in others:
                band = percentile_band(paired_differences(monthly, name, cf, column), column)
                diff_ax.plot(band.index, band["median"], color=scenario_palette(batch)[name], lw=1.8)
                diff_ax.fill_between(band.index, band["low"], band["high"], color=scenario_palette(batch)[name],
                                     alpha=band_alpha(len(others)), lw=0)
            diff_ax.axhline(0, color=scenario_palette(batch)[cf], lw=1.2, ls="--")
            diff_ax.set_ylabel(diff_label)
            diff_ax.set_title(text("figure.difference_title"), fontsize=10)
            diff_ax.yaxis.set_major_formatter(PLAIN)
            diff_ax.grid(alpha=0.3)
    shaded = False
    for index, ax in enumerate(axes.flat):
        shaded = shade_shocks(ax, batch, label_top=index < ncols) or shaded
    for ax in axes[1]:
        year_axis(ax)
    for ax in axes[0]:
        ax.tick_params(labelbottom=True)
    fig.suptitle(figure_title(text("figure.series_question"), text("figure.series_detail"), batch, fig))
    extra = [(Patch(color="0.6", alpha=0.25), text("figure.shock_months"))] if shaded else []
    scenario_legend(fig, batch, batch.scenarios, extra)
    return fig


__all__ = [
    "fig_active_firms_and_jobs",
    "paired_differences",
]
