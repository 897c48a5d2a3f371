"""Figures a planner reads: survival, firms and jobs, targets, levers, spending and loans.

Every figure compares the scenarios of one batch directory (see :mod:`sim.io.store`) and answers one
question; its title says which, in plain words. Each function takes a batch (a directory or a
:class:`Batch`) and returns a :class:`matplotlib.figure.Figure` on its own Agg canvas, built
without pyplot (no global figure registry, and the process's backend is left alone, so notebooks
keep theirs; a notebook shows a returned figure by evaluating it). :func:`plot_all` writes every
figure as PNG and SVG under ``OUT/figures/``.

Conventions shared by all figures:

* each scenario keeps one colour in every figure (:func:`scenario_colours`: tab20 in scenario
  order, the ten strong colours first);
* time axes are calendar years; money is shown in million yuan (or thousand yuan per job);
* intervals over replications are the 5th-95th percentile band (time series), 95% confidence
  intervals from :mod:`sim.analysis.compare` (headline metrics and differences) or 95% Kaplan-Meier /
  Wilson intervals (survival curves, default rates);
* legends sit outside the plot and long scenario names are wrapped, so a batch of 12 scenarios
  stays readable; figure size grows with the number of scenarios.
"""

from __future__ import annotations

import math
import re
import textwrap
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import YearLocator
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from sim.analysis.compare import compare_batch, default_baseline, default_counterfactual, proportion_ci
from sim.core.population import PROGRAMMES
from sim.errors import UsageError
from sim.experiments.metrics import kaplan_meier
from sim.io.atomic import write_figure
from sim.io.store import BatchStore
from sim.scenario.files import ScenarioError, validate_dict
from sim.scenario.schema import Scenario

PROGRAMME_LABELS = {
    "loan_interest_subsidy": "Loan interest subsidy and guarantees",
    "rent_relief": "Rent relief",
    "incubation": "Incubation bases",
    "talent_housing": "Talent housing subsidy",
    "startup_subsidies": "Start-up subsidies",
    "growth_grants": "Growth grants (little giants)",
    "training": "Training",
}
PROGRAMME_LEGEND_IN = 3.4  # width of the programme legend (inches), for layout
FOUNDER_LABELS = {"young_graduate": "Young graduates", "returnee": "Returnees", "other": "Other founders"}

# Display name, unit and multiplier of each metric (money in million yuan, shares in percent).
METRIC_DISPLAY: dict[str, tuple[str, str, float]] = {
    "founders_helped": ("People helped to start a business", "persons", 1.0),
    "youth_founders_helped": ("Young graduates helped to start a business", "persons", 1.0),
    "firms_started": ("Firms started", "firms", 1.0),
    "survival_1y": ("Firms surviving their first year", "% of firms", 100.0),
    "survival_3y": ("Firms surviving three years", "% of firms", 100.0),
    "jobs_created": ("Jobs in surviving firms at the end", "jobs", 1.0),
    "incubation_bases": ("Incubation bases", "bases", 1.0),
    "fiscal_cost_yuan": ("Fiscal cost of the programmes", "million yuan", 1e-6),
    "cost_per_job_yuan": ("Fiscal cost per job", "yuan per job", 1.0),
    "loan_default_rate": ("Loan default rate", "% of loans", 100.0),
    "innovation_little_giants_per_year": ("Innovation little giants", "firms per year", 1.0),
    "technology_little_giants_per_year": ("Technology little giants", "firms per year", 1.0),
    "new_high_tech_firms_per_year": ("New high-tech firms", "firms per year", 1.0),
    "jobs_per_surviving_firm": ("Jobs per surviving firm", "jobs per firm", 1.0),
    "loans_disbursed": ("Start-up loans disbursed", "loans", 1.0),
}
MILLION = 1e-6
BAND = (5.0, 95.0)  # percentile band over replications for time series (a 90% band)
CONFIDENCE = 0.95
MIN_LOANS = 10
"""assumption: below 10 loans a default rate is not shown (its 95% Wilson interval is wider than 25
percentage points at any rate; range 5-30)."""
NAME_WRAP = 28  # characters per line of a scenario name in legends and axes


def metric_display(metric: str) -> tuple[str, str, float]:
    """Readable name, unit and multiplier of a metric (unknown metrics are shown as they are)."""
    return METRIC_DISPLAY.get(metric, (metric.replace("_", " "), "", 1.0))


def wrap(name: str, width: int = NAME_WRAP) -> str:
    """Wrap a long scenario name over several lines, breaking after underscores or spaces."""
    if len(name) <= width:
        return name
    tokens = re.findall(r"[^_ ]+[_ ]?|[_ ]", name)
    lines, current = [], ""
    for token in tokens:
        if current and len(current) + len(token.rstrip()) > width:
            lines.append(current)
            current = ""
        while len(token) > width:  # a single over-long word: cut it
            lines.append(token[:width])
            token = token[width:]
        current += token
    if current:
        lines.append(current)
    return "\n".join(line.rstrip() for line in lines)


def scenario_colours(names: list[str]) -> dict[str, tuple[float, float, float, float]]:
    """Deterministic scenario -> colour: tab20 in scenario order, its ten strong colours first.

    Beyond 20 scenarios the colours repeat.
    """
    cmap = matplotlib.colormaps["tab20"]
    order = list(range(0, 20, 2)) + list(range(1, 20, 2))
    return {name: cmap(order[i % 20]) for i, name in enumerate(names)}


def text_colour(colour: tuple[float, ...]) -> tuple[float, float, float]:
    """A scenario colour darkened enough to be read as text on white (light tab20 shades)."""
    red, green, blue = colour[:3]
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    factor = min(1.0, 0.45 / luminance) if luminance > 0.45 else 1.0
    return (red * factor, green * factor, blue * factor)


