"""The report's comparison section: means, paired differences and additionality with their intervals.

:func:`comparison_section` shows the headline metrics (:data:`METRIC_GROUPS`) per scenario as means and as
differences against the baseline, then, with a counterfactual in the batch, additional jobs, cost and cost per
additional job of each scenario, and deadweight and additional firms founder by founder; every number comes
from :func:`sim.analysis.compare.compare_batch`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analysis.levers import lever_table
from sim.experiments.outcomes import HEADLINE_METRICS, PAIRED_OUTCOMES, is_share
from sim.io.batch_reader import Batch
from sim.locale import text as t
from sim.present.figures.style import batch_comparison, metric_display
from sim.present.html import esc, interval_cell, swatch, table_html

FIRST_TABLE = HEADLINE_METRICS.index("jobs_created") + 1
LEFT_OUT = ("cost_per_job_yuan",)
"""Headline metrics not shown in the report's tables: total fiscal cost / all jobs sits badly beside
the cost per additional job and invites misquoting (it stays in ``summary.csv`` and compare)."""
METRIC_GROUPS = (
    ("report.table_people", HEADLINE_METRICS[:FIRST_TABLE]),
    ("report.table_money", tuple(m for m in HEADLINE_METRICS[FIRST_TABLE:] if m not in LEFT_OUT)),
)
"""The headline metrics (:data:`sim.experiments.outcomes.HEADLINE_METRICS`, in order), split after
``jobs_created`` into two tables narrow enough to read without scrolling."""


def _metric_tables(batch: Batch, estimates: pd.DataFrame, scenarios: list[str], differences: bool = False) -> str:
    """One table per metric group: scenarios as rows, estimate and interval per metric.

    Means of these metrics cannot be negative (nor shares above 1), so their intervals are cut
    there; differences are shown as they are, in bold where the interval excludes zero.
    """
    parts = []
    available = set(estimates.index.get_level_values("metric")) if len(estimates) else set()
    for title, group in METRIC_GROUPS:
        metrics = [m for m in group if m in available]
        if not metrics:
            continue
        header = [t("report.col_scenario")]
        for metric in metrics:
            name, unit, _ = metric_display(metric)
            header.append(f"{name} ({unit})" if unit else name)
        rows = []
        for scenario in scenarios:
            cells = [f"<td>{swatch(batch, scenario)}</td>"]
            for metric in metrics:
                _, _, factor = metric_display(metric)
                if (scenario, metric) in estimates.index:
                    row = estimates.loc[(scenario, metric)]
                    bounds = None if differences else (0.0, 1.0 if is_share(metric) else np.inf)
                    cells.append(interval_cell(row["estimate"], row["ci_low"], row["ci_high"], factor,
                                               bounds=bounds, mark_nonzero=differences))
                else:
                    cells.append(f"<td>{esc(t('report.not_available'))}</td>")
            rows.append("".join(cells))
        parts.append(f"<h4>{esc(t(title))}</h4>" + table_html(header, rows, raw=True))
    return "".join(parts)


def comparison_section(batch: Batch, comparison: pd.DataFrame) -> str:
    """The ``#comparison`` section: means, differences against the baseline and additionality."""
    confidence = float(comparison["confidence"].iloc[0]) if len(comparison) else 0.95
    pct = f"{confidence:.0%}"
    means = comparison[comparison["section"] == "mean"].set_index(["scenario", "metric"])
    money_unit_name = metric_display("fiscal_cost_yuan")[1]
    parts = [
        f'<section id="comparison"><h2>{esc(t("report.h_comparison"))}</h2>'
        f"<p>{esc(t('report.comparison_intro', pct=pct, money_unit=money_unit_name, yuan=t('money.base')))}</p>",
        _metric_tables(batch, means, batch.scenarios),
    ]
    diffs = comparison[comparison["section"] == "difference"].set_index(["scenario", "metric"])
    if len(diffs):
        parts.append(f"<h3>{esc(t('report.h_difference', baseline=batch.baseline))}</h3>"
                     f"<p>{esc(t('report.difference_intro', pct=pct))}</p>")
        parts.append(_metric_tables(batch, diffs, [s for s in batch.scenarios if s != batch.baseline],
                                    differences=True))
    if batch.counterfactual is not None:
        levers = lever_table(batch, batch_comparison(batch))
        cost_factor, cost_unit = metric_display("fiscal_cost_yuan")[2], metric_display("fiscal_cost_yuan")[1]
        rows = []
        for row in levers.itertuples():
            rows.append(
                f"<td>{swatch(batch, row.scenario)}"
                + (f" <small>({esc(t('report.kind_world'))})</small>" if row.kind == "world" else "") + "</td>"
                + interval_cell(row.jobs, row.jobs_low, row.jobs_high, mark_nonzero=True)
                + interval_cell(row.cost, row.cost_low, row.cost_high, cost_factor)
                + interval_cell(row.cost_per_job, row.cost_per_job_low, row.cost_per_job_high)
            )
        parts.append(
            f"<h3>{esc(t('report.h_additionality', counterfactual=batch.counterfactual))}</h3>"
            f"<p>{esc(t('report.additionality_intro', pct=pct))}</p>"
        )
        parts.append(table_html([t("report.col_scenario"), t("report.col_additional_jobs"),
                                 t("report.col_additional_cost", unit=cost_unit), t("report.col_cost_per_job")],
                                rows, raw=True))
        parts.append(_founder_additionality_table(batch, comparison, pct))
    parts.append(f'<p class="note">{t("report.compare_note")}</p></section>')
    return "".join(parts)


def _founder_additionality_table(batch: Batch, comparison: pd.DataFrame, pct: str) -> str:
    """Deadweight and additional firms, founder by founder (the paired outcomes), if compared."""
    add = comparison[comparison["section"] == "additionality"].set_index(["scenario", "metric"])
    metrics = [o for o in PAIRED_OUTCOMES if any((s, o.name) in add.index for s in batch.scenarios)]
    if not metrics:
        return ""
    rows = []
    for scenario in batch.scenarios:
        if scenario == batch.counterfactual:
            continue
        cells = [f"<td>{swatch(batch, scenario)}</td>"]
        for o in metrics:
            if (scenario, o.name) in add.index:
                row = add.loc[(scenario, o.name)]
                cells.append(interval_cell(row["estimate"], row["ci_low"], row["ci_high"], o.display_factor,
                                           bounds=o.bounds or (0.0, np.inf)))
            else:
                cells.append("<td>n/a</td>")
        rows.append("".join(cells))
    header = [t("report.col_scenario"), *(f"{o.label} ({o.display_unit})" for o in metrics)]
    return (f"<h4>{esc(t('report.h_deadweight'))}</h4>"
            f"<p>{esc(t('report.deadweight_intro', counterfactual=batch.counterfactual, pct=pct))}</p>"
            + table_html(header, rows, raw=True))


__all__ = ["METRIC_GROUPS", "comparison_section"]
