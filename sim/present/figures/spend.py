"""Spending figure: public spending by programme, quarter by quarter."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from sim.core.population import PROGRAMMES
from sim.io.batch_reader import Batch, load_batch
from sim.present.figures.style import (
    MILLION,
    PLAIN,
    PROGRAMME_LABELS,
    PROGRAMME_LEGEND_IN,
    figure_title,
    new_figure,
    programme_colours,
    scenario_palette,
    text_colour,
    wrap,
    year_axis,
)


def fig_spend_by_programme(batch: Batch | str | Path) -> Figure:
    """Figure 5, where the public money goes: spending by programme, quarter by quarter.

    Stacked quarterly spending by programme (mean over replications), one panel per scenario.
    """
    batch = load_batch(batch)
    monthly = batch.monthly()
    columns = [f"spend_{p}_yuan" for p in PROGRAMMES]
    names = batch.scenarios
    ncols = min(3, len(names))
    nrows = math.ceil(len(names) / ncols)
    fig = new_figure(max(5.2 * ncols, 8.0) + PROGRAMME_LEGEND_IN, 3.3 * nrows + 1.5)
    axes = np.atleast_1d(fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False))
    colours = programme_colours()
    quarters: dict[str, pd.DataFrame] = {}
    for name in names:
        runs = monthly[monthly["scenario"] == name]
        per_run = runs.groupby(["replication", runs["date"].dt.to_period("Q")])[columns].sum()
        quarters[name] = per_run.groupby(level=1).mean() * MILLION
    for index, name in enumerate(names):
        ax = axes.flat[index]
        mean = quarters[name]
        starts = mean.index.to_timestamp(how="start")
        bottom = np.zeros(len(mean))
        for programme, column in zip(PROGRAMMES, columns, strict=True):
            values = mean[column].to_numpy()
            ax.bar(starts, values, bottom=bottom, width=80, align="edge", color=colours[programme], lw=0)
            bottom += values
        total = float(mean.to_numpy().sum())
        ax.set_title(wrap(name, 40), color=text_colour(scenario_palette(batch)[name]), fontsize=10, fontweight="bold")
        ax.spines["top"].set(color=scenario_palette(batch)[name], linewidth=4)
        ax.annotate(f"total {total:,.1f} million yuan", xy=(0.02, 0.97), xycoords="axes fraction", va="top",
                    fontsize=8, color="0.25")
        if total == 0:
            ax.text(0.5, 0.5, "no public spending", transform=ax.transAxes, ha="center", fontsize=9,
                    style="italic", color="0.4")
        if index % ncols == 0:
            ax.set_ylabel("Spending (million yuan per quarter)", fontsize=9)
        ax.yaxis.set_major_formatter(PLAIN)
        ax.grid(axis="y", alpha=0.3)
        year_axis(ax)
        ax.tick_params(labelbottom=True)
    for ax in axes.flat[len(names):]:
        ax.axis("off")
    handles = [Patch(color=colours[p]) for p in PROGRAMMES]
    fig.legend(handles, [PROGRAMME_LABELS[p] for p in PROGRAMMES], loc="outside right upper", title="Programme",
               frameon=False, fontsize=9)
    fig.suptitle(figure_title("Where does the public money go? Spending by programme, quarter by quarter",
                        "mean of replications", batch, fig, legend_in=PROGRAMME_LEGEND_IN))
    return fig


__all__ = [
    "fig_spend_by_programme",
]