def programme_colours() -> dict[str, tuple[float, float, float, float]]:
    """Fixed programme -> colour (Set2 / Dark2 style qualitative palette)."""
    cmap = matplotlib.colormaps["Dark2"]
    return {name: cmap(i) for i, name in enumerate(PROGRAMMES)}


def _plain_number(value: float, _pos: int | None = None) -> str:
    """Tick label with thousands separators, no scientific notation and no rounded-off digits."""
    if not np.isfinite(value):
        return ""
    if abs(value) >= 100 or value == round(value):
        return f"{value:,.0f}"
    if abs(value) >= 0.01:
        return f"{value:,.4f}".rstrip("0").rstrip(".")
    return f"{value:.2g}"


PLAIN = FuncFormatter(_plain_number)
PERCENT = FuncFormatter(lambda value, _pos: f"{round(value, 6):g}%")
"""Tick label of a value already in percent: ``81.5%``, ``100%`` (no spurious decimals)."""


# --------------------------------------------------------------------------- batch data
def _manifest_scenarios(manifest: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """Scenario names (in manifest order) and resolved TOML texts found in a manifest.

    Accepts ``scenarios`` as a list of names, a list of tables with ``name`` and a TOML text
    (``toml``, ``resolved_toml`` or ``resolved``), or a table name -> TOML text / table.
    """
    entries = manifest.get("scenarios")
    names: list[str] = []
    texts: dict[str, str] = {}
    if isinstance(entries, dict):
        entries = [{"name": key, "toml": value} if isinstance(value, str) else {"name": key, **value}
                   for key, value in entries.items() if isinstance(value, (str, dict))]
    if not isinstance(entries, list):
        return names, texts
    for entry in entries:
        if isinstance(entry, str):
            names.append(entry)
            continue
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            continue
        names.append(entry["name"])
        for key in ("toml", "resolved_toml", "resolved", "scenario_toml"):
            if isinstance(entry.get(key), str):
                texts[entry["name"]] = entry[key]
                break
    return names, texts


@dataclass
class Batch:
    """A batch directory opened for plotting and reporting.

    Attributes:
        out: The batch directory.
        store: Its :class:`sim.io.store.BatchStore`.
        manifest: ``manifest.json`` (empty dict when absent).
        scenarios: Scenarios with at least one finished run, in manifest order (else sorted).
        all_scenarios: Every scenario named in the manifest or with a run or a failure.
        resolved: Scenario definitions rebuilt from the manifest (may be empty).
        resolve_problems: Why a scenario's definition could not be rebuilt, by scenario.
        baseline: The scenario the others are compared with.
        counterfactual: The scenario without programmes (a name like ``*no_policy*``), if any.
        colours: Scenario -> colour, fixed for every figure.
    """

    out: Path
    store: BatchStore
    manifest: dict[str, Any]
    scenarios: list[str]
    all_scenarios: list[str]
    resolved: dict[str, Scenario]
    resolve_problems: dict[str, str]
    baseline: str
    counterfactual: str | None
    colours: dict[str, tuple[float, float, float, float]]
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def scale(self) -> float | None:
        """Population scale of the batch's runs, when the manifest records it."""
        value = self.manifest.get("scale")
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None

    def period(self) -> str:
        """The simulated years, e.g. ``"2018-2022"`` (from the baseline's definition or the data)."""
        scenario = self.resolved.get(self.baseline) or next(iter(self.resolved.values()), None)
        if scenario is not None:
            start, end = scenario.period.start, scenario.period.end
        else:
            months = self.monthly()["month"]
            start, end = str(months.min()), str(months.max())
        return start[:4] if start[:4] == end[:4] else f"{start[:4]}-{end[:4]}"

    def scale_note(self) -> str:
        """A note on the population scale of the runs (empty at scale 1 or when unknown)."""
        scale = self.scale
        if scale is None or scale == 1:
            return ""
        share = f"{scale:.0%} of" if scale < 1 else f"{scale:g} times"
        return f"runs at scale {scale:g}: founders, firms, jobs and budgets are {share} the district's"

    def _cached(self, key: str, load: Callable[[], pd.DataFrame]) -> pd.DataFrame:
        """Load a table once per batch."""
        if key not in self._cache:
            self._cache[key] = load()
        return self._cache[key]

    def metrics(self) -> pd.DataFrame:
        """One row per finished run (cached)."""
        return self._cached("metrics", self.store.metrics)

    def monthly(self) -> pd.DataFrame:
        """Monthly tables of every finished run with a ``date`` column, the month's last day (cached)."""

        def load() -> pd.DataFrame:
            frame = self.store.monthly()
            # a month's row holds its end-of-month state, so it is drawn at the month's last day
            frame["date"] = pd.to_datetime(frame["month"], format="%Y-%m") + pd.offsets.MonthEnd(0)
            return frame

        return self._cached("monthly", load)

    def targets(self) -> pd.DataFrame:
        """Target attainment of every finished run (cached)."""
        return self._cached("targets", self.store.targets)

    def failures(self) -> pd.DataFrame:
        """Runs that raised (cached)."""
        return self._cached("failures", self.store.failures)

    def firms(self, columns: list[str], scenarios: list[str] | None = None) -> pd.DataFrame:
        """Selected columns of the firm tables (all replications pooled), read column-wise."""
        frames = []
        for scenario, replication in self.store.completed_runs():
            if scenarios is not None and scenario not in scenarios:
                continue
            frame = pd.read_parquet(self.store.run_dir(scenario, replication) / "firms.parquet", columns=columns)
            frames.append(frame.assign(scenario=scenario, replication=replication))
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=[*columns, "scenario"])

    def comparison(self) -> pd.DataFrame:
        """:func:`sim.analysis.compare.compare_batch` of this batch (cached; writes OUT/comparison.csv)."""
        return self._cached(
            "comparison",
            lambda: compare_batch(self.out, baseline=self.baseline, counterfactual=self.counterfactual),
        )

    def shocks(self) -> list[tuple[str, pd.Timestamp, pd.Timestamp]] | None:
        """Distinct shock windows ``(label, first day, day after the last shock month)``.

        The union over the scenarios whose definitions the manifest holds; ``None`` when it holds
        none (the figures then say so instead of shading).
        """
        if not self.resolved:
            return None
        windows: dict[tuple[str, int], str] = {}
        for scenario in self.resolved.values():
            for name, shock in scenario.shocks.items():
                if shock.months > 0:
                    windows.setdefault((shock.start, shock.months), name.replace("_", " "))
        result = []
        for (start, months), label in sorted(windows.items()):
            first = pd.Timestamp(start + "-01")
            result.append((label, first, first + pd.DateOffset(months=months)))
        return result


