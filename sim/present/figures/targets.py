"""Target figure: each replication's outcome against the district's targets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim.io.batch_reader import Batch, load_batch
from sim.locale import current_language, text, text_or
from sim.present.figures.style import (
    PLAIN,
    figure_title,
    metric_display,
    new_figure,
    plain_number,
    scenario_palette,
    text_colour,
    wrap,
)


def _probability_text(met: pd.Series) -> str:
    return text("figure.probability", share=f"{met.mean():.0%}", met=int(met.sum()), n=len(met))


def fig_target_attainment(batch: Batch | str | Path) -> Figure:
    """Figure 3, does each scenario meet the district's targets, and how likely: outcomes vs targets.

    One panel per target: each replication's simulated outcome per scenario (dots and a box),
    the target as a dashed line, and the share of replications that meet it.
    """
    batch = load_batch(batch)
    targets = batch.targets()
    names = [name for name in batch.scenarios if len(targets) and name in set(targets["scenario"])]
    keys = list(dict.fromkeys(zip(targets["metric"], targets["op"], strict=True))) if len(targets) else []
    n = max(len(names), 1)
    row_height = 0.42 * n + 1.4
    fig = new_figure(12.0, max(3.0, row_height * max(len(keys), 1) + 1.2))
    question = text("figure.targets_question")
    if not keys:
        ax = fig.add_subplot()
        ax.axis("off")
        ax.text(0.5, 0.5, text("figure.no_targets"), ha="center", va="center", fontsize=12)
        fig.suptitle(question)
        return fig
    axes = np.atleast_1d(fig.subplots(len(keys), 1))
    rng = np.random.default_rng(0)  # vertical jitter of the dots only; fixed so figures are reproducible
    for ax, (metric, op) in zip(axes, keys, strict=True):
        rows = targets[(targets["metric"] == metric) & (targets["op"] == op)]
        label = text_or(f"target.{metric}", str(rows["label"].iloc[0]) or metric) if current_language() != "en" \
            else str(rows["label"].iloc[0]) or metric
        _, unit, factor = metric_display(metric)
        positions = {name: n - 1 - i for i, name in enumerate(names)}
        data, pos, colours = [], [], []
        goals_all = np.unique(rows["target"].to_numpy(dtype=float) * factor)
        for name in names:
            sub = rows[rows["scenario"] == name]
            if len(sub) == 0:
                continue
            values = sub["simulated"].to_numpy(dtype=float) * factor
            y = positions[name]
            data.append(values)
            pos.append(y)
            colours.append(scenario_palette(batch)[name])
            ax.scatter(values, y + rng.uniform(-0.18, 0.18, len(values)), s=16, color=scenario_palette(batch)[name],
                       alpha=0.85, zorder=3, lw=0.4, edgecolor="white")
            if len(goals_all) > 1:  # scenarios with different targets: one mark per row
                for goal in np.unique(sub["target"].to_numpy(dtype=float) * factor):
                    ax.plot([goal, goal], [y - 0.45, y + 0.45], color="black", lw=2, ls="--", zorder=4)
            met = sub["met"].astype(bool)
            ax.annotate(_probability_text(met), xy=(1.0, y), xycoords=("axes fraction", "data"),
                        xytext=(6, 0), textcoords="offset points", va="center", ha="left", fontsize=9,
                        fontweight="bold" if met.mean() >= 0.5 else "normal")
        if len(goals_all) == 1:
            ax.axvline(goals_all[0], color="black", lw=2, ls="--", zorder=4)
        boxes = ax.boxplot(data, positions=pos, orientation="horizontal", widths=0.5, patch_artist=True,
                           showfliers=False, manage_ticks=False)
        for i, colour in enumerate(colours):
            boxes["boxes"][i].set_facecolor((*colour[:3], 0.25))
            boxes["boxes"][i].set_edgecolor(colour)
            boxes["medians"][i].set_color(colour)
            boxes["medians"][i].set_linewidth(2)
        ax.set_yticks(list(positions.values()), [wrap(name) for name in positions])
        for tick, name in zip(ax.get_yticklabels(), positions, strict=True):
            tick.set_color(text_colour(scenario_palette(batch)[name]))
        ax.set_ylim(-0.6, n - 0.4)
        ax.set_xlabel(text("figure.simulated_outcome", period=batch.period(), unit=unit) if unit
                      else text("figure.simulated_outcome_plain"))
        ax.xaxis.set_major_formatter(PLAIN)
        ax.grid(axis="x", alpha=0.3)
        goal_text = " / ".join(plain_number(g) for g in goals_all)
        ax.set_title(text("figure.target_title", label=label, op=op, goal=f"{goal_text}{' ' + unit if unit else ''}"),
                     loc="left", fontsize=11)
    axes[0].legend([Line2D([], [], color="black", lw=2, ls="--")], [text("figure.target_legend")],
                   loc="lower right", fontsize=9)
    scale = batch.scale
    scaled = text("figure.targets_scaled", scale=f"{scale:g}") if scale and scale != 1 else ""
    fig.suptitle(figure_title(question, "; ".join(p for p in (
        text("figure.targets_detail"), scaled) if p), batch, fig,
        legend_in=0.0))
    return fig


__all__ = [
    "fig_target_attainment",
]
