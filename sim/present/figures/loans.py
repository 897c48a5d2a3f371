"""Loans figure: lent, outstanding and defaulted loans, and default rates by founder type."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.analysis.intervals import proportion_ci
from sim.io.batch_reader import Batch, load_batch
from sim.locale import text
from sim.present.figures.style import (
    CONFIDENCE,
    FOUNDERS,
    MIN_LOANS,
    PERCENT,
    PLAIN,
    band_alpha,
    figure_title,
    founder_label,
    legend_width,
    money_unit,
    new_figure,
    percentile_band,
    scenario_legend,
    scenario_palette,
    shade_shocks,
    year_axis,
)


def default_rates(batch: Batch | str | Path) -> pd.DataFrame:
    """Start-up loan default rate by scenario and founder type, replications pooled.

    The interval is the 95% Wilson score interval of the proportion of defaulted loans
    (:func:`sim.analysis.intervals.proportion_ci`).

    Returns:
        ``scenario, founder_type, loans, defaulted, rate, low, high``.
    """
    batch = load_batch(batch)
    firms = batch.firms(["founder_type", "loan", "loan_defaulted"])
    loans = firms[firms["loan"].astype(bool)]
    rows = []
    for name in batch.scenarios:
        for founder in FOUNDERS:
            sub = loans[(loans["scenario"] == name) & (loans["founder_type"] == founder)]
            k, n = int(sub["loan_defaulted"].astype(bool).sum()), len(sub)
            interval = proportion_ci(k, n, CONFIDENCE)
            rows.append([name, founder, n, k, interval.estimate, interval.low, interval.high])
    return pd.DataFrame(rows, columns=["scenario", "founder_type", "loans", "defaulted", "rate", "low", "high"])


def fig_loans(batch: Batch | str | Path) -> Figure:
    """Figure 6, start-up loans: lent, outstanding, defaulted, and default rate by founder type.

    Disbursed each quarter, outstanding at each month's end and cumulative defaults (median and
    90% band over replications), and the default rate by founder type with 95% intervals.
    """
    batch = load_batch(batch)
    monthly = batch.monthly().copy()
    monthly["defaulted_cum"] = monthly.groupby(["scenario", "replication"])["loans_defaulted_yuan"].cumsum()
    quarter = monthly["date"].dt.to_period("Q")
    quarterly = (monthly.groupby(["scenario", "replication", quarter])["loans_disbursed_yuan"].sum()
                 .rename_axis(["scenario", "replication", "quarter"]).reset_index())
    quarterly["date"] = quarterly["quarter"].dt.to_timestamp(how="start") + pd.Timedelta(days=45)
    n = len(batch.scenarios)
    fig = new_figure(13 + legend_width(batch.scenarios), 9.0 + 0.1 * max(0, n - 6))
    axes = fig.subplots(2, 2)
    factor, unit = money_unit(monthly["loans_outstanding_yuan"].to_numpy(float))
    panels = (
        ("loans_disbursed_yuan", text("figure.loans_disbursed_axis", unit=unit), text("figure.loans_disbursed_title")),
        ("loans_outstanding_yuan", text("figure.loans_outstanding_axis", unit=unit),
         text("figure.loans_outstanding_title")),
        ("defaulted_cum", text("figure.loans_defaulted_axis", unit=unit),
         text("figure.loans_defaulted_title", year=batch.period()[:4])),
    )
    for ax, (column, ylabel, title) in zip(axes.ravel()[:3], panels, strict=True):
        for name in batch.scenarios:
            source = quarterly if column == "loans_disbursed_yuan" else monthly
            band = percentile_band(source[source["scenario"] == name], column, factor)
            ax.plot(band.index, band["median"], color=scenario_palette(batch)[name], lw=1.6)
            ax.fill_between(band.index, band["low"], band["high"], color=scenario_palette(batch)[name],
                            alpha=band_alpha(n), lw=0)
        shade_shocks(ax, batch, label_top=column == "loans_disbursed_yuan")
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        ax.yaxis.set_major_formatter(PLAIN)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        year_axis(ax)
    ax = axes[1, 1]
    rates = default_rates(batch)
    founders = list(FOUNDERS)
    width = 0.8 / max(n, 1)
    for i, name in enumerate(batch.scenarios):
        sub = rates[rates["scenario"] == name].set_index("founder_type").reindex(founders)
        sub = sub.where(sub["loans"] >= MIN_LOANS)  # too few loans for a readable rate: left out
        x = np.arange(len(founders)) - 0.4 + width * (i + 0.5)
        rate = sub["rate"].to_numpy(float) * 100
        err = np.vstack([rate - sub["low"].to_numpy(float) * 100, sub["high"].to_numpy(float) * 100 - rate])
        ax.bar(x, np.nan_to_num(rate), width=width * 0.95, color=scenario_palette(batch)[name],
               yerr=np.nan_to_num(np.clip(err, 0, None)), capsize=2, error_kw={"lw": 0.8})
    labels = []
    for founder in founders:
        count = int(rates.loc[rates["founder_type"] == founder, "loans"].sum())
        labels.append(text("figure.loans_count", label=founder_label(founder), count=f"{count:,}"))
    ax.set_xticks(np.arange(len(founders)), labels)
    ax.set_ylabel(text("figure.default_axis"))
    ax.yaxis.set_major_formatter(PERCENT)
    ax.set_title(text("figure.default_title", n=MIN_LOANS))
    ax.grid(axis="y", alpha=0.3)
    fig.suptitle(figure_title(text("figure.loans_question"), text("figure.series_detail"), batch, fig))
    scenario_legend(fig, batch, batch.scenarios)
    return fig


__all__ = [
    "default_rates",
    "fig_loans",
]
