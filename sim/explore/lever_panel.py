"""The explorer's lever panel: one card per lever with its switch and sliders, and the yearly budget.

Each control shows its value in the page's language and, beneath it, the documented value and its source
(a seed line, a public statistic or an assumption); a lever's assumptions on how well it works are folded
away. Elements carry the CSS class ``control-<path>`` (dots as ``-``); the total budget ``budget-total``.
"""

from __future__ import annotations

import html
from typing import Any

import solara
import solara.lab

from sim.explore.controls import Control
from sim.explore.mix import yearly_budget
from sim.explore.session import current_value, set_value
from sim.locale import (
    lever_name,
    money,
    money_scale,
    number,
    text,
    text_or,
    unit_name,
)


def css_name(path: str) -> str:
    """A dotted path as a CSS class fragment."""
    return path.replace(".", "-")


def value_text(control: Control, value: Any, language: str) -> str:
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


@solara.component
def ControlView(control: Control, language: str) -> None:
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
def LeverCard(lever: str, controls: list[Control], language: str) -> None:
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
    budget, before = yearly_budget(mix), yearly_budget(start)
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
