"""The calibration's validation figure: simulated vs observed statistics."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.calibration_data import DEATH_RATE
from sim.io.atomic import write_figure


def plot_validation(table: pd.DataFrame, path: Path, title: str = "") -> Path:
    """Observed (+-2 se) vs simulated (mean and 5-95% interval) per statistic and variant, as PNG."""
    from matplotlib.figure import Figure  # no pyplot: keeps notebooks' inline backend untouched

    stats = list(dict.fromkeys(table["statistic"]))
    rates = [s for s in stats if DEATH_RATE.match(s)]
    others = [s for s in stats if s not in rates]
    panels = [p for p in (rates, *[[o] for o in others]) if p]
    widths = [max(len(p), 1.5) for p in panels]
    fig = Figure(figsize=(2.2 + 1.6 * sum(widths), 4.2))
    axes = fig.subplots(1, len(panels), squeeze=False, gridspec_kw={"width_ratios": widths})
    variants = list(dict.fromkeys(table["variant"]))
    colours = ["tab:blue", "tab:orange", "tab:green", "tab:purple"]
    offset = 0.15
    for ax, group in zip(axes[0], panels, strict=True):
        sub = table[table["statistic"].isin(group)]
        x = np.arange(len(group))
        obs = sub.drop_duplicates("statistic").set_index("statistic").loc[group]
        ax.errorbar(x - offset * len(variants) / 2, obs["observed"], yerr=2 * obs["standard_error"], fmt="s",
                    color="black", capsize=4, label="observed +- 2 se")
        for j, variant in enumerate(variants):
            v = sub[sub["variant"] == variant].set_index("statistic").loc[group]
            xs = x + offset * (j + 1) - offset * len(variants) / 2
            err = np.vstack([v["sim_mean"] - v["sim_low"], v["sim_high"] - v["sim_mean"]])
            ax.errorbar(xs, v["sim_mean"], yerr=np.clip(err, 0, None), fmt="o", color=colours[j % len(colours)],
                        capsize=3, label=f"simulated, {variant} (5-95%)")
        labels = [f"age {DEATH_RATE.match(g).group(1)}" if DEATH_RATE.match(g) else g for g in group]  # type: ignore[union-attr]
        ax.set_xticks(x, labels)
        ax.set_title("yearly death rate by firm age" if group is rates else group[0], fontsize=10)
        ax.grid(axis="y", alpha=0.3)
    axes[0, 0].legend(fontsize=7, loc="upper left")
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    write_figure(fig, path, dpi=110)
    return path


# ------------------------------------------------------------------------------- overlay


__all__ = ["plot_validation"]
