"""Time-series figure: active firms and jobs, month by month, with replication bands."""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.patches import Patch

from sim.io.batch_reader import Batch, load_batch
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


def fig_active_firms_and_jobs(batch: Batch | str | Path) -> Figure:
    """Figure 2, how many firms operate and how many jobs they hold, month by month.

    Median over replications with the 5th-95th percentile band; shock months shaded.
    """
    batch = load_batch(batch)
    monthly = batch.monthly()
    n = len(batch.scenarios)
    fig = new_figure(10 + legend_width(batch.scenarios), 8.0 + 0.1 * max(0, n - 6))
    axes = fig.subplots(2, 1, sharex=True)
    panels = (("active_firms", "Active firms (firms)", "Firms operating"),
              ("jobs", "Jobs in active firms (jobs)", "Jobs in these firms"))
    for ax, (column, ylabel, title) in zip(axes, panels, strict=True):
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
    shaded = shade_shocks(axes[0], batch, label_top=True)
    if shaded:
        shade_shocks(axes[1], batch, label_top=False)
    year_axis(axes[1])
    axes[0].tick_params(labelbottom=True)
    fig.suptitle(figure_title("How many young firms operate, and how many jobs do they hold?",
                        "lines: median of replications; coloured bands: 90% of replications; "
                        "grey: shock months", batch, fig))
    extra = [(Patch(color="0.6", alpha=0.25), "shock months")] if shaded else []
    scenario_legend(fig, batch, batch.scenarios, extra)
    return fig


__all__ = [
    "fig_active_firms_and_jobs",
]
