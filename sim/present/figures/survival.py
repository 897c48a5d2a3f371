"""Survival figures: Kaplan-Meier curves by scenario and, within the baseline, by group."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from sim.experiments.metrics import kaplan_meier
from sim.io.batch_reader import Batch, load_batch
from sim.locale import text
from sim.present.figures.style import (
    CONFIDENCE,
    PERCENT,
    band_alpha,
    figure_title,
    legend_width,
    new_figure,
    scenario_legend,
    scenario_palette,
    text_colour,
    wrap,
)


def _km_curve(lifetime: np.ndarray, censored: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Kaplan-Meier survival with its 95% band, as step arrays starting at age 0.

    Returns:
        ``(age_years, survival, low, high)``.
    """
    lifetime = np.asarray(lifetime, dtype=float)
    censored = np.asarray(censored, dtype=bool)
    if not np.any(~censored):  # no exit observed: survival stays 1
        end = float(lifetime.max()) / 12 if len(lifetime) else 0.0
        ages = np.array([0.0, end])
        ones = np.ones(2)
        return ages, ones, ones, ones
    result = kaplan_meier(lifetime, censored)
    months = result.sf.quantiles
    interval = result.sf.confidence_interval(CONFIDENCE)
    survival = result.sf.probabilities
    low = np.nan_to_num(interval.low.probabilities, nan=0.0)
    high = np.nan_to_num(interval.high.probabilities, nan=1.0)
    last = float(lifetime.max())
    ages = np.r_[0.0, months, max(last, months[-1])] / 12
    return ages, np.r_[1.0, survival, survival[-1]], np.r_[1.0, low, low[-1]], np.r_[1.0, high, high[-1]]


def _draw_km(ax, lifetime, censored, colour, label: str, linestyle: str = "-", alpha: float = 0.18) -> float:
    ages, surv, low, high = _km_curve(lifetime, censored)
    ax.step(ages, surv * 100, where="post", color=colour, lw=1.8, ls=linestyle, label=label)
    ax.fill_between(ages, low * 100, high * 100, step="post", color=colour, alpha=alpha, lw=0)
    return float(np.min(low))


def survival_at_age(lifetime, censored, years: float) -> tuple[float, float, float]:
    """Kaplan-Meier share of firms operating after ``years`` years, with its 95% interval.

    Equals :func:`sim.experiments.metrics.survival_at` at ``12 * years`` months.
    """
    ages, surv, low, high = _km_curve(lifetime, censored)
    index = int(np.searchsorted(ages, years, side="right")) - 1
    return float(surv[index]), float(low[index]), float(high[index])


MIN_SURVIVAL_SPAN_PP = 10.0
"""assumption: the axis of the survival-to-age panel spans at least 10 percentage points (range 5-20),
so differences of tenths of a point between scenarios are not blown up to the panel's full width."""


def _at_least_span(ax, values_share: list[float], span_pp: float) -> None:
    """Widen the x axis (in percent) to at least ``span_pp`` points around the values, within 0-100."""
    values = [v * 100 for v in values_share if np.isfinite(v)]
    if not values:
        return
    low, high = min(values), max(values)
    if high - low >= span_pp:
        return
    centre = (low + high) / 2
    left = min(max(0.0, centre - span_pp / 2), 100.0 - span_pp)
    ax.set_xlim(left, left + span_pp)


def _survival_axes(ax, lowest: float) -> None:
    ax.set_xlabel(text("figure.age_years"))
    ax.set_ylabel(text("figure.still_operating"))
    ax.yaxis.set_major_formatter(PERCENT)
    floor = max(0.0, math.floor((lowest * 100 - 2) / 5) * 5)
    ax.set_ylim(floor, 100.5)
    ax.set_xlim(left=0)
    ax.grid(alpha=0.3)


