"""Figures of a sensitivity analysis: ranked index bars and the one-at-a-time tornado per outcome."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.indices import HALF
from sim.analysis.options import ADDITIONAL_JOBS
from sim.analysis.sensitivity import SensitivityResult, oat_wide
from sim.io.atomic import write_figure

TOP_IN_FIGURE = 20
"""Parameters shown in the ranked bars (the rest are in the indices table)."""


def plot_outcome(indices: pd.DataFrame, oat: pd.DataFrame | None, baseline: float, method: str,
                 outcome: str, path: Path) -> Path:
    """Ranked index bars (left) and the one-at-a-time tornado (right) of one outcome, as PNG."""
    from matplotlib.figure import Figure  # no pyplot: keeps notebooks' inline backend untouched
    from matplotlib.ticker import MaxNLocator

    top = indices.head(TOP_IN_FIGURE).iloc[::-1]
    panels = 2 if oat is not None and len(oat) else 1
    height = max(3.0, 1.5 + 0.32 * len(top))
    fig = Figure(figsize=(7.5 * panels, height))
    axes = fig.subplots(1, panels, squeeze=False)
    ax = axes[0, 0]
    y = np.arange(len(top))
    if method == "morris":
        ax.barh(y, top["mu_star"], xerr=top["mu_star_conf"], color="tab:blue", alpha=0.8, label="mu*")
        ax.plot(top["sigma"], y, "o", color="tab:orange", label="sigma")
        ax.set_xlabel(f"Morris mu* (change in {outcome} over the whole range)")
    else:
        ax.barh(y + 0.2, top["ST"], height=0.4, xerr=top["ST_conf"], color="tab:blue", label="ST (total)")
        ax.barh(y - 0.2, top["S1"], height=0.4, xerr=top["S1_conf"], color="tab:green", label="S1 (first order)")
        ax.set_xlabel("Sobol index (share of variance)")
    ax.set_yticks(y, top["parameter"], fontsize=8)
    ax.xaxis.set_major_locator(MaxNLocator(5))
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title(f"{outcome}: {method} ranking")
    if panels == 2:
        ax2 = axes[0, 1]
        order = (oat["value_high"] - oat["value_low"]).abs().sort_values(ascending=False).index
        sub = oat.loc[order].head(TOP_IN_FIGURE).iloc[::-1]
        y2 = np.arange(len(sub))
        ax2.barh(y2 + 0.2, sub["value_low"] - baseline, left=baseline, height=0.4, color="tab:red", alpha=0.8,
                 label="at low end")
        ax2.barh(y2 - 0.2, sub["value_high"] - baseline, left=baseline, height=0.4, color="tab:green", alpha=0.8,
                 label="at high end")
        ax2.axvline(baseline, color="black", lw=1)
        if outcome == ADDITIONAL_JOBS:
            ax2.axvline(HALF * baseline, color="grey", ls="--", lw=1, label="half the baseline")
            ax2.axvline(0, color="grey", ls=":", lw=1)
        ax2.set_yticks(y2, sub["parameter"], fontsize=8)
        ax2.xaxis.set_major_locator(MaxNLocator(5))
        ax2.set_xlabel(f"{outcome} (one parameter at an end, others at baseline)")
        ax2.legend(loc="lower right", fontsize=8)
        ax2.set_title("one-at-a-time swings")
    fig.tight_layout()
    write_figure(fig, path, dpi=110)
    return path


def write_sensitivity_figures(result: SensitivityResult) -> list[Path]:
    """Write ``OUT/figures/<outcome>.png`` for every analysed outcome of a sensitivity analysis.

    Returns:
        The paths written, in outcome order.
    """
    paths = []
    for outcome, table in result.indices.items():
        path = result.out / "figures" / f"{outcome}.png"
        plot_outcome(table, oat_wide(result.oat, outcome), result.baseline[outcome], result.design.method,
                     outcome, path)
        paths.append(path)
    return paths


__all__ = ["plot_outcome", "write_sensitivity_figures"]
