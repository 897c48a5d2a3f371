"""The planners' explorer: a Solara web app (``startup-sim explore``).

Routes: ``/`` the explorer (pick a district and starting scenario, move the levers, compare, save)
and ``/month`` one run of the mix month by month in Mesa's SolaraViz (:mod:`sim.explore.month`).
Every word comes from the catalogues of :mod:`sim.locale`; the computations are those of
:mod:`sim.explore.state`. Each browser session has its own state (Solara's reactive variables are
per session).

Elements a test or a user script can find carry CSS classes: ``control-<path>`` around each
slider or switch (dots of the path as ``-``), ``result-<row>-<column>`` on each results cell
(rows :data:`sim.explore.state.HEADLINE`, columns ``mix``, ``start``, ``diff``),
``target-<metric>-<column>`` on the target probabilities, ``budget-total``, ``compare-button``,
``progress-text``, ``done-text``.
"""

from __future__ import annotations

import html
import math
import tempfile
from pathlib import Path
from typing import Any

import solara
import solara.lab

from sim.explore import state
from sim.explore.settings import from_env
from sim.locale import (
    LANGUAGES,
    interval,
    lever_name,
    metric_name,
    money,
    money_scale,
    number,
    text,
    text_or,
    unit_name,
)
from sim.scenario.files import ScenarioError, load_scenario

SETTINGS = from_env()
LANGUAGE_LABELS = {"en": "English", "zh": "中文"}
ROLE_STYLES = (("start", "#1f77b4", "--"), ("counterfactual", "#7f7f7f", ":"), ("mix", "#d62728", "-"))
"""Colour and line style of each scenario role in the charts (the mix drawn last, on top)."""

lang = solara.reactive(SETTINGS.lang)
library = solara.reactive(state.list_scenarios(SETTINGS.scenarios))
district = solara.reactive("putuo" if "putuo" in library.value else next(iter(library.value)))
start_file = solara.reactive(str(library.value[district.value][0]))
changes: solara.Reactive[dict[str, Any]] = solara.reactive({})
replications = solara.reactive(SETTINGS.replications)
scale = solara.reactive(SETTINGS.scale)
seed = solara.reactive(SETTINGS.seed)
result: solara.Reactive[state.ComparisonResult | None] = solara.reactive(None)
progress = solara.reactive((0, 0))
failure = solara.reactive("")
save_name = solara.reactive("my_mix")
save_message = solara.reactive("")


def css_name(path: str) -> str:
    """A dotted path as a CSS class fragment."""
    return path.replace(".", "-")


def value_text(control: state.Control, value: Any, language: str) -> str:
    """A control's value with its unit as the language writes it (money in 万元 / M yuan)."""
    if control.kind == "switch":
        return ""
    unit = control.unit
    if unit.startswith("yuan"):
        translated = unit_name(unit, language)
        suffix = translated[translated.index("/"):] if "/" in translated else ""
        factor, money_unit = money_scale([value], language)
        if factor == 1.0:
            return f"{number(float(value), 0)}{text('money.joiner', language)}{translated}"
        return money(float(value), language) + suffix
    if unit.startswith("share"):
        return text("common.percent", language, value=number(float(value) * 100.0, 1).removesuffix(".0"))
    digits = 0 if control.kind == "int" else None
    return f"{number(float(value), digits)} {unit_name(unit, language)}"


def current_value(control: state.Control) -> Any:
    """The control's value in the mix (changed, or the starting scenario's)."""
    return changes.value.get(control.path, control.value)


def set_value(control: state.Control, value: Any) -> None:
    """Set one control in the mix (a value equal to the starting scenario's is dropped)."""
    updated = dict(changes.value)
    if control.kind == "int":
        value = int(round(value))
    elif control.kind == "float":
        value = round(float(value), 10)  # a slider's low + k * step carries binary round-off
    if value == control.value or (control.kind == "float" and math.isclose(value, control.value, abs_tol=1e-9)):
        updated.pop(control.path, None)
    else:
        updated[control.path] = value
    changes.value = updated


@solara.component
def ControlView(control: state.Control, language: str) -> None:
    """One switch or slider, with the documented value marked beneath it."""
    value = current_value(control)
    with solara.Column(classes=[f"control-{css_name(control.path)}"], gap="0px"):
        if control.kind == "switch":
            label = text_or(f"switch.{control.field}", control.field, language)
            solara.Switch(label=label, value=bool(value), on_value=lambda v: set_value(control, bool(v)))
            return
        label = text("common.label_value", language,
                     label=text_or(f"param.{control.lever}.{control.field}", control.field, language),
                     value=value_text(control, value, language))
        if control.kind == "int":
            solara.SliderInt(label, value=int(value), min=int(control.low), max=int(control.high),
                             step=int(control.step), on_value=lambda v: set_value(control, v), thumb_label=False)
        else:
            solara.SliderFloat(label, value=float(value), min=control.low, max=control.high, step=control.step,
                               on_value=lambda v: set_value(control, v), thumb_label=False)
        documented = value_text(control, control.documented, language)
        if control.cited:
            note = text("explore.documented", language, value=documented, source=control.cited_short)
        elif control.source.startswith("assumption"):
            note = text("explore.assumed", language, value=documented)
        else:
            note = text("explore.public", language, value=documented)
        if control.value != control.documented:
            note += " · " + text("explore.start_value", language, value=value_text(control, control.value, language))
        solara.Text(note, style={"font-size": "0.8em", "color": "#555"})


