"""The comparison table as text: the report ``startup-sim compare`` prints.

:func:`format_comparison` prints means, paired differences, target probabilities and additionality of a
:func:`sim.analysis.compare.compare_batch` table, each estimate with its interval (the CSV holds every metric).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analysis.intervals import CONFIDENCE
from sim.experiments.outcomes import SUMMARY_METRICS


def format_number(value: float) -> str:
    """A compact human-readable number (thousands separators; 3 decimals for rates)."""
    if value is None or not np.isfinite(value):
        return "n/a"
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 10:
        return f"{value:,.1f}"
    return f"{value:.3f}"


def _cell(row: pd.Series) -> str:
    if not np.isfinite(row["ci_low"]):
        return format_number(row["estimate"])
    return f"{format_number(row['estimate'])} [{format_number(row['ci_low'])}, {format_number(row['ci_high'])}]"


def format_comparison(table: pd.DataFrame, metrics: tuple[str, ...] | None = None) -> str:
    """A readable report of a comparison table (the CSV holds every metric)."""
    shown = metrics or tuple(m for m in SUMMARY_METRICS if m in set(table["metric"]))
    confidence = float(table["confidence"].iloc[0]) if len(table) else CONFIDENCE
    pct = f"{confidence:.0%}"
    lines: list[str] = []

    def block(title: str, frame: pd.DataFrame, by_metric: bool = True) -> None:
        if frame.empty:
            return
        lines.extend(["", title])
        view = frame.assign(value=frame.apply(_cell, axis=1))
        if by_metric:
            view = view[view["metric"].isin(shown)]
        for scenario, group in view.groupby("scenario", sort=False):
            lines.append(f"  {scenario}  (n={int(group['n'].max())})")
            for _, row in group.iterrows():
                if row["section"] == "target_probability":
                    lines.append(f"    {row['value']:<24} {row['detail']}")
                    continue
                value = row["value"]
                if row["detail"] and not np.isfinite(row["estimate"]):
                    value += f" ({row['detail']})"
                lines.append(f"    {row['metric']:<46} {value}")

    block(f"Means with {pct} t-intervals over replications", table[table["section"] == "mean"])
    diff = table[table["section"] == "difference"]
    if len(diff):
        block(f"Paired differences against the baseline {diff['reference'].iloc[0]} ({pct} intervals)", diff)
    block(f"Probability of meeting each target ({pct} Wilson intervals)",
          table[table["section"] == "target_probability"], by_metric=False)
    add = table[table["section"] == "additionality"]
    if len(add):
        block(f"Additionality against the counterfactual {add['reference'].iloc[0]} "
              f"(paired; cost ratios: ratio of means, {pct} paired bootstrap)", add, by_metric=False)
    else:
        lines.extend(["", "Additionality: no counterfactual (no scenario name contains 'no_policy'; "
                      "name one with --counterfactual)"])
    return "\n".join(lines).lstrip("\n")


__all__ = ["format_comparison", "format_number"]
