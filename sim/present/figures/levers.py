"""Levers figure: additional jobs against fiscal cost, and cost per additional job."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from sim.analysis.levers import lever_table, total_table
from sim.io.batch_reader import Batch, load_batch
from sim.locale import text
from sim.present.figures.style import (
    PLAIN,
    asymmetric_errors,
    batch_comparison,
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

LABEL_GAP_PX = 2.0
"""Vertical gap (pixels) kept between two point labels of the left panel."""


def place_labels(ax, points: list[tuple[float, float, str, tuple]], fontsize: float = 7.5) -> None:
    """Write a label beside each point without two labels overlapping.

    Labels start to the right of their point; going up the panel, a label that would overlap one
    already placed is moved up just past it, and a thin leader line joins it to its point.

    Args:
        ax: The axes (its limits already final).
        points: ``(x, y, label, colour)`` in data coordinates.
        fontsize: Label font size (points).
    """
    fig = ax.figure
    engine = fig.get_layout_engine()
    if engine is not None:  # settle the axes' final size first, so pixel distances stay true
        engine.execute(fig)
    renderer = fig.canvas.get_renderer()
    placed: list = []
    for x, y, label, colour in sorted(points, key=lambda p: p[1]):
        probe = ax.annotate(label, (x, y), xytext=(6, 4), textcoords="offset points", fontsize=fontsize)
        box = probe.get_window_extent(renderer)
        probe.remove()
        shift = 0.0
        for _ in range(len(placed) + 1):  # each pass moves past at least one label, or stops
            moved = box.translated(0, shift)
            hits = [o for o in placed if moved.x1 > o.x0 and moved.x0 < o.x1 and moved.y1 > o.y0 and moved.y0 < o.y1]
            if not hits:
                break
            shift = max(o.y1 for o in hits) - box.y0 + LABEL_GAP_PX
        arrow = {"arrowstyle": "-", "color": colour, "lw": 0.6, "shrinkA": 0, "shrinkB": 3} if shift else None
        ax.annotate(label, (x, y), xytext=(6, 4 + shift * 72.0 / fig.dpi), textcoords="offset points",
                    fontsize=fontsize, color=colour, zorder=6, arrowprops=arrow)
        placed.append(box.translated(0, shift))


def fig_levers(batch: Batch | str | Path) -> Figure:
    """Figure 5, which policy buys the most additional jobs for its fiscal cost.

    Left: additional jobs against additional fiscal cost, both against the counterfactual, with
    95% intervals; states of the world (``kind = "world"``, e.g. no lockdown) are hollow markers.
    Right: cost per additional job of the policies only, ranked (cheapest first); hatched bars
    where the additional jobs' interval includes zero. Without a counterfactual the figure shows
    totals (jobs, fiscal cost, cost per job) instead and says so.
    """
    batch = load_batch(batch)
    additional = batch.counterfactual is not None
    table = (lever_table if additional else total_table)(batch, batch_comparison(batch))
    names = list(table["scenario"])
    fig = new_figure(14.0 + legend_width(batch.scenarios), 5.8 + 0.25 * max(0, len(names) - 6))
    left, right = fig.subplots(1, 2, width_ratios=[1.1, 1.0])
    cost_factor, cost_unit = money_unit(table[["cost", "cost_low", "cost_high"]].to_numpy())
    prefix = common_prefix(batch.scenarios)
    labels = []
    for row in table.itertuples():
        colour = scenario_palette(batch)[row.scenario]
        world = row.kind == "world"
        left.errorbar(row.cost * cost_factor, row.jobs,
                      xerr=asymmetric_errors(row.cost, row.cost_low, row.cost_high, cost_factor),
                      yerr=asymmetric_errors(row.jobs, row.jobs_low, row.jobs_high, 1.0),
                      fmt="D" if world else "o", mfc="white" if world else colour, color=colour, ms=8, capsize=4,
                      lw=1.5, zorder=3)
        if np.isfinite(row.cost) and np.isfinite(row.jobs):
            name = row.scenario[len(prefix):] + (f" ({text('figure.world_marker')})" if world else "")
            labels.append((row.cost * cost_factor, row.jobs, name, text_colour(colour)))
    if additional:
        left.scatter([0], [0], marker="s", s=60, color=scenario_palette(batch)[batch.counterfactual], zorder=5)
        left.annotate(text("figure.counterfactual_point", name=batch.counterfactual), (0, 0), xytext=(8, -14),
                      textcoords="offset points", fontsize=8, color="0.25")
    left.axhline(0, color="0.5", lw=0.8)
    left.axvline(0, color="0.5", lw=0.8)
    period, year = batch.period(), batch.period()[-4:]
    left.set_xlabel(text("figure.additional_cost_axis" if additional else "figure.total_cost_axis",
                         period=period, unit=cost_unit))
    left.set_ylabel(text("figure.additional_jobs_axis" if additional else "figure.total_jobs_axis", year=year))
    left.xaxis.set_major_formatter(PLAIN)
    left.yaxis.set_major_formatter(PLAIN)
    left.grid(alpha=0.3)
    left.set_title(text("figure.levers_left_title" if additional else "figure.totals_left_title"))
    left.margins(x=0.12, y=0.08)
    left.autoscale_view()
    place_labels(left, labels)

    ranked = (table[table["kind"] != "world"].sort_values("cost_per_job", na_position="last")
              .reset_index(drop=True))
    ys = np.arange(len(ranked))[::-1]
    finite = np.r_[ranked["cost_per_job_high"].to_numpy(float), ranked["cost_per_job"].to_numpy(float), 0]
    top = np.nanmax(finite) if len(finite) else 0.0
    for y, row in zip(ys, ranked.itertuples(), strict=True):
        colour = scenario_palette(batch)[row.scenario]
        if np.isfinite(row.cost_per_job) and row.cost_per_job > 0:
            significant = not additional or (np.isfinite(row.jobs_low) and row.jobs_low > 0)
            err = asymmetric_errors(row.cost_per_job, row.cost_per_job_low, row.cost_per_job_high, 1.0)
            right.barh(y, row.cost_per_job, color=colour if significant else "white",
                       edgecolor=colour, hatch=None if significant else "///", xerr=err, capsize=4, height=0.6)
            note = plain_number(row.cost_per_job) + ("" if significant else text("figure.not_significant"))
            end = row.cost_per_job_high if np.isfinite(row.cost_per_job_high) else row.cost_per_job
            right.annotate(note, (max(end, row.cost_per_job), y), xytext=(5, 0),
                           textcoords="offset points", va="center", fontsize=8)
        else:
            right.annotate(text("figure.no_additional_jobs") if additional else text("figure.no_spending"), (0, y),
                           xytext=(4, 0), textcoords="offset points", va="center", fontsize=8, style="italic")
    right.set_yticks(ys, [wrap(name) for name in ranked["scenario"]])
    for tick, name in zip(right.get_yticklabels(), ranked["scenario"], strict=True):
        tick.set_color(text_colour(scenario_palette(batch)[name]))
    right.set_xlim(0, max(float(top) * 1.3, 1.0))
    right.set_ylim(-0.6, max(len(ranked), 1) - 0.4)
    right.set_xlabel(text("figure.cost_per_job_axis" if additional else "figure.cost_per_total_job_axis"))
    right.xaxis.set_major_formatter(PLAIN)
    right.grid(axis="x", alpha=0.3)
    right.set_title(text("figure.cost_per_job_title" if additional else "figure.cost_per_total_job_title"))
    if additional:
        detail = text("figure.levers_detail", counterfactual=batch.counterfactual)
    else:
        detail = text("figure.levers_no_counterfactual")
    fig.suptitle(figure_title(text("figure.levers_question"), detail, batch, fig))
    scenario_legend(fig, batch, batch.scenarios)
    return fig


__all__ = [
    "fig_levers",
    "place_labels",
]
