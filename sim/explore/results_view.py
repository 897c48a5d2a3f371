"""The explorer's results panel: what a comparison shows, as tables, charts and a report button.

:func:`result_cells` and :func:`target_cells` format the comparison (rows :data:`sim.explore.comparison.HEADLINE`,
columns ``mix``, ``start``, ``diff``) with intervals in the page's language; :func:`table_html` gives each
cell the class ``<prefix>-<row>-<column>``; :func:`survival_figure` and :func:`monthly_figure` draw the three
scenarios; :func:`ResultsView` and :func:`ReportButton` are the Solara components.
"""

from __future__ import annotations

import html

import solara
import solara.lab

from sim.explore.comparison import DIFFERENCE_METRIC, FOUNDER_ROWS, HEADLINE, ComparisonResult
from sim.locale import (
    interval,
    metric_name,
    number,
    text,
    text_or,
)

ROLE_STYLES = (("start", "#1f77b4", "--"), ("counterfactual", "#7f7f7f", ":"), ("mix", "#d62728", "-"))
"""Colour and line style of each scenario role in the charts (the mix drawn last, on top)."""


def result_cells(res: ComparisonResult, language: str) -> list[tuple[str, str, dict[str, str]]]:
    """Rows of the results table: (row key, label, column -> formatted interval)."""
    rows = []
    for key, section, metric, kind in HEADLINE:
        cells = {}
        try:
            for role in ("mix", "start"):
                reference = "counterfactual" if section == "additionality" else None
                row = res.estimate(section, role, metric, reference=reference)
                cells[role] = interval(row["estimate"], row["ci_low"], row["ci_high"], language, kind=kind)
        except KeyError:
            if key in FOUNDER_ROWS:  # a comparison without firm tables has no founder rows
                continue
            raise
        if key in DIFFERENCE_METRIC:
            row = res.estimate("difference", "mix", DIFFERENCE_METRIC[key], reference="start")
            cells["diff"] = interval(row["estimate"], row["ci_low"], row["ci_high"], language, kind=kind)
        else:
            cells["diff"] = ""
        rows.append((key, metric_name(key, language), cells))
    return rows


def target_cells(res: ComparisonResult, language: str) -> list[tuple[str, str, dict[str, str]]]:
    """Rows of the targets table: (metric, label, column -> probability with its interval)."""
    rows = []
    mix, start = res.targets("mix"), res.targets("start")
    for _, row in mix.iterrows():
        metric = row["metric"]
        condition = str(row["detail"]).split(":", 1)[0]
        label = text("explore.target_row", language, label=text_or(f"target.{metric}", metric, language),
                     op=condition.split(" ")[0], goal=number(float(condition.split(" ")[1])))
        cells = {"mix": interval(row["estimate"], row["ci_low"], row["ci_high"], language, kind="share", digits=0)}
        own = start[start["metric"] == metric]
        cells["start"] = (interval(own.iloc[0]["estimate"], own.iloc[0]["ci_low"], own.iloc[0]["ci_high"], language,
                                   kind="share", digits=0) if len(own) else "")
        rows.append((metric, label, cells))
    return rows


def table_html(rows: list[tuple[str, str, dict[str, str]]], columns: list[str], language: str, prefix: str) -> str:
    """An HTML table whose cells carry ``<prefix>-<row>-<column>`` classes."""
    heads = {"mix": "explore.col_mix", "start": "explore.col_start", "diff": "explore.col_diff"}
    first = f"<th style='text-align:left;min-width:8em'>{html.escape(text('explore.col_metric', language))}</th>"
    header = "<tr>" + first + "".join(
        f"<th style='text-align:right'>{html.escape(text(heads[c], language))}</th>" for c in columns) + "</tr>"
    body = "".join(
        f"<tr><td>{html.escape(label)}</td>" + "".join(
            f"<td class='{prefix}-{key}-{c}' style='text-align:right;white-space:nowrap;padding-left:12px'>"
            f"{html.escape(cells[c])}</td>" for c in columns) + "</tr>"
        for key, label, cells in rows)
    return header + body


