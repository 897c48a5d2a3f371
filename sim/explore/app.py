"""The planners' explorer: a Solara web app (``startup-sim explore``).

Routes: ``/`` the explorer (pick a district and starting scenario, move the levers, compare, save)
and ``/month`` one run of the mix month by month in Mesa's SolaraViz (:mod:`sim.explore.month`).
Every word comes from the catalogues of :mod:`sim.locale`; the computations are those of
:mod:`sim.explore.library`, :mod:`sim.explore.controls`, :mod:`sim.explore.mix`, :mod:`sim.explore.comparison`
and :mod:`sim.explore.saving`. Each browser session has its own state (:mod:`sim.explore.session`: Solara's
reactive variables are per session); the lever panel is :mod:`sim.explore.lever_panel` and the results
panel :mod:`sim.explore.results_view`; this module lays out the pages.

Elements a test or a user script can find carry CSS classes: ``control-<path>`` around each
slider or switch (dots of the path as ``-``), ``result-<row>-<column>`` on each results cell
(rows :data:`sim.explore.comparison.HEADLINE`, columns ``mix``, ``start``, ``diff``),
``target-<metric>-<column>`` on the target probabilities, ``budget-total``, ``compare-button``,
``progress-text``, ``done-text``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import solara
import solara.lab

from sim.explore.controls import Control, lever_controls
from sim.explore.lever_panel import BudgetView, LeverCard
from sim.explore.mix import apply_changes
from sim.explore.results_view import ResultsView
from sim.explore.saving import save_scenario
from sim.explore.session import (
    changes,
    compare_task,
    district,
    failure,
    lang,
    library,
    progress,
    replications,
    result,
    save_message,
    save_name,
    scale,
    seed,
    start_file,
)
from sim.locale import (
    LANGUAGES,
    text,
    text_or,
)
from sim.scenario.files import ScenarioError, load_scenario

LANGUAGE_LABELS = {"en": "English", "zh": "中文"}


@solara.component
def SaveView(language: str) -> None:
    """Save the mix as a scenario file that extends the starting file."""

    def save() -> None:
        try:
            path, _ = save_scenario(start_file.value, dict(changes.value), save_name.value)
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
        mix = apply_changes(start, changes.value)
        mix_error = ""
    except ScenarioError as exc:
        mix, mix_error = start, str(exc)
    controls = solara.use_memo(lambda: lever_controls(start), dependencies=[start_file.value])

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
def ExplorerBody(start: Any, mix: Any, mix_error: str, controls: dict[str, list[Control]], language: str,
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
        mix = apply_changes(start, changes.value)
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