@solara.component
def LeverCard(lever: str, controls: list[state.Control], language: str) -> None:
    """A lever: its switch, its settings, and (folded) the assumptions on how well it works."""
    enabled = next(c for c in controls if c.field == "enabled")
    on = bool(current_value(enabled))
    with solara.Card(lever_name(lever, language), classes=[f"lever-{lever}"], style={"margin-bottom": "8px"}):
        ControlView(enabled, language)
        if not on:
            return
        for control in controls:
            if control.field != "enabled" and not control.assumption:
                ControlView(control, language)
        assumptions = [c for c in controls if c.assumption]
        if assumptions:
            with solara.Details(text("explore.advanced", language)):
                for control in assumptions:
                    ControlView(control, language)


@solara.component
def BudgetView(start: Any, mix: Any, language: str) -> None:
    """Yearly budget of the mix, by lever, against the starting scenario's."""
    budget, before = state.yearly_budget(mix), state.yearly_budget(start)
    total, total_before = sum(budget.values()), sum(before.values())
    delta = total - total_before
    sign = "+" if delta >= 0 else "-"
    change = text("explore.budget_change", language, sign=sign, value=money(abs(delta), language))
    with solara.Card(text("explore.budget_title", language)):
        solara.Text(text("explore.budget_total", language, value=money(total, language), changed=change),
                    classes=["budget-total"], style={"font-weight": "bold"})
        rows = "".join(f"<tr><td>{html.escape(lever_name(k, language))}</td>"
                       f"<td style='text-align:right'>{html.escape(money(v, language))}</td></tr>"
                       for k, v in budget.items())
        solara.HTML(tag="table", unsafe_innerHTML=rows, style="font-size:0.9em")
        solara.Text(text("explore.budget_note", language), style={"font-size": "0.8em", "color": "#555"})


def result_cells(res: state.ComparisonResult, language: str) -> list[tuple[str, str, dict[str, str]]]:
    """Rows of the results table: (row key, label, column -> formatted interval)."""
    rows = []
    for key, section, metric, kind in state.HEADLINE:
        cells = {}
        try:
            for role in ("mix", "start"):
                reference = "counterfactual" if section == "additionality" else None
                row = res.estimate(section, role, metric, reference=reference)
                cells[role] = interval(row["estimate"], row["ci_low"], row["ci_high"], language, kind=kind)
        except KeyError:
            if key in state.FOUNDER_ROWS:  # a comparison without firm tables has no founder rows
                continue
            raise
        if key in state.DIFFERENCE_METRIC:
            row = res.estimate("difference", "mix", state.DIFFERENCE_METRIC[key], reference="start")
            cells["diff"] = interval(row["estimate"], row["ci_low"], row["ci_high"], language, kind=kind)
        else:
            cells["diff"] = ""
        rows.append((key, metric_name(key, language), cells))
    return rows


def target_cells(res: state.ComparisonResult, language: str) -> list[tuple[str, str, dict[str, str]]]:
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


def survival_figure(res: state.ComparisonResult, language: str):
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


def monthly_figure(res: state.ComparisonResult, language: str):
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


def role_label(res: state.ComparisonResult, role: str, language: str) -> str:
    """Legend label of a scenario role."""
    if role == "mix":
        return text("explore.mix_name", language)
    if role == "counterfactual":
        return text("explore.cf_name", language)
    return res.names["start"]


@solara.component
def ResultsView(res: state.ComparisonResult, language: str) -> None:
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
def ReportButton(res: state.ComparisonResult, language: str) -> None:
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


@solara.lab.task(prefer_threaded=True)
def compare_task() -> None:
    """Run the comparison of the current mix (in a thread; progress is reported as runs finish)."""
    failure.value = ""
    try:
        start = load_scenario(start_file.value)
        out = Path(tempfile.mkdtemp(prefix="explore-", dir=SETTINGS.out)) / "batch"

        def report(done: int, total: int) -> None:
            progress.value = (done, total)

        result.value = state.run_comparison(
            start, dict(changes.value), out, replications=int(replications.value), scale=float(scale.value),
            root_seed=int(seed.value), workers=SETTINGS.workers, on_progress=report)
    except Exception as exc:  # shown on the page, one line
        failure.value = " ".join(str(exc).split()) or type(exc).__name__
        raise


@solara.component
def SaveView(language: str) -> None:
    """Save the mix as a scenario file that extends the starting file."""

    def save() -> None:
        try:
            path, _ = state.save_scenario(start_file.value, dict(changes.value), save_name.value)
            save_message.value = text("explore.saved", language, path=str(path), parent=Path(start_file.value).name)
        except Exception as exc:
            save_message.value = text("explore.save_error", language, message=" ".join(str(exc).split()))

    with solara.Card(text("explore.save_title", language)):
        solara.InputText(text("explore.save_name", language), value=save_name, classes=["save-name"])
        solara.Button(text("explore.save", language), on_click=save, classes=["save-button"])
        if save_message.value:
            solara.Text(save_message.value, classes=["save-message"])