def _choose(names: list[str], requested: str | None) -> str | None:
    if requested is not None and requested not in names:
        raise UsageError(f"scenario {requested!r} has no finished run in this batch (have: {', '.join(names)})")
    return requested


def load_batch(out: str | Path, baseline: str | None = None, counterfactual: str | None = None) -> Batch:
    """Open a batch directory for the figures and the report.

    Args:
        out: Batch directory written by ``startup-sim batch`` (or :class:`sim.io.store.BatchStore`).
        baseline: Scenario the others are compared with (default
            :func:`sim.analysis.compare.default_baseline`: the one name ending in ``baseline``, else the first).
        counterfactual: Scenario without programmes (default
            :func:`sim.analysis.compare.default_counterfactual`: the first name containing ``no_policy``;
            ``None`` if there is none).

    Raises:
        UsageError: If ``out`` is missing, not a directory, empty, or holds no finished run.
    """
    if isinstance(out, Batch):
        return out
    root = Path(out)
    if not root.exists():
        raise UsageError(f"{root}: no such batch directory")
    if not root.is_dir():
        raise UsageError(f"{root}: not a directory")
    store = BatchStore(root)
    runs = store.completed_runs()
    if not runs:
        what = "is empty" if not any(root.iterdir()) else "holds no finished run (runs/<scenario>/r0000/)"
        raise UsageError(f"{root}: {what}; run a batch into it first")
    try:
        manifest = store.manifest()
    except (OSError, ValueError) as exc:
        raise UsageError(f"{root / 'manifest.json'}: unreadable ({exc})") from None
    if not isinstance(manifest, dict):
        manifest = {}
    listed, texts = _manifest_scenarios(manifest)
    with_runs = sorted({scenario for scenario, _ in runs})
    failed = sorted(set(store.failures()["scenario"]))
    order = [name for name in listed if name in with_runs] + [n for n in with_runs if n not in listed]
    all_scenarios = list(dict.fromkeys([*listed, *with_runs, *failed]))
    resolved: dict[str, Scenario] = {}
    problems: dict[str, str] = {}
    for name, text in texts.items():
        try:
            resolved[name] = validate_dict(tomllib.loads(text), f"manifest.json: scenarios.{name}")
        except (tomllib.TOMLDecodeError, ScenarioError) as exc:
            problems[name] = " ".join(str(exc).split())
    for name in all_scenarios:
        if name not in resolved and name not in problems:
            problems[name] = "the manifest holds no resolved definition"
    base = _choose(order, baseline) or default_baseline(order)
    counter = _choose(order, counterfactual) if counterfactual else default_counterfactual(order)
    if counter == base:
        counter = None
    return Batch(
        out=root,
        store=store,
        manifest=manifest,
        scenarios=order,
        all_scenarios=all_scenarios,
        resolved=resolved,
        resolve_problems=problems,
        baseline=base,
        counterfactual=counter,
        colours=scenario_colours(all_scenarios),
    )


# --------------------------------------------------------------------------- helpers
def _new_figure(width: float, height: float) -> Figure:
    """A figure on its own Agg canvas: no pyplot, no GUI, and the global backend left alone."""
    fig = Figure(figsize=(width, height), layout="constrained", dpi=100)
    FigureCanvasAgg(fig)
    return fig


def _legend_width(names: list[str]) -> float:
    longest = max((len(line) for name in names for line in wrap(name).split("\n")), default=10)
    return 0.6 + 0.075 * longest


def _scenario_legend(fig: Figure, batch: Batch, names: list[str], extra: list[tuple[Any, str]] = ()) -> None:
    handles = [Line2D([], [], color=batch.colours[name], lw=3) for name in names]
    labels = [wrap(name) for name in names]
    for handle, label in extra:
        handles.append(handle)
        labels.append(label)
    fig.legend(handles, labels, loc="outside right upper", title="Scenario", frameon=False, fontsize=9)


def _note(ax, text: str) -> None:
    """A short italic note at the bottom left of an axes (e.g. why shading is missing)."""
    ax.text(0.01, 0.02, text, transform=ax.transAxes, fontsize=8, style="italic", color="0.35",
            ha="left", va="bottom", wrap=True)


def _year_axis(ax) -> None:
    ax.xaxis.set_major_locator(YearLocator())
    ax.xaxis.set_major_formatter(matplotlib.dates.DateFormatter("%Y"))
    ax.set_xlabel("Year")


