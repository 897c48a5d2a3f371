"""Figures and report text of the budget optimiser and the scenario discovery.

* :func:`fig_frontier` - additional jobs against yearly cost: every mix evaluated, the feasible
  ones, the Pareto front with 95% intervals, the documented mix and each lever alone;
* :func:`fig_parallel` - parallel coordinates of the Pareto set: objectives, each lever's share
  of the budget and its intensities, each on its own 0-1 axis (low to high end of its range);
* :func:`fig_boxes` - PRIM boxes: the restricted range of each assumption within its full range;
* :func:`optimisation_section`, :func:`discovery_section` - Markdown for ``OUT/report.md``.

Figures are :class:`matplotlib.figure.Figure` objects on an Agg canvas, built without pyplot.
Counts and money are shown for the whole district: values from runs at scale ``S`` are divided by
``S`` (the runs' populations, capacities and budgets are all multiplied by ``S``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.front import OptimisationResult
from sim.analysis.robust import lower_is_better
from sim.analysis.search_problem import ALONE, DOCUMENTED

LABELS = {
    "additional_jobs": "additional jobs",
    "additional_jobs_created": "additional jobs",
    "additional_surviving_firms": "additional surviving firms",
    "youth_founders_helped": "young graduates helped",
    "founders_helped": "people helped",
    "fiscal_cost_yuan": "fiscal cost (yuan)",
}


def label(outcome: str) -> str:
    """Plain-words name of an outcome (short names for the defaults, else the declared label)."""
    if outcome in LABELS:
        return LABELS[outcome]
    from sim.analysis.robust import ADDITIONAL, metric_of
    from sim.experiments.outcomes import display

    name = display(metric_of(outcome))[0]
    return f"additional: {name.lower()}" if outcome.startswith(ADDITIONAL) else name


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def save(fig, path: str | Path) -> Path:
    """Write a figure as PNG atomically."""
    from sim.io.atomic import write_figure

    return write_figure(fig, Path(path), dpi=130)


def fig_frontier(result: OptimisationResult, objective: str | None = None, years: float = 5.0):
    """Additional jobs (or ``objective``) against the yearly fiscal cost, whole-district figures."""
    settings = result.settings
    objective = objective or settings.objectives[0]
    table = result.evaluations
    scale = settings.scale
    cost = table["fiscal_cost_yuan_mean"] / scale / years / 1e6
    y = table[f"{objective}_mean"] / scale
    low = (table[f"{objective}_mean"] - table[f"{objective}_ci_low"]) / scale
    high = (table[f"{objective}_ci_high"] - table[f"{objective}_mean"]) / scale
    fig = _figure(9.5, 5.8)
    ax = fig.subplots()
    searched = table["kind"] == "searched"
    ax.scatter(cost[searched & ~table["feasible"]], y[searched & ~table["feasible"]], s=10, color="0.8",
               label="mixes evaluated (a target missed)")
    ax.scatter(cost[searched & table["feasible"]], y[searched & table["feasible"]], s=12, color="tab:blue",
               alpha=0.5, label=f"mixes meeting every target with p >= {settings.min_probability:g}")
    front = table["pareto"]
    ax.errorbar(cost[front], y[front], yerr=[low[front].fillna(0), high[front].fillna(0)], fmt="o", color="tab:red",
                ms=6, capsize=2, label="Pareto front (95% interval)")
    documented = table["tag"] == DOCUMENTED
    ax.scatter(cost[documented], y[documented], marker="*", s=260, color="black", zorder=5, label="documented mix")
    alone = table["tag"].str.startswith(ALONE)
    ax.scatter(cost[alone], y[alone], marker="D", s=36, color="tab:green", zorder=4, label="each lever alone")
    from sim.policy.registry import lever_labels

    names = lever_labels()
    for i in np.flatnonzero(alone.to_numpy()):
        lever = table["tag"].iloc[i].removeprefix(ALONE)
        ax.annotate(names.get(lever, lever), (cost.iloc[i], y.iloc[i]),
                    fontsize=7, xytext=(4, 3), textcoords="offset points")
    ax.axvline(settings.budget_yuan / 1e6, color="0.4", ls="--", lw=1,
               label="budget of the programme lines (mandates such as rent waivers come on top)")
    ax.set_xlabel("fiscal cost, million yuan per year (whole district, mandates included)")
    ax.set_ylabel(f"{label(objective)} (whole district, end of period)")
    stat = "mean" if settings.statistic == "mean" else "10th percentile"
    ax.set_title(f"Which mixes buy the most {label(objective)} for the money? Budget "
                 f"{settings.budget_yuan / 1e6:,.1f} M yuan/year.\n{stat.capitalize()} over "
                 f"{max(settings.samples, 1)} draws of "
                 f"the uncertain assumptions x {settings.replications} seed(s), runs at scale {scale:g}", fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    return fig


def _share_columns(result: OptimisationResult) -> list[str]:
    return [f"{lever}.annual_budget_yuan" for lever in result.space.levers]


def fig_parallel(result: OptimisationResult):
    """Parallel coordinates of the Pareto set (each axis from the low to the high end of its range)."""
    settings = result.settings
    pareto = result.pareto
    axes_data: dict[str, np.ndarray] = {}
    documented = result.evaluations[result.evaluations["tag"] == DOCUMENTED].iloc[0]
    rows = pd.concat([pareto, documented.to_frame().T], ignore_index=True)
    for objective in settings.objectives:
        values = rows[objective].to_numpy(dtype=float)
        lo, hi = np.nanmin(values), np.nanmax(values)
        axes_data[label(objective)] = (values - lo) / (hi - lo) if hi > lo else np.full(len(values), 0.5)
    for column in _share_columns(result):
        lever = column.split(".")[0]
        axes_data[f"{lever} share"] = np.minimum(rows[column].to_numpy(dtype=float) / settings.budget_yuan, 1.0)
    for variable in result.space.variables:
        if variable.kind in ("real", "integer"):
            values = pd.to_numeric(rows.get(variable.name), errors="coerce").to_numpy(dtype=float)
            axes_data[variable.name] = (values - variable.low) / (variable.high - variable.low)
        elif variable.kind == "bool":
            axes_data[variable.name] = rows.get(variable.name).map({True: 1.0, False: 0.0}).to_numpy(dtype=float)
    names = list(axes_data)
    matrix = np.column_stack([axes_data[n] for n in names])
    fig = _figure(max(10.0, 0.42 * len(names) + 3), 7.0)
    ax = fig.subplots()
    from matplotlib import colormaps

    first = rows[settings.objectives[0]].to_numpy(dtype=float)[: len(pareto)]
    span = np.nanmax(first) - np.nanmin(first) if len(first) else 0.0
    colours = colormaps["viridis"]((first - np.nanmin(first)) / span if span > 0 else np.full(len(first), 0.5))
    xs = np.arange(len(names))
    for i in range(len(pareto)):
        ax.plot(xs, matrix[i], color=colours[i], alpha=0.8, lw=1.2, marker="o", ms=2.5)
    ax.plot(xs, matrix[-1], color="black", ls="--", lw=1.6, label="documented mix (its own budgets)")
    for x in xs:
        ax.axvline(x, color="0.85", lw=0.8, zorder=0)
    ax.set_xticks(xs, names, rotation=60, ha="right", fontsize=7)
    ax.set_ylim(-0.05, 1.05)
    ax.set_ylabel("0 = low end, 1 = high end of range;\nshare of the budget")
    ax.set_title(f"The Pareto set: {len(pareto)} mixes (colour: {label(settings.objectives[0])}, yellow = most); "
                 "off levers sit at share 0 with blank intensities", fontsize=9)
    ax.legend(fontsize=8, loc="upper right")
    return fig


def fig_boxes(boxes: pd.DataFrame, parameters: pd.DataFrame):
    """PRIM boxes: each restricted assumption's box range inside its full range, per question and box."""
    found = boxes[boxes["box"] > 0] if "box" in boxes else boxes.iloc[0:0]
    panels = max(len(found), 1)
    fig = _figure(9.0, 1.4 + 1.3 * panels)
    axes = fig.subplots(panels, 1, squeeze=False)[:, 0]
    ranges = parameters.set_index("name")
    if found.empty:
        axes[0].text(0.5, 0.5, "no PRIM box: no question had both failing and passing draws", ha="center",
                     va="center")
        axes[0].set_axis_off()
        return fig
    for ax, (_, row) in zip(axes, found.iterrows(), strict=True):
        restricted = [c.removesuffix(".low") for c in row.index if c.endswith(".low") and pd.notna(row[c])]
        for j, name in enumerate(restricted):
            lo_full, hi_full = float(ranges.loc[name, "low"]), float(ranges.loc[name, "high"])
            a = (row[f"{name}.low"] - lo_full) / (hi_full - lo_full)
            b = (row[f"{name}.high"] - lo_full) / (hi_full - lo_full)
            ax.barh(j, b - a, left=a, color="tab:red", alpha=0.6, label="box" if j == 0 else None)
            nominal = (float(ranges.loc[name, "value"]) - lo_full) / (hi_full - lo_full)
            ax.plot([nominal], [j], marker="|", ms=18, mew=2, color="black",
                    label="scenario's value" if j == 0 else None)
            ax.text(1.01, j, f"{row[f'{name}.low']:.3g} - {row[f'{name}.high']:.3g}", va="center", fontsize=7,
                    transform=ax.get_yaxis_transform())
        ax.set_yticks(range(len(restricted)), restricted, fontsize=7)
        ax.set_xlim(0, 1)
        ax.legend(fontsize=7, loc="upper right")
        ax.set_title(f"{row['question']}, box {int(row['box'])}: coverage {row['coverage']:.0%}, density "
                     f"{row['density']:.0%}, {row['mass']:.0%} of draws", fontsize=8)
    axes[-1].set_xlabel("position within the assumption's plausible range (0 = low end, 1 = high end)")
    return fig