@solara.component
def Explorer() -> None:
    """The explorer page."""
    language = lang.value
    start = solara.use_memo(lambda: load_scenario(start_file.value), dependencies=[start_file.value])
    try:
        mix = state.apply_changes(start, changes.value)
        mix_error = ""
    except ScenarioError as exc:
        mix, mix_error = start, str(exc)
    controls = solara.use_memo(lambda: state.lever_controls(start), dependencies=[start_file.value])

    def pick_district(name: str) -> None:
        district.value = name
        pick_start(library.value[name][0].stem)

    def pick_start(stem: str) -> None:
        start_file.value = str(next(p for p in library.value[district.value] if p.stem == stem))
        changes.value = {}
        result.value = None

    solara.Title(text("explore.title", language))
    with solara.Column(style={"padding": "8px 24px"}):
        ExplorerBody(start, mix, mix_error, controls, language, pick_district, pick_start)


@solara.component
def ExplorerBody(start: Any, mix: Any, mix_error: str, controls: dict[str, list[state.Control]], language: str,
                 pick_district: Any, pick_start: Any) -> None:
    """The explorer's content (header, levers on the left, comparison on the right)."""
    with solara.Row(style={"align-items": "center"}):
        solara.Markdown(f"## {text('explore.title', language)}")
        solara.ToggleButtonsSingle(value=lang, classes=["language-toggle"],
                                   children=[solara.Button(LANGUAGE_LABELS[code], value=code, classes=[f"lang-{code}"])
                                             for code in LANGUAGES])
        solara.Link("month", children=[solara.Button(text("explore.month_view", language), text=True,
                                                     classes=["month-link"])])
    solara.Text(text("explore.subtitle", language))
    with solara.Columns([2, 3]):
        with solara.Column():
            with solara.Row():
                names = {text_or(f"district.{key}", key, language): key for key in library.value}
                solara.Select(text("explore.district", language), values=list(names),
                              value=next(k for k, v in names.items() if v == district.value),
                              on_value=lambda label: pick_district(names[label]), classes=["district-select"])
                solara.Select(text("explore.start", language), values=[p.stem for p in library.value[district.value]],
                              value=Path(start_file.value).stem, on_value=pick_start, classes=["start-select"])
            solara.Text(start.description, style={"font-size": "0.85em", "color": "#555"})
            BudgetView(start, mix, language)
            solara.Button(text("explore.reset", language), on_click=lambda: changes.set({}), text=True)
            solara.Markdown(f"### {text('explore.levers', language)}")
            for lever, items in controls.items():
                LeverCard(lever, items, language)
        with solara.Column():
            with solara.Card(text("explore.settings", language)):
                with solara.Row():
                    solara.InputInt(text("explore.replications", language), value=replications,
                                    classes=["replications-input"])
                    solara.InputFloat(text("explore.scale", language), value=scale, classes=["scale-input"])
                    solara.InputInt(text("explore.seed", language), value=seed, classes=["seed-input"])
                with solara.Row():
                    solara.Button(text("explore.compare", language), on_click=compare_task, color="primary",
                                  disabled=compare_task.pending or bool(mix_error), classes=["compare-button"])
                if mix_error:
                    solara.Error(mix_error)
                if compare_task.pending:
                    done, total = progress.value
                    solara.ProgressLinear(100.0 * done / total if total else True)
                    solara.Text(text("explore.running", language, done=done, total=total), classes=["progress-text"])
                elif failure.value:
                    solara.Error(text("explore.error", language, message=failure.value))
                elif result.value is not None:
                    solara.Text(text("explore.done", language, n=result.value.replications,
                                     scale=f"{result.value.scale:g}"), classes=["done-text"])
            if result.value is not None and not compare_task.pending:
                ResultsView(result.value, language)
            elif not compare_task.pending:
                solara.Text(text("explore.not_run", language))
            SaveView(language)


@solara.component
def MonthPage() -> None:
    """One run of the mix, month by month (Mesa's SolaraViz)."""
    from sim.explore.month import MonthByMonth

    language = lang.value
    start = solara.use_memo(lambda: load_scenario(start_file.value), dependencies=[start_file.value])
    try:
        mix = state.apply_changes(start, changes.value)
    except ScenarioError:
        mix = start
    solara.Link("/", children=[solara.Button(text("explore.back", language), text=True, classes=["back-link"])])
    MonthByMonth(mix, language, scale=float(scale.value), seed=int(seed.value))


@solara.component
def Layout(children: list[Any] = []) -> None:  # noqa: B006 - Solara's layout signature
    """Page frame without Solara's route tabs (the pages link to each other in the page's language)."""
    solara.AppLayout(children=children, navigation=False, title=text("explore.title", lang.value))


routes = [
    solara.Route(path="/", component=Explorer, label="explorer", layout=Layout),  # the first route's layout frames all
    solara.Route(path="month", component=MonthPage, label="month"),
]
