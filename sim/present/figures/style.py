"""Shared style of the batch figures: labels, colours, number formats, layout helpers.

One place for what every figure family uses: programme and founder labels, metric labels and
units (words from the catalogues of :mod:`sim.locale` in the current language; units from
:data:`sim.experiments.outcomes.OUTCOMES`), the fixed scenario colours, tick formatters, the
figure factory (Agg canvas, no pyplot), legends, titles, percentile bands and shock shading.
"""

from __future__ import annotations

import re
import textwrap
from typing import Any

import matplotlib
import matplotlib.dates
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import YearLocator
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter

from sim.analysis.compare import compare_batch
from sim.core.population import PROGRAMMES
from sim.experiments.outcomes import display
from sim.io.batch_reader import Batch
from sim.locale import current_language, has, lever_name, metric_name, money_scale, text, text_or
from sim.policy.registry import lever_labels

PROGRAMME_LABELS = lever_labels()
"""English lever labels of the registry (figures use :func:`programme_label`, in the current language)."""
PROGRAMME_LEGEND_IN = 3.4  # width of the programme legend (inches), for layout
FOUNDERS = ("young_graduate", "returnee", "other")


def programme_label(programme: str) -> str:
    """A programme's name in the current language (Chinese: the documents' words, :mod:`sim.locale`)."""
    return lever_name(programme)


def founder_label(founder: str) -> str:
    """A founder type's name in the current language."""
    return text_or(f"founder.{founder}", founder.replace("_", " "))

# Display name, unit and multiplier of each metric (money in million yuan, shares in percent).
MILLION = 1e-6
BAND = (5.0, 95.0)  # percentile band over replications for time series (a 90% band)
CONFIDENCE = 0.95
MIN_LOANS = 10
"""assumption: below 10 loans a default rate is not shown (its 95% Wilson interval is wider than 25
percentage points at any rate; range 5-30)."""
NAME_WRAP = 28  # characters per line of a scenario name in legends and axes




def metric_display(metric: str) -> tuple[str, str, float]:
    """Readable name, display unit and multiplier of a metric in the current language.

    Units and multipliers come from :func:`sim.experiments.outcomes.display`; names and units are
    translated by the catalogue (:mod:`sim.locale`), and money shown in million yuan in English is
    shown in 万元 in Chinese.
    """
    label, unit, factor = display(metric)
    if unit == "million yuan" and current_language() == "zh":
        factor = factor * 100.0  # 1 million yuan = 100 万元
    name = metric_name(metric) if has(f"metric.{metric}") else label
    return name, text_or(f"display_unit.{unit}", unit), factor


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


def scenario_palette(batch: Batch) -> dict[str, tuple[float, float, float, float]]:
    """The batch's scenario -> colour mapping (:func:`scenario_colours` of every scenario; cached)."""
    return batch.cached("colours", lambda: scenario_colours(batch.all_scenarios))


def batch_comparison(batch: Batch) -> pd.DataFrame:
    """:func:`sim.analysis.compare.compare_batch` of the batch with its baseline and counterfactual (cached)."""
    return batch.cached(
        "comparison", lambda: compare_batch(batch, baseline=batch.baseline, counterfactual=batch.counterfactual)
    )


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


def plain_number(value: float, _pos: int | None = None) -> str:
    """Tick label with thousands separators, no scientific notation and no rounded-off digits."""
    if not np.isfinite(value):
        return ""
    if abs(value) >= 100 or value == round(value):
        return f"{value:,.0f}"
    if abs(value) >= 0.01:
        return f"{value:,.4f}".rstrip("0").rstrip(".")
    return f"{value:.2g}"


PLAIN = FuncFormatter(plain_number)
PERCENT = FuncFormatter(lambda value, _pos: f"{round(value, 6):g}%")
"""Tick label of a value already in percent: ``81.5%``, ``100%`` (no spurious decimals)."""


def new_figure(width: float, height: float) -> Figure:
    """A figure on its own Agg canvas: no pyplot, no GUI, and the global backend left alone."""
    fig = Figure(figsize=(width, height), layout="constrained", dpi=100)
    FigureCanvasAgg(fig)
    return fig


def legend_width(names: list[str]) -> float:
    """Width (inches) of a legend listing these scenario names, wrapped."""
    longest = max((len(line) for name in names for line in wrap(name).split("\n")), default=10)
    return 0.6 + 0.075 * longest


def scenario_legend(fig: Figure, batch: Batch, names: list[str], extra: list[tuple[Any, str]] = ()) -> None:
    """The scenario legend outside the plot on the right (plus ``extra`` handles and labels)."""
    handles = [Line2D([], [], color=scenario_palette(batch)[name], lw=3) for name in names]
    labels = [wrap(name) for name in names]
    for handle, label in extra:
        handles.append(handle)
        labels.append(label)
    fig.legend(handles, labels, loc="outside right upper", title=text("figure.scenario"), frameon=False, fontsize=9)


