"""HTML building blocks of the report: the style sheet, escaping, number formats, tables, swatches
and embedded figures (base64 PNG), so the report is one self-contained file.
"""

from __future__ import annotations

import base64
import html
import io
import re
from typing import Any

import numpy as np

from sim.io.batch_reader import Batch
from sim.present.figures.style import scenario_palette

PNG_DPI = 110
"""Resolution of the embedded figures: sharp on screen at the report's width (1,400 px), about
100-300 kB per figure."""

CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 0 auto; max-width: 1400px; padding: 0 24px 48px;
       color: #222; line-height: 1.45; }
h1 { margin-top: 28px; } h2 { border-bottom: 2px solid #ddd; padding-bottom: 4px; margin-top: 40px; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
td.num { text-align: right; white-space: nowrap; }
td.num small { color: #666; display: block; }
.scroll { overflow-x: auto; }
.swatch { display: inline-block; width: 14px; height: 14px; border-radius: 3px; margin-right: 6px;
          vertical-align: -2px; }
.warning { background: #fff4e5; border-left: 5px solid #e67e22; padding: 8px 14px; margin: 12px 0; }
.note { color: #555; font-size: 13px; }
figure { margin: 18px 0 30px; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #444; font-size: 13px; margin-top: 4px; }
nav ol { columns: 2; }
td:first-child { min-width: 190px; }
td.code { font-family: "DejaVu Sans Mono", monospace; font-size: 12px; max-width: 300px; }
td.nowrap { white-space: nowrap; } td.src { max-width: 380px; } td.desc { min-width: 280px; }
.met { color: #1a7f37; font-weight: bold; } .missed { color: #b42318; }
"""


# --------------------------------------------------------------------------- formatting
def esc(value: Any) -> str:
    """HTML-escaped text of any value."""
    return html.escape(str(value), quote=True)


def fmt(value: float, digits: int | None = None) -> str:
    """A number for a table: thousands separators, no scientific notation, 'n/a' for NaN."""
    if value is None or not np.isfinite(value):
        return "n/a"
    if digits is not None:
        return f"{value:,.{digits}f}"
    magnitude = abs(value)
    if float(value).is_integer():
        return f"{value:,.0f}"
    if magnitude >= 100:
        return f"{value:,.0f}"
    if magnitude >= 10:
        return f"{value:,.1f}"
    if magnitude >= 1 or value == 0:
        return f"{value:,.2f}"
    return f"{value:.3g}"


def fmt_value(value: Any) -> str:
    """A parameter value as text (floats without trailing noise, lists and dicts compactly)."""
    if isinstance(value, bool) or value is None:
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:,.6g}" if abs(value) < 1e6 else f"{value:,.0f}"
    return str(value)


def interval_cell(estimate: float, low: float, high: float, factor: float = 1.0,
                  bounds: tuple[float, float] | None = None, mark_nonzero: bool = False) -> str:
    """``<td>`` with the estimate and, beneath it, its interval.

    Args:
        estimate: The estimate.
        low: Lower end of its interval.
        high: Upper end.
        factor: Display multiplier (e.g. 100 for percent).
        bounds: Range the quantity cannot leave (e.g. ``(0, 1)`` for a share); a t-interval that
            crosses it is cut there for display.
        mark_nonzero: Show the estimate in bold when the interval excludes zero (differences).
    """
    main = fmt(estimate * factor)
    if mark_nonzero and np.isfinite(low) and np.isfinite(high) and (low > 0 or high < 0):
        main = f"<b>{main}</b>"
    if np.isfinite(low) and np.isfinite(high):
        if bounds is not None:
            low, high = max(low, bounds[0]), min(high, bounds[1])
        return f'<td class="num">{main}<small>[{fmt(low * factor)}, {fmt(high * factor)}]</small></td>'
    return f'<td class="num">{main}</td>'


def breakable(name: str) -> str:
    """Escaped scenario name that may wrap after its underscores (``<wbr>``)."""
    return "_<wbr>".join(esc(part) for part in name.split("_"))


def swatch(batch: Batch, name: str) -> str:
    """A coloured square in the scenario's figure colour, then its name."""
    red, green, blue = (int(round(255 * c)) for c in scenario_palette(batch)[name][:3])
    return f'<span class="swatch" style="background: rgb({red},{green},{blue})"></span>{breakable(name)}'


def figure_png(fig) -> str:
    """A matplotlib figure as a base64 ``data:`` URI (PNG)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=PNG_DPI)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _cell_text(text: Any, kind: str) -> str:
    """Escaped cell text; parameter names (``code``) may wrap after dots and underscores."""
    if kind == "code":
        return re.sub(r"([._])", r"\1<wbr>", esc(text))
    return esc(text)


def table_html(header: list[str], rows: list[Any], raw: bool = False, classes: list[str] | None = None) -> str:
    """A table; cells are escaped unless ``raw`` (then each row is ready HTML, ``<td>`` included).

    Args:
        header: Column titles.
        rows: Lists of cell texts, or (``raw``) strings of ``<td>`` cells.
        raw: Rows are already HTML.
        classes: CSS class of each column's cells (escaped rows only).
    """
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = []
    for row in rows:
        if raw:
            cells = "".join(row)
        else:
            kinds = classes or [""] * len(row)
            cells = "".join(f'<td class="{k}">{_cell_text(c, k)}</td>' if k else f"<td>{esc(c)}</td>"
                            for c, k in zip(row, kinds, strict=True))
        body.append(f"<tr>{cells}</tr>")
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'


__all__ = [
    "CSS",
    "PNG_DPI",
    "breakable",
    "esc",
    "figure_png",
    "fmt",
    "fmt_value",
    "interval_cell",
    "swatch",
    "table_html",
]
