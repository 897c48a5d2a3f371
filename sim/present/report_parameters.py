"""The report's parameters section: the baseline's parameters in full, and what each other scenario changes.

Every parameter with its value, unit, plausible range and source (:func:`sim.scenario.parameters.parameter_table`);
for every other scenario only the parameters and settings that differ from the baseline
(:func:`parameter_differences`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from sim.io.batch_reader import Batch
from sim.locale import text as t
from sim.present.html import esc, fmt_value, swatch, table_html
from sim.scenario.parameters import parameter_table
from sim.scenario.schema import Scenario


def _flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """Dotted keys of a nested dump (list items by index)."""
    flat: dict[str, Any] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            flat.update(_flatten(value, f"{prefix}{key}."))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            flat.update(_flatten(value, f"{prefix}{index}."))
        if not data:
            flat[prefix.rstrip(".")] = []
    else:
        flat[prefix.rstrip(".")] = data
    return flat


def parameter_differences(baseline: Scenario, other: Scenario) -> pd.DataFrame:
    """Every parameter and setting of ``other`` that differs from ``baseline``.

    Parameters come with their unit and source from :func:`sim.scenario.parameters.parameter_table`;
    settings without a unit (programme switches, shocks, targets, eligibility flags) are listed too,
    their source being the scenario's ``[sources]`` note if it has one.

    Returns:
        ``name, baseline, value, unit, source`` (values as text).
    """
    table = parameter_table(other).set_index("name")
    left = _flatten(baseline.model_dump(mode="json"))
    right = _flatten(other.model_dump(mode="json"))
    rows = []
    for key in dict.fromkeys([*left, *right]):
        if key in ("name", "description") or key.startswith("sources."):
            continue
        a, b = left.get(key, "(not set)"), right.get(key, "(not set)")
        if a == b:
            continue
        if key in table.index:
            unit, source = str(table.at[key, "unit"]), str(table.at[key, "source"])
        else:
            unit, source = "", other.sources.get(key, "scenario setting")
        rows.append([key, fmt_value(a), fmt_value(b), unit, source])
    return pd.DataFrame(rows, columns=["name", "baseline", "value", "unit", "source"])


def parameters_section(batch: Batch) -> str:
    """The ``#parameters`` section: the baseline's parameters in full, then each scenario's differences."""
    parts = [f'<section id="parameters"><h2>{esc(t("report.h_parameters"))}</h2>']
    base = batch.resolved.get(batch.baseline)
    if base is None:
        problem = batch.resolve_problems.get(batch.baseline, "no definition")
        parts.append(f'<p class="warning">{esc(t("report.baseline_missing", baseline=batch.baseline, problem=problem))}'
                     "</p></section>")
        return "".join(parts)
    table = parameter_table(base)
    rows = []
    for row in table.itertuples():
        span = f"[{fmt_value(row.low)}, {fmt_value(row.high)}]" if pd.notna(row.low) else ""
        rows.append([row.name, fmt_value(row.value), row.unit, span, row.source, row.description])
    parts.append(f"<h3>{esc(t('report.h_baseline_parameters', baseline=batch.baseline))}</h3>"
                 f"<p>{t('report.parameters_intro')}</p>")
    parts.append(table_html([t("report.col_parameter"), t("report.col_value"), t("report.col_unit"),
                             t("report.col_range"), t("report.col_source"), t("report.col_meaning")], rows,
                            classes=["code", "", "", "nowrap", "src", "desc"]))
    for name in batch.all_scenarios:
        if name == batch.baseline:
            continue
        parts.append(f"<h3>{t('report.h_differs', scenario=swatch(batch, name))}</h3>")
        scenario = batch.resolved.get(name)
        if scenario is None:
            problem = batch.resolve_problems.get(name, "no definition")
            parts.append(f'<p class="note">{esc(t("report.not_shown", problem=problem))}</p>')
            continue
        diff = parameter_differences(base, scenario)
        if diff.empty:
            parts.append(f'<p class="note">{esc(t("report.nothing_differs"))}</p>')
            continue
        parts.append(table_html([t("report.col_setting"), t("report.col_baseline"), t("report.col_this"),
                                 t("report.col_unit"), t("report.col_source")],
                                diff.astype(str).to_numpy().tolist(), classes=["code", "", "", "", "src"]))
    parts.append("</section>")
    return "".join(parts)


__all__ = ["parameter_differences", "parameters_section"]