def _shade_shocks(ax, batch: Batch, label_top: bool) -> bool:
    """Shade the shock months; returns False (and writes a note) when they are unknown."""
    shocks = batch.shocks()
    if shocks is None:
        _note(ax, "Shock months not shaded: the batch manifest holds no resolved scenarios.")
        return False
    for label, first, end in shocks:
        ax.axvspan(first, end, color="0.6", alpha=0.25, lw=0, zorder=0)
        if label_top:
            ax.annotate(label, xy=(first, 1.0), xycoords=("data", "axes fraction"), xytext=(2, -2),
                        textcoords="offset points", fontsize=8, color="0.3", va="top", ha="left")
    return True


def _band_alpha(n_scenarios: int) -> float:
    """Opacity of replication bands: lighter when many scenarios overlap."""
    return 0.18 if n_scenarios <= 4 else 0.09


def _band(frame: pd.DataFrame, column: str, factor: float = 1.0) -> pd.DataFrame:
    """Median and 5th-95th percentile over replications of a monthly column, by date."""
    grouped = frame.groupby("date")[column]
    return pd.DataFrame(
        {
            "median": grouped.median() * factor,
            "low": grouped.quantile(BAND[0] / 100) * factor,
            "high": grouped.quantile(BAND[1] / 100) * factor,
        }
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


def _survival_axes(ax, lowest: float) -> None:
    ax.set_xlabel("Firm age (years)")
    ax.set_ylabel("Firms still operating (%)")
    ax.yaxis.set_major_formatter(PERCENT)
    floor = max(0.0, math.floor((lowest * 100 - 2) / 5) * 5)
    ax.set_ylim(floor, 100.5)
    ax.set_xlim(left=0)
    ax.grid(alpha=0.3)


# --------------------------------------------------------------------------- figures
def fig_survival_by_scenario(batch: Batch | str | Path) -> Figure:
    """Figure 1a, how long do new firms survive under each scenario: Kaplan-Meier by scenario.

    Left: Kaplan-Meier curves with 95% bands, firms of all replications of a scenario pooled.
    Right: the share surviving three years (or the longest whole number of years observed) with
    its 95% interval, one row per scenario, so close curves can still be told apart.
    """
    batch = load_batch(batch)
    firms = batch.firms(["lifetime_months", "censored"])
    n = len(batch.scenarios)
    fig = _new_figure(12.5 + _legend_width(batch.scenarios), 5.4 + 0.22 * max(0, n - 6))
    ax, dots = fig.subplots(1, 2, width_ratios=[2.2, 1.0])
    horizon = max(1, min(3, int(firms["lifetime_months"].max() // 12))) if len(firms) else 3
    lowest = 1.0
    rows = []
    for name in batch.scenarios:
        sub = firms[firms["scenario"] == name]
        colour = batch.colours[name]
        lowest = min(lowest, _draw_km(ax, sub["lifetime_months"], sub["censored"], colour, wrap(name),
                                      alpha=_band_alpha(n)))
        rows.append((name, *survival_at_age(sub["lifetime_months"], sub["censored"], horizon)))
    _survival_axes(ax, lowest)
    ax.axvline(horizon, color="0.4", lw=0.8, ls=":")
    ax.set_title("Share of firms still operating, by firm age (95% bands)")
    ys = np.arange(n)[::-1]
    for y, (name, value, low, high) in zip(ys, rows, strict=True):
        dots.errorbar(value * 100, y, xerr=[[max(value - low, 0) * 100], [max(high - value, 0) * 100]], fmt="o",
                      color=batch.colours[name], ms=7, capsize=4, lw=1.5)
    dots.set_yticks(ys, [wrap(name) for name in batch.scenarios])
    for tick, name in zip(dots.get_yticklabels(), batch.scenarios, strict=True):
        tick.set_color(text_colour(batch.colours[name]))
    dots.set_ylim(-0.6, n - 0.4)
    dots.set_xlabel(f"Firms still operating after {horizon} year{'s' if horizon > 1 else ''} (%)")
    dots.xaxis.set_major_formatter(PERCENT)
    dots.grid(axis="x", alpha=0.3)
    dots.set_title(f"Survival to age {horizon} (95% CIs)")
    fig.suptitle(_title("How long do new firms survive?",
                        "Kaplan-Meier, firms of all replications of a scenario pooled", batch, fig))
    _scenario_legend(fig, batch, batch.scenarios)
    return fig


def fig_survival_by_group(batch: Batch | str | Path, scenario: str | None = None) -> Figure:
    """Figure 1b, do supported firms survive longer: survival by group within one scenario.

    Three panels: incubated vs not, with a start-up loan vs without, young graduates vs other
    founders. These are descriptive comparisons: supported firms are also selected firms.
    """
    batch = load_batch(batch)
    scenario = scenario or batch.baseline
    firms = batch.firms(["lifetime_months", "censored", "incubated", "loan", "founder_type"], [scenario])
    colour = batch.colours[scenario]
    groups = [
        ("Incubated or not", firms["incubated"].astype(bool), "incubated", "never incubated"),
        ("With a start-up loan or without", firms["loan"].astype(bool), "with a loan", "without a loan"),
        ("Young graduates or other founders", firms["founder_type"] == "young_graduate",
         "young graduates", "other founders"),
    ]
    fig = _new_figure(15, 5.0)
    axes = fig.subplots(1, 3, sharey=True)
    lowest = 1.0
    for ax, (title, mask, yes, no) in zip(axes, groups, strict=True):
        mask = mask.to_numpy()
        for selected, label, style, tint in ((mask, yes, "-", colour), (~mask, no, "--", "0.35")):
            sub = firms[selected]
            if len(sub) == 0:
                continue
            lowest = min(lowest, _draw_km(ax, sub["lifetime_months"], sub["censored"], tint,
                                          f"{label} ({len(sub):,} firms)", linestyle=style))
        ax.set_title(title)
        ax.legend(loc="lower left", fontsize=9, frameon=True)
    for ax in axes:
        _survival_axes(ax, lowest)
    for ax in axes[1:]:
        ax.set_ylabel("")
    fig.suptitle(f"Do supported firms survive longer? Kaplan-Meier survival within scenario '{scenario}'\n"
                 "(95% bands; descriptive: supported firms are also selected, so gaps are not causal effects)")
    return fig


def fig_active_firms_and_jobs(batch: Batch | str | Path) -> Figure:
    """Figure 2, how many firms operate and how many jobs they hold, month by month.

    Median over replications with the 5th-95th percentile band; shock months shaded.
    """
    batch = load_batch(batch)
    monthly = batch.monthly()
    n = len(batch.scenarios)
    fig = _new_figure(10 + _legend_width(batch.scenarios), 8.0 + 0.1 * max(0, n - 6))
    axes = fig.subplots(2, 1, sharex=True)
    panels = (("active_firms", "Active firms (firms)", "Firms operating"),
              ("jobs", "Jobs in active firms (jobs)", "Jobs in these firms"))
    for ax, (column, ylabel, title) in zip(axes, panels, strict=True):
        for name in batch.scenarios:
            band = _band(monthly[monthly["scenario"] == name], column)
            ax.plot(band.index, band["median"], color=batch.colours[name], lw=1.8, label=wrap(name))
            ax.fill_between(band.index, band["low"], band["high"], color=batch.colours[name],
                            alpha=_band_alpha(n), lw=0)
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        ax.yaxis.set_major_formatter(PLAIN)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
    shaded = _shade_shocks(axes[0], batch, label_top=True)
    if shaded:
        _shade_shocks(axes[1], batch, label_top=False)
    _year_axis(axes[1])
    axes[0].tick_params(labelbottom=True)
    fig.suptitle(_title("How many young firms operate, and how many jobs do they hold?",
                        "lines: median of replications; coloured bands: 90% of replications; "
                        "grey: shock months", batch, fig))
    extra = [(Patch(color="0.6", alpha=0.25), "shock months")] if shaded else []
    _scenario_legend(fig, batch, batch.scenarios, extra)
    return fig


def _probability_text(met: pd.Series) -> str:
    return f"P(meet) {met.mean():.0%} ({int(met.sum())}/{len(met)})"


def _title(question: str, detail: str, batch: Batch, fig: Figure, legend_in: float | None = None) -> str:
    """A figure title: the question in plain words, then how to read it and the batch's scale.

    Lines are wrapped to the width left free by a legend at the figure's right (``legend_in``
    inches; default the scenario legend's), so the centred title never runs into it.
    """
    width_in = float(fig.get_size_inches()[0])
    legend = _legend_width(batch.scenarios) if legend_in is None else legend_in
    free = width_in - 2 * max(legend, 0.3)
    chars = max(40, int(free * 9))
    parts = [detail, batch.scale_note()]
    second = "; ".join(p for p in parts if p)
    lines = textwrap.wrap(question, chars) + (textwrap.wrap(f"({second})", chars) if second else [])
    return "\n".join(lines)


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
    fig = _new_figure(12.0, max(3.0, row_height * max(len(keys), 1) + 1.2))
    question = "Does each scenario meet the district's targets?"
    if not keys:
        ax = fig.add_subplot()
        ax.axis("off")
        ax.text(0.5, 0.5, "The scenarios of this batch set no targets.", ha="center", va="center", fontsize=12)
        fig.suptitle(question)
        return fig
    axes = np.atleast_1d(fig.subplots(len(keys), 1))
    rng = np.random.default_rng(0)  # vertical jitter of the dots only; fixed so figures are reproducible
    for ax, (metric, op) in zip(axes, keys, strict=True):
        rows = targets[(targets["metric"] == metric) & (targets["op"] == op)]
        label = str(rows["label"].iloc[0]) or metric
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
            colours.append(batch.colours[name])
            ax.scatter(values, y + rng.uniform(-0.18, 0.18, len(values)), s=16, color=batch.colours[name],
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
            tick.set_color(text_colour(batch.colours[name]))
        ax.set_ylim(-0.6, n - 0.4)
        ax.set_xlabel(f"Simulated outcome, {batch.period()} ({unit})" if unit else "Simulated outcome")
        ax.xaxis.set_major_formatter(PLAIN)
        ax.grid(axis="x", alpha=0.3)
        goal_text = " / ".join(_plain_number(g) for g in goals_all)
        ax.set_title(f"Target: {label}  ({op} {goal_text}{' ' + unit if unit else ''})", loc="left", fontsize=11)
    axes[0].legend([Line2D([], [], color="black", lw=2, ls="--")], ["target"], loc="lower right", fontsize=9)
    scale = batch.scale
    scaled = f"count targets multiplied by the scale {scale:g}" if scale and scale != 1 else ""
    fig.suptitle(_title(question, "; ".join(p for p in (
        "one dot per replication; P(meet) = share of replications meeting the target", scaled) if p), batch, fig,
        legend_in=0.0))
    return fig


LEVER_COLUMNS = ["scenario", "jobs", "jobs_low", "jobs_high", "cost", "cost_low", "cost_high",
                 "cost_per_job", "cost_per_job_low", "cost_per_job_high"]


def lever_table(batch: Batch | str | Path) -> pd.DataFrame:
    """Additional jobs and fiscal cost of each scenario against the counterfactual, with intervals.

    Read from the ``additionality`` rows of :func:`sim.analysis.compare.compare_batch`: differences paired
    by replication (t-intervals) and the cost per additional job as a ratio of means with a paired
    bootstrap interval (NaN where the mean additional jobs are not positive).

    Returns:
        One row per scenario other than the counterfactual: ``scenario, jobs, jobs_low, jobs_high,
        cost, cost_low, cost_high, cost_per_job, cost_per_job_low, cost_per_job_high`` (jobs in
        jobs, money in yuan); empty when the batch has no counterfactual.
    """
    batch = load_batch(batch)
    columns = LEVER_COLUMNS
    if batch.counterfactual is None:
        return pd.DataFrame(columns=columns)
    table = batch.comparison()
    add = table[table["section"] == "additionality"].set_index(["scenario", "metric"])
    parts = ("additional_jobs", "additional_fiscal_cost_yuan", "fiscal_cost_per_additional_job_yuan")
    rows = []
    for name in batch.scenarios:
        if name == batch.counterfactual:
            continue
        row: list[Any] = [name]
        for metric in parts:
            if (name, metric) in add.index:
                found = add.loc[(name, metric)]
                row += [float(found["estimate"]), float(found["ci_low"]), float(found["ci_high"])]
            else:
                row += [float("nan")] * 3
        rows.append(row)
    return pd.DataFrame(rows, columns=columns)


def money_unit(values: Any) -> tuple[float, str]:
    """Multiplier and name of a readable money unit for these yuan amounts.

    Million yuan from 1 million up, thousand yuan from 1,000 up, else yuan.
    """
    data = np.abs(np.asarray(values, dtype=float))
    data = data[np.isfinite(data)]
    largest = float(data.max()) if len(data) else 0.0
    if largest >= 1e6:
        return MILLION, "million yuan"
    if largest >= 1e3:
        return 1e-3, "thousand yuan"
    return 1.0, "yuan"


def _common_prefix(names: list[str]) -> str:
    """The longest prefix ending in ``_`` shared by every name (``putuo_`` in a Putuo batch)."""
    if len(names) < 2:
        return ""
    prefix = names[0]
    for name in names[1:]:
        while not name.startswith(prefix):
            prefix = prefix[:-1]
    return prefix[: prefix.rfind("_") + 1]


def _asymmetric(estimate: float, low: float, high: float, factor: float) -> list[list[float]] | None:
    if not (np.isfinite(low) and np.isfinite(high)):
        return None
    return [[max(estimate - low, 0) * factor], [max(high - estimate, 0) * factor]]


def _cap(text: str) -> str:
    """First letter upper case, the rest as it is."""
    return text[:1].upper() + text[1:]


def total_table(batch: Batch | str | Path) -> pd.DataFrame:
    """Jobs, fiscal cost and cost per job of each scenario (means with 95% CIs), not differences.

    The fallback of the levers figure when the batch has no counterfactual; read from the
    ``mean`` rows of :func:`sim.analysis.compare.compare_batch`. Same columns as :func:`lever_table`.
    """
    batch = load_batch(batch)
    table = batch.comparison()
    means = table[table["section"] == "mean"].set_index(["scenario", "metric"])
    rows = []
    for name in batch.scenarios:
        row: list[Any] = [name]
        for metric in ("jobs_created", "fiscal_cost_yuan", "cost_per_job_yuan"):
            if (name, metric) in means.index:
                found = means.loc[(name, metric)]
                row += [float(found["estimate"]), float(found["ci_low"]), float(found["ci_high"])]
            else:
                row += [float("nan")] * 3
        rows.append(row)
    return pd.DataFrame(rows, columns=LEVER_COLUMNS)


def fig_levers(batch: Batch | str | Path) -> Figure:
    """Figure 4, which policy mix buys the most additional jobs for its fiscal cost.

    Left: additional jobs against additional fiscal cost, both against the counterfactual, with
    95% intervals. Right: cost per additional job, ranked (cheapest first); hatched bars where the
    additional jobs' interval includes zero. Without a counterfactual the figure shows totals
    (jobs, fiscal cost, cost per job) instead and says so.
    """
    batch = load_batch(batch)
    additional = batch.counterfactual is not None
    table = lever_table(batch) if additional else total_table(batch)
    extra = "additional " if additional else ""
    names = list(table["scenario"])
    question = "Which policy mix buys the most additional jobs for its fiscal cost?"
    fig = _new_figure(14.0 + _legend_width(batch.scenarios), 5.8 + 0.25 * max(0, len(names) - 6))
    left, right = fig.subplots(1, 2, width_ratios=[1.1, 1.0])
    cost_factor, cost_unit = money_unit(table[["cost", "cost_low", "cost_high"]].to_numpy())
    prefix = _common_prefix(batch.scenarios)
    for row in table.itertuples():
        left.errorbar(row.cost * cost_factor, row.jobs,
                      xerr=_asymmetric(row.cost, row.cost_low, row.cost_high, cost_factor),
                      yerr=_asymmetric(row.jobs, row.jobs_low, row.jobs_high, 1.0),
                      fmt="o", color=batch.colours[row.scenario], ms=8, capsize=4, lw=1.5, zorder=3)
        if np.isfinite(row.cost) and np.isfinite(row.jobs):
            left.annotate(row.scenario[len(prefix):], (row.cost * cost_factor, row.jobs), xytext=(6, 4),
                          textcoords="offset points", fontsize=7.5, color=text_colour(batch.colours[row.scenario]))
    if additional:
        left.scatter([0], [0], marker="s", s=60, color=batch.colours[batch.counterfactual], zorder=5)
        left.annotate(f"counterfactual: {batch.counterfactual}", (0, 0), xytext=(8, -14),
                      textcoords="offset points", fontsize=8, color="0.25")
    left.axhline(0, color="0.5", lw=0.8)
    left.axvline(0, color="0.5", lw=0.8)
    left.set_xlabel(_cap(f"{extra}fiscal cost, {batch.period()} ({cost_unit})"))
    left.set_ylabel(_cap(f"{extra}jobs at the end of {batch.period()[-4:]} (jobs)"))
    left.xaxis.set_major_formatter(PLAIN)
    left.yaxis.set_major_formatter(PLAIN)
    left.grid(alpha=0.3)
    left.set_title(_cap(f"{extra}jobs against {extra}fiscal cost (95% CIs)"))

    ranked = table.sort_values("cost_per_job", na_position="last").reset_index(drop=True)
    ys = np.arange(len(ranked))[::-1]
    top = np.nanmax(np.r_[ranked["cost_per_job_high"].to_numpy(float), ranked["cost_per_job"].to_numpy(float), 0])
    for y, row in zip(ys, ranked.itertuples(), strict=True):
        colour = batch.colours[row.scenario]
        if np.isfinite(row.cost_per_job) and row.cost_per_job > 0:
            significant = not additional or (np.isfinite(row.jobs_low) and row.jobs_low > 0)
            err = _asymmetric(row.cost_per_job, row.cost_per_job_low, row.cost_per_job_high, 1.0)
            right.barh(y, row.cost_per_job, color=colour if significant else "white",
                       edgecolor=colour, hatch=None if significant else "///", xerr=err, capsize=4, height=0.6)
            note = _plain_number(row.cost_per_job) + ("" if significant else "  (gain in jobs not significant)")
            end = row.cost_per_job_high if np.isfinite(row.cost_per_job_high) else row.cost_per_job
            right.annotate(note, (max(end, row.cost_per_job), y), xytext=(5, 0),
                           textcoords="offset points", va="center", fontsize=8)
        else:
            right.annotate(f"no {extra}jobs" if additional else "no public spending", (0, y), xytext=(4, 0),
                           textcoords="offset points", va="center", fontsize=8, style="italic")
    right.set_yticks(ys, [wrap(name) for name in ranked["scenario"]])
    for tick, name in zip(right.get_yticklabels(), ranked["scenario"], strict=True):
        tick.set_color(text_colour(batch.colours[name]))
    right.set_xlim(0, max(float(top) * 1.3, 1.0))
    right.set_ylim(-0.6, len(ranked) - 0.4)
    right.set_xlabel(f"Fiscal cost per {extra}job (yuan per job)")  # yuan, as in the report's tables
    right.xaxis.set_major_formatter(PLAIN)
    right.grid(axis="x", alpha=0.3)
    right.set_title(f"Cost per {extra}job, cheapest first (95% CIs)")
    if additional:
        detail = (f"differences paired by replication against '{batch.counterfactual}', "
                  "where every programme is off")
    else:
        detail = ("no counterfactual in this batch (no scenario named like '*no_policy*'): totals shown, "
                  "not additional jobs")
    fig.suptitle(_title(question, detail, batch, fig))
    _scenario_legend(fig, batch, batch.scenarios)
    return fig


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
    fig = _new_figure(max(5.2 * ncols, 8.0) + PROGRAMME_LEGEND_IN, 3.3 * nrows + 1.5)
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
        ax.set_title(wrap(name, 40), color=text_colour(batch.colours[name]), fontsize=10, fontweight="bold")
        ax.spines["top"].set(color=batch.colours[name], linewidth=4)
        ax.annotate(f"total {total:,.1f} million yuan", xy=(0.02, 0.97), xycoords="axes fraction", va="top",
                    fontsize=8, color="0.25")
        if total == 0:
            ax.text(0.5, 0.5, "no public spending", transform=ax.transAxes, ha="center", fontsize=9,
                    style="italic", color="0.4")
        if index % ncols == 0:
            ax.set_ylabel("Spending (million yuan per quarter)", fontsize=9)
        ax.yaxis.set_major_formatter(PLAIN)
        ax.grid(axis="y", alpha=0.3)
        _year_axis(ax)
        ax.tick_params(labelbottom=True)
    for ax in axes.flat[len(names):]:
        ax.axis("off")
    handles = [Patch(color=colours[p]) for p in PROGRAMMES]
    fig.legend(handles, [PROGRAMME_LABELS[p] for p in PROGRAMMES], loc="outside right upper", title="Programme",
               frameon=False, fontsize=9)
    fig.suptitle(_title("Where does the public money go? Spending by programme, quarter by quarter",
                        "mean of replications", batch, fig, legend_in=PROGRAMME_LEGEND_IN))
    return fig


def default_rates(batch: Batch | str | Path) -> pd.DataFrame:
    """Start-up loan default rate by scenario and founder type, replications pooled.

    The interval is the 95% Wilson score interval of the proportion of defaulted loans
    (:func:`sim.analysis.compare.proportion_ci`).

    Returns:
        ``scenario, founder_type, loans, defaulted, rate, low, high``.
    """
    batch = load_batch(batch)
    firms = batch.firms(["founder_type", "loan", "loan_defaulted"])
    loans = firms[firms["loan"].astype(bool)]
    rows = []
    for name in batch.scenarios:
        for founder in FOUNDER_LABELS:
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
    fig = _new_figure(13 + _legend_width(batch.scenarios), 9.0 + 0.1 * max(0, n - 6))
    axes = fig.subplots(2, 2)
    panels = (
        ("loans_disbursed_yuan", "Loans disbursed (million yuan per quarter)", "Lent each quarter"),
        ("loans_outstanding_yuan", "Loans outstanding (million yuan)", "Still owed to the banks"),
        ("defaulted_cum", "Defaulted loans, cumulative (million yuan)", f"Gone bad since {batch.period()[:4]}"),
    )
    for ax, (column, ylabel, title) in zip(axes.ravel()[:3], panels, strict=True):
        for name in batch.scenarios:
            source = quarterly if column == "loans_disbursed_yuan" else monthly
            band = _band(source[source["scenario"] == name], column, MILLION)
            ax.plot(band.index, band["median"], color=batch.colours[name], lw=1.6)
            ax.fill_between(band.index, band["low"], band["high"], color=batch.colours[name],
                            alpha=_band_alpha(n), lw=0)
        _shade_shocks(ax, batch, label_top=column == "loans_disbursed_yuan")
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        ax.yaxis.set_major_formatter(PLAIN)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        _year_axis(ax)
    ax = axes[1, 1]
    rates = default_rates(batch)
    founders = list(FOUNDER_LABELS)
    width = 0.8 / max(n, 1)
    for i, name in enumerate(batch.scenarios):
        sub = rates[rates["scenario"] == name].set_index("founder_type").reindex(founders)
        sub = sub.where(sub["loans"] >= MIN_LOANS)  # too few loans for a readable rate: left out
        x = np.arange(len(founders)) - 0.4 + width * (i + 0.5)
        rate = sub["rate"].to_numpy(float) * 100
        err = np.vstack([rate - sub["low"].to_numpy(float) * 100, sub["high"].to_numpy(float) * 100 - rate])
        ax.bar(x, np.nan_to_num(rate), width=width * 0.95, color=batch.colours[name],
               yerr=np.nan_to_num(np.clip(err, 0, None)), capsize=2, error_kw={"lw": 0.8})
    labels = []
    for founder in founders:
        count = int(rates.loc[rates["founder_type"] == founder, "loans"].sum())
        labels.append(f"{FOUNDER_LABELS[founder]}\n({count:,} loans, all scenarios)")
    ax.set_xticks(np.arange(len(founders)), labels)
    ax.set_ylabel("Loans defaulted (% of loans)")
    ax.yaxis.set_major_formatter(PERCENT)
    ax.set_title(f"Default rate by founder type (95% Wilson intervals;\nbars left out below {MIN_LOANS} loans)")
    ax.grid(axis="y", alpha=0.3)
    fig.suptitle(_title("Start-up loans: how much is lent, how much is still owed, how much goes bad, and for whom?",
                        "lines: median of replications; coloured bands: 90% of replications; grey: shock months",
                        batch, fig))
    _scenario_legend(fig, batch, batch.scenarios)
    return fig


# --------------------------------------------------------------------------- registry and output
@dataclass(frozen=True)
class FigureSpec:
    """A figure of the set: file stem, function and the caption the report shows."""

    stem: str
    function: Callable[[Batch], Figure]
    title: str
    caption: str


FIGURES: tuple[FigureSpec, ...] = (
    FigureSpec("survival_by_scenario", fig_survival_by_scenario, "Firm survival by scenario",
               "Kaplan-Meier share of firms still operating by firm age, firms of all replications pooled, "
               "with 95% confidence bands."),
    FigureSpec("survival_by_group", fig_survival_by_group, "Firm survival within the baseline",
               "Within the baseline: incubated vs never incubated, with vs without a start-up loan, young "
               "graduates vs other founders. Descriptive: supported firms are also selected firms."),
    FigureSpec("active_firms_and_jobs", fig_active_firms_and_jobs, "Active firms and jobs over time",
               "Median over replications with the band holding 90% of replications; shock months shaded."),
    FigureSpec("target_attainment", fig_target_attainment, "Target attainment",
               "Each replication's outcome against the target; P(meet) is the share of replications meeting it."),
    FigureSpec("levers", fig_levers, "Additional jobs and fiscal cost",
               "Differences against the counterfactual, paired by replication, with 95% confidence intervals; "
               "cost per additional job ranked cheapest first."),
    FigureSpec("spend_by_programme", fig_spend_by_programme, "Spending by programme",
               "Monthly public spending by programme, mean over replications, one panel per scenario."),
    FigureSpec("loans", fig_loans, "Start-up loans",
               "Loans disbursed, outstanding and defaulted (median and 90% band over replications); default "
               "rate by founder type with 95% Wilson intervals, replications pooled."),
)


def build_figures(batch: Batch | str | Path) -> list[tuple[FigureSpec, Figure]]:
    """Every figure of the set for one batch, in report order."""
    batch = load_batch(batch)
    return [(spec, spec.function(batch)) for spec in FIGURES]


def plot_all(out: str | Path, batch: Batch | None = None) -> list[Path]:
    """Write every figure as PNG and SVG under ``OUT/figures/``.

    Args:
        out: Batch directory.
        batch: An already opened batch (to reuse its cached tables), optional.

    Returns:
        Paths written, PNG and SVG of each figure in :data:`FIGURES` order.

    Raises:
        UsageError: If ``out`` holds no finished run.
    """
    batch = batch or load_batch(out)
    folder = batch.out / "figures"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for spec, fig in build_figures(batch):
        for suffix in ("png", "svg"):
            path = folder / f"{spec.stem}.{suffix}"
            write_figure(fig, path, dpi=130 if suffix == "png" else 100)
            written.append(path)
    return written