def _fmt(value: float, digits: int = 0) -> str:
    return "n/a" if value is None or not np.isfinite(value) else f"{value:,.{digits}f}"


def optimisation_section(result: OptimisationResult, scenario_name: str, years: float = 5.0, top: int = 8) -> str:
    """Markdown: the search, the front's best mixes against the documented mix, with intervals."""
    s = result.settings
    table = result.evaluations
    scale = s.scale
    lines = [
        f"## The best mixes under a budget of {s.budget_yuan / 1e6:,.1f} M yuan a year ({scenario_name})",
        "",
        f"NSGA-II, population {s.population}, {s.generations} generations: {int((table['kind'] == 'searched').sum())} "
        f"distinct mixes, each on {max(s.samples, 1)} draws of {', '.join(s.uncertain) if s.samples else 'no'} "
        f"uncertain assumptions x {s.replications} seed(s) at scale {scale:g}, paired with the counterfactual "
        f"(all programmes off, same seeds). Objectives ({s.statistic} over the draws): "
        f"{', '.join(label(o) for o in s.objectives)}; each target met with probability >= {s.min_probability:g}"
        f"{' and every lever paying its entitlements in full (funded)' if s.fully_funded else ''}. "
        f"{int(table['feasible'][table['kind'] == 'searched'].sum())} mixes meet every constraint; the front has "
        f"{len(result.pareto)}. Whole-district figures (run values / {scale:g}); 95% t intervals over draws x seeds "
        "(wide: they span the assumptions' ranges; the gain over the documented mix is paired by draw and seed). "
        "These are the search's own evaluations (biased upwards for the front): confirm with a fresh batch.",
        "",
    ]
    objectives = list(s.objectives)
    header = ["mix", "levers on", *[label(o) for o in objectives], "cost M yuan/yr",
              f"{label(objectives[0])} vs documented",
              *[f"P({t.split(':', 1)[1]})" for t in table.columns if t.startswith("p_met:")], "P(funded)"]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    shown = pd.concat([table[table["tag"] == DOCUMENTED], result.pareto.head(top)])
    from sim.policy.registry import lever_labels

    names = lever_labels()
    for _, row in shown.iterrows():
        levers = [k.split(".")[0] for k in row.index if k.endswith(".enabled") and pd.notna(row[k]) and bool(row[k])]
        cells = [row["tag"], ", ".join(names.get(lv, lv) for lv in levers)]
        for o in objectives:
            cells.append(f"{_fmt(row[f'{o}_mean'] / scale)} [{_fmt(row[f'{o}_ci_low'] / scale)}, "
                         f"{_fmt(row[f'{o}_ci_high'] / scale)}]")
        cells.append(_fmt(row["fiscal_cost_yuan_mean"] / scale / years / 1e6, 1))
        gain = f"{objectives[0]}_vs_ref"
        cells.append("-" if row["tag"] == DOCUMENTED else f"{_fmt(row[f'{gain}_mean'] / scale)} "
                     f"[{_fmt(row[f'{gain}_ci_low'] / scale)}, {_fmt(row[f'{gain}_ci_high'] / scale)}]")
        cells += [f"{row[t]:.2f}" for t in table.columns if t.startswith("p_met:")]
        cells.append(f"{row['p_funded']:.2f}" if "p_funded" in row else "-")
        lines.append("| " + " | ".join(cells) + " |")
    best = "lower" if lower_is_better(objectives[0]) else "higher"
    lines += ["", f"Front sorted by {label(objectives[0])} ({best} is better). Files: `pareto.csv`, "
              "`evaluations.csv`, `mixes/*.toml`, `figures/frontier.png`, `figures/pareto_parallel.png`.", ""]
    return "\n".join(lines)


