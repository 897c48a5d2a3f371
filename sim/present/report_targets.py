"""The report's target attainment: each district target, per scenario, how often it is met.

:func:`targets_section` lists every target with its kind (an outcome the model measures, or a policy input the
scenario sets), the simulated median and range, the replications meeting it and the probability of meeting it
with its Wilson interval; :func:`target_label` gives a target's words in the report's language.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.io.batch_reader import Batch
from sim.locale import current_language, text_or
from sim.locale import text as t
from sim.present.figures.style import metric_display
from sim.present.html import esc, fmt, interval_cell, swatch, table_html


def target_label(metric: str, label: str) -> str:
    """A target's label: the scenario file's (English) label, or the documents' words in Chinese."""
    return label if current_language() == "en" else text_or(f"target.{metric}", label)


def targets_section(batch: Batch, comparison: pd.DataFrame) -> str:
    """The ``#targets`` section: one row per target and scenario (or a note that the batch has none)."""
    targets = batch.targets()
    probabilities = comparison[comparison["section"] == "target_probability"]
    if targets.empty:
        return (f'<section id="targets"><h2>{esc(t("report.h_targets"))}</h2>'
                f'<p>{esc(t("report.no_targets"))}</p></section>')
    rows = []
    order = {name: i for i, name in enumerate(batch.scenarios)}
    ranked = targets.assign(_order=targets["scenario"].map(order))
    keys = list(dict.fromkeys(zip(ranked["metric"], ranked["op"], strict=True)))
    for key in keys:
        block = ranked[(ranked["metric"] == key[0]) & (ranked["op"] == key[1])].sort_values("_order", kind="stable")
        for (scenario, label, goal), group in block.groupby(["scenario", "label", "target"], sort=False):
            metric, op = key
            _, unit, factor = metric_display(metric)
            prob = probabilities[(probabilities["scenario"] == scenario) & (probabilities["metric"] == metric)
                                 & (probabilities["detail"].str.startswith(f"{op} {goal:g}"))]
            simulated = group["simulated"].to_numpy(float)
            met = group["met"].astype(bool)
            verdict = "met" if met.mean() >= 0.5 else "missed"
            kind = str(group["kind"].iloc[0]) if "kind" in group else "outcome"
            kind_cell = f"<td>{esc(t('report.target_kind_' + kind))}</td>"
            prob_cell = interval_cell(prob["estimate"].iloc[0], prob["ci_low"].iloc[0], prob["ci_high"].iloc[0],
                                      100) if len(prob) else f'<td class="num">{fmt(met.mean() * 100)}</td>'
            rows.append(
                f"<td>{esc(target_label(metric, label))}</td>{kind_cell}<td>{swatch(batch, scenario)}</td>"
                f'<td class="num">{esc(op)} {fmt(goal * factor)} {esc(unit)}</td>'
                f'<td class="num">{fmt(float(np.median(simulated)) * factor)}'
                f"<small>[{fmt(simulated.min() * factor)}, {fmt(simulated.max() * factor)}]</small></td>"
                f'<td class="num {verdict}">{esc(t("report.meeting_value", met=int(met.sum()), n=len(met)))}</td>'
                f"{prob_cell}"
            )
    table = table_html([t("report.col_target"), t("report.col_target_kind"), t("report.col_scenario"),
                        t("report.col_target_value"), t("report.col_simulated"), t("report.col_meeting"),
                        t("report.col_probability")], rows, raw=True)
    return (f'<section id="targets"><h2>{esc(t("report.h_targets"))}</h2><p>{esc(t("report.targets_intro"))} '
            f'{esc(t("report.targets_readings"))}</p>' + table + "</section>")


__all__ = ["target_label", "targets_section"]
