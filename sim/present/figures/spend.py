"""Spending figure: public spending by programme, quarter by quarter."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.core.population import PROGRAMMES
from sim.io.batch_reader import Batch, load_batch
from sim.locale import text
from sim.present.figures.style import (
    PLAIN,
    figure_title,
    legend_width,
    money_unit,
    new_figure,
    programme_colours,
    programme_label,
    scenario_legend,
    scenario_palette,
    shade_shocks,
    wrap,
    year_axis,
)

PANEL_COLUMNS = 3
"""Panels per row (one panel per programme)."""


def quarterly_spending(batch: Batch) -> dict[str, pd.DataFrame]:
    """Scenario -> mean over replications of each programme's spending per quarter (yuan)."""
    monthly = batch.monthly()
    columns = [f"spend_{p}_yuan" for p in PROGRAMMES]
    quarters: dict[str, pd.DataFrame] = {}
    for name in batch.scenarios:
        runs = monthly[monthly["scenario"] == name]
        per_run = runs.groupby(["replication", runs["date"].dt.to_period("Q")])[columns].sum()
        quarters[name] = per_run.groupby(level=1).mean()
    return quarters


def fig_spend_by_programme(batch: Batch | str | Path) -> Figure:
    """Figure 6, where the public money goes: spending by programme, quarter by quarter.

    One panel per programme that spends anything, each on its own axis (a training budget of about
    1 M yuan a year stays readable beside housing subsidies of 20 M), one line per scenario: the
    mean over replications of the quarter's spending.
    """
    batch = load_batch(batch)
    quarters = quarterly_spending(batch)
    names = batch.scenarios
    spending = [p for p in PROGRAMMES
                if any(float(quarters[name][f"spend_{p}_yuan"].sum()) > 0 for name in names)]
    panels = spending or list(PROGRAMMES[:1])
    ncols = min(PANEL_COLUMNS, len(panels))
    nrows = math.ceil(len(panels) / ncols)
    fig = new_figure(4.6 * ncols + legend_width(names), 3.1 * nrows + 1.6)
    axes = np.atleast_1d(fig.subplots(nrows, ncols, sharex=True, squeeze=False))
    colours = programme_colours()
    for index, programme in enumerate(panels):
        ax = axes.flat[index]
        column = f"spend_{programme}_yuan"
        factor, unit = money_unit([quarters[name][column].max() for name in names])
        for name in names:
            mean = quarters[name][column]
            starts = mean.index.to_timestamp(how="start") + pd.Timedelta(days=45)
            ax.plot(starts, mean.to_numpy(float) * factor, color=scenario_palette(batch)[name], lw=1.6,
                    marker="o", ms=2.5)
        ax.set_title(wrap(programme_label(programme), 34), fontsize=10, fontweight="bold", color=colours[programme])
        ax.spines["top"].set(color=colours[programme], linewidth=4)
        ax.set_ylabel(text("figure.spend_axis", unit=unit), fontsize=9)
        ax.yaxis.set_major_formatter(PLAIN)
        ax.set_ylim(bottom=0)
        ax.grid(axis="y", alpha=0.3)
        shade_shocks(ax, batch, label_top=False)
        year_axis(ax)
        ax.tick_params(labelbottom=True)
    if not spending:
        axes.flat[0].text(0.5, 0.5, text("figure.no_spending"), transform=axes.flat[0].transAxes, ha="center",
                          fontsize=9, style="italic", color="0.4")
    for ax in axes.flat[len(panels):]:
        ax.axis("off")
    fig.suptitle(figure_title(text("figure.spend_question"), text("figure.spend_detail"), batch, fig))
    scenario_legend(fig, batch, names)
    return fig


__all__ = [
    "fig_spend_by_programme",
    "quarterly_spending",
]