def discovery_section(discovery: Any, scenario_name: str, scale: float) -> str:
    """Markdown: which assumptions make the mix miss its targets or add few jobs (PRIM boxes)."""
    draws = discovery.draws
    lines = [
        f"## When would the advice be wrong? Scenario discovery for {scenario_name}",
        "",
        f"{len(draws)} Latin-hypercube draws of {len(discovery.parameters)} assumptions over their plausible ranges, "
        f"the mix and its counterfactual on each (scale {scale:g}). Additional jobs (whole district): median "
        f"{np.nanmedian(draws['additional_jobs']) / scale:,.0f}, 10th-90th percentile "
        f"{np.nanquantile(draws['additional_jobs'], 0.1) / scale:,.0f}-"
        f"{np.nanquantile(draws['additional_jobs'], 0.9) / scale:,.0f}; 'few' means below "
        f"{discovery.jobs_threshold / scale:,.0f}.",
        "",
        "| question | share of draws | box | coverage | density | assumptions in the box |",
        "|---|---|---|---|---|---|",
    ]
    for _, row in discovery.boxes.iterrows():
        if row["box"] == 0:
            lines.append(f"| {row['question']} | {row['share_of_draws']:.0%} | - | - | - | {row['note']} |")
        else:
            lines.append(f"| {row['question']} | {row['share_of_draws']:.0%} | {int(row['box'])} | "
                         f"{row['coverage']:.0%} | {row['density']:.0%} | {row['restricted']} |")
    lines += ["", "Coverage: share of the failing draws inside the box; density: share of the draws inside the box "
              "that fail. Files: `discovery.csv`, `boxes.csv`, `figures/prim_boxes.png`.", ""]
    return "\n".join(lines)


__all__ = ["discovery_section", "fig_boxes", "fig_frontier", "fig_parallel", "optimisation_section", "save"]