def survival_figure(res: ComparisonResult, language: str):
    """Kaplan-Meier curves of the mix, the starting scenario and the counterfactual."""
    from matplotlib.figure import Figure

    from sim.locale.fonts import use_cjk_font

    use_cjk_font()
    fig = Figure(figsize=(6.4, 3.6), layout="constrained")
    ax = fig.subplots()
    lowest = 100.0
    for role, colour, style in ROLE_STYLES:
        name = res.names[role]
        if name not in res.survival:
            continue
        months, share = res.survival[name]
        ax.step(months, share * 100.0, where="post", color=colour, linestyle=style,
                label=role_label(res, role, language), zorder=3 if role == "mix" else 2)
        lowest = min(lowest, float(share.min() * 100.0))
    ax.set_ylim(max(0.0, lowest - 5.0), 100.5)
    ax.set_xlabel(text("explore.age_axis", language))
    ax.set_ylabel(text("explore.survival_axis", language))
    ax.set_title(text("explore.survival_title", language), loc="left", fontsize=11)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=9)
    return fig


def monthly_figure(res: ComparisonResult, language: str):
    """Active firms and jobs, month by month, of the three scenarios."""
    import pandas as pd
    from matplotlib.figure import Figure

    from sim.locale.fonts import use_cjk_font

    use_cjk_font()
    fig = Figure(figsize=(6.4, 5.0), layout="constrained")
    axes = fig.subplots(2, 1, sharex=True)
    monthly = res.monthly
    for ax, column in zip(axes, ("active_firms", "jobs"), strict=True):
        for role, colour, style in ROLE_STYLES:
            own = monthly[monthly["scenario"] == res.names[role]]
            ax.plot(pd.to_datetime(own["month"].astype(str)), own[column], color=colour, linestyle=style,
                    label=role_label(res, role, language), zorder=3 if role == "mix" else 2)
        ax.set_ylabel(metric_name(column, language))
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=9)
    axes[0].set_title(text("explore.monthly_title", language), loc="left", fontsize=11)
    axes[1].set_xlabel(text("common.month", language))
    return fig


def role_label(res: ComparisonResult, role: str, language: str) -> str:
    """Legend label of a scenario role."""
    if role == "mix":
        return text("explore.mix_name", language)
    if role == "counterfactual":
        return text("explore.cf_name", language)
    return res.names["start"]


@solara.component
def ResultsView(res: ComparisonResult, language: str) -> None:
    """The comparison: headline table, targets, survival and monthly charts."""
    solara.Markdown(f"### {text('explore.results', language)}")
    solara.Text(text("explore.against_cf", language, n=res.replications, scale=f"{res.scale:g}"),
                style={"font-size": "0.85em"})
    solara.HTML(tag="table", unsafe_innerHTML=table_html(result_cells(res, language), ["mix", "start", "diff"],
                                                         language, "result"),
                classes=["results-table"], style="border-collapse:collapse;margin:8px 0;font-size:0.9em")
    targets = target_cells(res, language)
    if targets:
        solara.Markdown(f"#### {text('explore.targets_title', language)}")
        solara.HTML(tag="table", unsafe_innerHTML=table_html(targets, ["mix", "start"], language, "target"),
                    classes=["targets-table"], style="font-size:0.9em")
    ReportButton(res, language)
    solara.FigureMatplotlib(survival_figure(res, language), dependencies=[id(res), language], format="png")
    solara.FigureMatplotlib(monthly_figure(res, language), dependencies=[id(res), language], format="png")


@solara.component
def ReportButton(res: ComparisonResult, language: str) -> None:
    """Write the HTML report of the comparison's batch (every figure and table) in the page's language."""
    written = solara.use_reactive("")

    def write() -> None:
        from sim.present.report import write_report

        path = write_report(res.out, res.out / f"report_{language}.html", baseline=res.names["start"],
                            counterfactual=res.names["counterfactual"], lang=language)
        written.value = text("explore.report_written", language, path=str(path))

    with solara.Row(style={"align-items": "center"}):
        solara.Button(text("explore.report", language), on_click=write, classes=["report-button"], outlined=True)
        if written.value:
            solara.Text(written.value, classes=["report-message"], style={"font-size": "0.85em"})