def add_note(ax, text: str) -> None:
    """A short italic note at the bottom left of an axes (e.g. why shading is missing)."""
    ax.text(0.01, 0.02, text, transform=ax.transAxes, fontsize=8, style="italic", color="0.35",
            ha="left", va="bottom", wrap=True)


def year_axis(ax) -> None:
    """Calendar years on the x axis."""
    ax.xaxis.set_major_locator(YearLocator())
    ax.xaxis.set_major_formatter(matplotlib.dates.DateFormatter("%Y"))
    ax.set_xlabel(text("figure.year"))


def shade_shocks(ax, batch: Batch, label_top: bool) -> bool:
    """Shade the shock months; returns False (and writes a note) when they are unknown."""
    shocks = batch.shocks()
    if shocks is None:
        add_note(ax, text("figure.shocks_unknown"))
        return False
    for label, first, end in shocks:
        ax.axvspan(first, end, color="0.6", alpha=0.25, lw=0, zorder=0)
        label = text_or(f"shock.{label.replace(' ', '_')}", label)
        if label_top:
            ax.annotate(label, xy=(first, 1.0), xycoords=("data", "axes fraction"), xytext=(2, -2),
                        textcoords="offset points", fontsize=8, color="0.3", va="top", ha="left")
    return True


def band_alpha(n_scenarios: int) -> float:
    """Opacity of replication bands: lighter when many scenarios overlap."""
    return 0.18 if n_scenarios <= 4 else 0.09


def percentile_band(frame: pd.DataFrame, column: str, factor: float = 1.0) -> pd.DataFrame:
    """Median and 5th-95th percentile over replications of a monthly column, by date."""
    grouped = frame.groupby("date")[column]
    return pd.DataFrame(
        {
            "median": grouped.median() * factor,
            "low": grouped.quantile(BAND[0] / 100) * factor,
            "high": grouped.quantile(BAND[1] / 100) * factor,
        }
    )


def figure_title(question: str, detail: str, batch: Batch, fig: Figure, legend_in: float | None = None) -> str:
    """A figure title: the question in plain words, then how to read it and the batch's scale.

    Lines are wrapped to the width left free by a legend at the figure's right (``legend_in``
    inches; default the scenario legend's), so the centred title never runs into it.
    """
    width_in = float(fig.get_size_inches()[0])
    legend = legend_width(batch.scenarios) if legend_in is None else legend_in
    free = width_in - 2 * max(legend, 0.3)
    chars = max(40, int(free * 9))
    if current_language() == "zh":  # a Chinese character is about twice as wide as a Latin one
        chars //= 2
    parts = [detail, scale_note(batch)]
    second = "; ".join(p for p in parts if p)
    lines = textwrap.wrap(question, chars) + (textwrap.wrap(f"({second})", chars) if second else [])
    return "\n".join(lines)


def scale_note(batch: Batch) -> str:
    """A note on the population scale of the runs in the current language (empty at scale 1 or unknown)."""
    scale = batch.scale
    if scale is None or scale == 1:
        return ""
    share = text("figure.share_of", pct=f"{scale:.0%}") if scale < 1 else text("figure.times", k=f"{scale:g}")
    return text("figure.scale_note", scale=f"{scale:g}", share=share)


def money_unit(values: Any) -> tuple[float, str]:
    """Multiplier and name of a readable money unit for these yuan amounts.

    English: million yuan from 1 million up, thousand yuan from 1,000 up, else yuan. Chinese: as
    Chinese reports write money (亿元, 万元, 元; :func:`sim.locale.money_scale`).
    """
    if current_language() == "zh":
        return money_scale(np.asarray(values, dtype=float).ravel().tolist())
    data = np.abs(np.asarray(values, dtype=float))
    data = data[np.isfinite(data)]
    largest = float(data.max()) if len(data) else 0.0
    if largest >= 1e6:
        return MILLION, "million yuan"
    if largest >= 1e3:
        return 1e-3, "thousand yuan"
    return 1.0, "yuan"


def common_prefix(names: list[str]) -> str:
    """The longest prefix ending in ``_`` shared by every name (``putuo_`` in a Putuo batch)."""
    if len(names) < 2:
        return ""
    prefix = names[0]
    for name in names[1:]:
        while not name.startswith(prefix):
            prefix = prefix[:-1]
    return prefix[: prefix.rfind("_") + 1]


def asymmetric_errors(estimate: float, low: float, high: float, factor: float) -> list[list[float]] | None:
    """Matplotlib error-bar extents of an interval around an estimate (None if not finite)."""
    if not (np.isfinite(low) and np.isfinite(high)):
        return None
    return [[max(estimate - low, 0) * factor], [max(high - estimate, 0) * factor]]


def capitalise(text: str) -> str:
    """First letter upper case, the rest as it is."""
    return text[:1].upper() + text[1:]