def fig_survival_by_scenario(batch: Batch | str | Path) -> Figure:
    """Figure 1a, how long do new firms survive under each scenario: Kaplan-Meier by scenario.

    Left: Kaplan-Meier curves with 95% bands, firms of all replications of a scenario pooled.
    Right: the share surviving three years (or the longest whole number of years observed) with
    its 95% interval, one row per scenario, so close curves can still be told apart.
    """
    batch = load_batch(batch)
    firms = batch.firms(["lifetime_months", "censored"])
    n = len(batch.scenarios)
    fig = new_figure(12.5 + legend_width(batch.scenarios), 5.4 + 0.22 * max(0, n - 6))
    ax, dots = fig.subplots(1, 2, width_ratios=[2.2, 1.0])
    horizon = max(1, min(3, int(firms["lifetime_months"].max() // 12))) if len(firms) else 3
    lowest = 1.0
    rows = []
    for name in batch.scenarios:
        sub = firms[firms["scenario"] == name]
        colour = scenario_palette(batch)[name]
        lowest = min(lowest, _draw_km(ax, sub["lifetime_months"], sub["censored"], colour, wrap(name),
                                      alpha=band_alpha(n)))
        rows.append((name, *survival_at_age(sub["lifetime_months"], sub["censored"], horizon)))
    _survival_axes(ax, lowest)
    ax.axvline(horizon, color="0.4", lw=0.8, ls=":")
    ax.set_title(text("figure.survival_panel"))
    ys = np.arange(n)[::-1]
    for y, (name, value, low, high) in zip(ys, rows, strict=True):
        dots.errorbar(value * 100, y, xerr=[[max(value - low, 0) * 100], [max(high - value, 0) * 100]], fmt="o",
                      color=scenario_palette(batch)[name], ms=7, capsize=4, lw=1.5)
    dots.set_yticks(ys, [wrap(name) for name in batch.scenarios])
    for tick, name in zip(dots.get_yticklabels(), batch.scenarios, strict=True):
        tick.set_color(text_colour(scenario_palette(batch)[name]))
    dots.set_ylim(-0.6, n - 0.4)
    dots.set_xlabel(text("figure.survival_after", years=horizon) if horizon > 1 else text("figure.survival_after_one"))
    _at_least_span(dots, [v for row in rows for v in row[1:]], MIN_SURVIVAL_SPAN_PP)
    dots.xaxis.set_major_formatter(PERCENT)
    dots.grid(axis="x", alpha=0.3)
    dots.set_title(text("figure.survival_to_age", years=horizon))
    fig.suptitle(figure_title(text("figure.survival_question"), text("figure.survival_detail"), batch, fig))
    scenario_legend(fig, batch, batch.scenarios)
    return fig


def fig_survival_by_group(batch: Batch | str | Path, scenario: str | None = None) -> Figure:
    """Figure 1b, do supported firms survive longer: survival by group within one scenario.

    Three panels: incubated vs not, with a start-up loan vs without, young graduates vs other
    founders. These are descriptive comparisons: supported firms are also selected firms.
    """
    batch = load_batch(batch)
    scenario = scenario or batch.baseline
    firms = batch.firms(["lifetime_months", "censored", "incubated", "loan", "founder_type"], [scenario])
    colour = scenario_palette(batch)[scenario]
    groups = [
        (text("figure.group_incubated"), firms["incubated"].astype(bool), text("figure.incubated"),
         text("figure.never_incubated")),
        (text("figure.group_loan"), firms["loan"].astype(bool), text("figure.with_loan"), text("figure.without_loan")),
        (text("figure.group_graduates"), firms["founder_type"] == "young_graduate",
         text("figure.young_graduates"), text("figure.other_founders")),
    ]
    fig = new_figure(15, 5.0)
    axes = fig.subplots(1, 3, sharey=True)
    lowest = 1.0
    for ax, (title, mask, yes, no) in zip(axes, groups, strict=True):
        mask = mask.to_numpy()
        for selected, label, style, tint in ((mask, yes, "-", colour), (~mask, no, "--", "0.35")):
            sub = firms[selected]
            if len(sub) == 0:
                continue
            lowest = min(lowest, _draw_km(ax, sub["lifetime_months"], sub["censored"], tint,
                                          text("figure.firms_count", label=label, n=f"{len(sub):,}"),
                                          linestyle=style))
        ax.set_title(title)
        ax.legend(loc="lower left", fontsize=9, frameon=True)
    for ax in axes:
        _survival_axes(ax, lowest)
    for ax in axes[1:]:
        ax.set_ylabel("")
    fig.suptitle(text("figure.group_question", scenario=scenario) + "\n" + text("figure.group_detail"))
    return fig


__all__ = [
    "fig_survival_by_group",
    "fig_survival_by_scenario",
    "survival_at_age",
]
