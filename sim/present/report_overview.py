"""The report's opening sections: the question and an "at a glance" summary, failed runs, the scenarios.

:func:`summary_section` states the baseline's question, the batch's facts (runs, seed, scale, commit) and plain
bullet points (the lever adding most jobs, the cheapest significant one, survival, each target);
:func:`failures_section` lists failed runs and scenarios without results; :func:`scenarios_section` lists every
scenario with its role, kind, description and file.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analysis.levers import lever_table, scenario_kind
from sim.io.batch_reader import Batch
from sim.locale import money, text_or
from sim.locale import text as t
from sim.present.figures.style import batch_comparison
from sim.present.html import esc, fmt, swatch, table_html
from sim.present.report_targets import target_label


def _glance(batch: Batch, comparison: pd.DataFrame) -> list[str]:
    """Plain-language bullet points: jobs, cost per job, survival, targets."""
    points = []
    means = comparison[comparison["section"] == "mean"].set_index(["scenario", "metric"])
    if batch.counterfactual is not None:
        levers = lever_table(batch, batch_comparison(batch))
        levers = levers[np.isfinite(levers["jobs"].to_numpy(float)) & (levers["kind"] != "world")]
        if len(levers):
            best = levers.loc[levers["jobs"].idxmax()]
            points.append(t("report.glance_best", counterfactual=esc(batch.counterfactual),
                            scenario=esc(best["scenario"]), jobs=fmt(best["jobs"]), low=fmt(best["jobs_low"]),
                            high=fmt(best["jobs_high"]), cost=esc(money(best["cost"]))))
            significant = levers[(levers["jobs_low"] > 0) & np.isfinite(levers["cost_per_job"].to_numpy(float))]
            if len(significant):
                cheap = significant.loc[significant["cost_per_job"].idxmin()]
                points.append(t("report.glance_cheapest", scenario=esc(cheap["scenario"]),
                                cost=esc(money(cheap["cost_per_job"])), low=esc(money(cheap["cost_per_job_low"])),
                                high=esc(money(cheap["cost_per_job_high"]))))
            else:
                points.append(t("report.glance_none_significant"))
    else:
        points.append(t("report.glance_no_counterfactual"))
    if (batch.baseline, "survival_3y") in means.index:
        row = means.loc[(batch.baseline, "survival_3y")]
        points.append(t("report.glance_survival", scenario=esc(batch.baseline), value=fmt(row["estimate"] * 100, 1),
                        low=fmt(row["ci_low"] * 100, 1), high=fmt(row["ci_high"] * 100, 1)))
    targets = batch.targets()
    if len(targets):
        for (metric, op), group in targets.groupby(["metric", "op"], sort=False):
            label = target_label(metric, str(group["label"].iloc[0]) or metric)
            share = group.assign(met=group["met"].astype(bool)).groupby("scenario")["met"].mean()
            text = t("report.glance_target", label=esc(label), op=esc(op), goal=fmt(float(group["target"].iloc[0])))
            if batch.baseline in share.index:
                text += t("report.glance_target_baseline", share=fmt(share[batch.baseline] * 100, 0))
            if share.max() == 0:
                text += t("report.glance_target_never")
            else:
                best = [name for name in batch.scenarios if name in share.index and share[name] == share.max()]
                text += t("report.glance_target_best", scenarios=esc(", ".join(best)), share=fmt(share.max() * 100, 0))
            points.append(text)
    return points


def _span(low: int, high: int) -> str:
    return str(low) if low == high else f"{low}-{high}"


def summary_section(batch: Batch, comparison: pd.DataFrame) -> str:
    """The ``#summary`` section: the question, the glance bullet points and the batch's facts."""
    base = batch.resolved.get(batch.baseline)
    question = base.description if base is not None else t("report.no_description")
    reps = batch.metrics().groupby("scenario").size()
    manifest = batch.manifest
    unknown = t("report.not_recorded")
    facts = [
        (t("report.fact_directory"), str(batch.out)),
        (t("report.fact_scenarios"), t("report.fact_scenarios_value", n=len(batch.all_scenarios),
                                       finished=len(batch.scenarios))),
        (t("report.fact_runs"), t("report.fact_runs_value", n=int(reps.sum()),
                                  span=_span(int(reps.min()), int(reps.max())))),
        (t("report.fact_failed"), str(len(batch.failures()))),
        (t("report.fact_baseline"), batch.baseline),
        (t("report.fact_counterfactual"), batch.counterfactual or t("report.fact_no_counterfactual")),
        (t("report.fact_period"), batch.period()),
        (t("report.fact_scale"), f"{batch.scale:g}" if batch.scale is not None else unknown),
        (t("report.fact_seed"), str(manifest.get("root_seed", unknown))),
        (t("report.fact_created"), str(manifest.get("created", unknown))),
        (t("report.fact_git"), str(manifest.get("git_commit") or unknown)),
    ]
    if base is not None:
        facts.insert(5, (t("report.fact_district"), text_or(f"district.{base.district}", base.district)))
    rows = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in facts)
    glance = "".join(f"<li>{point}</li>" for point in _glance(batch, comparison))
    scale_note = ""
    if batch.scale is not None and batch.scale != 1:
        scale_note = f'<p class="note">{esc(t("report.scale_note", scale=f"{batch.scale:g}"))}</p>'
    return (
        f'<section id="summary"><h2>{esc(t("report.h_question"))}</h2><p><b>{esc(question)}</b></p>'
        f"<p>{esc(t('report.intro', n=len(batch.scenarios)))}</p>"
        f"<h3>{esc(t('report.h_glance'))}</h3><ul>{glance}</ul>{scale_note}<table>{rows}</table></section>"
    )


def failures_section(batch: Batch) -> str:
    """The ``#failures`` section (empty text when every run finished)."""
    failures = batch.failures()
    missing = [name for name in batch.all_scenarios if name not in batch.scenarios]
    if failures.empty and not missing:
        return ""
    parts = [f'<section id="failures"><h2>{esc(t("report.h_failures"))}</h2><div class="warning">']
    parts.append(f"<p>{t('report.failed_runs', n=len(failures))}")
    if missing:
        parts.append(t("report.failed_missing", names=esc(", ".join(missing))))
    parts.append("</p></div>")
    rows = [[str(r.scenario), str(r.replication), str(r.seed), str(r.error)] for r in failures.itertuples()]
    parts.append(table_html([t("report.col_scenario"), t("report.col_replication"), t("report.col_seed"),
                             t("report.col_error")], rows))
    parts.append("</section>")
    return "".join(parts)


def scenarios_section(batch: Batch) -> str:
    """The ``#scenarios`` section: role, kind, description, finished and failed runs, file of each scenario."""
    counts = batch.metrics().groupby("scenario").size()
    failures = batch.failures().groupby("scenario").size() if len(batch.failures()) else pd.Series(dtype=int)
    files = batch.manifest.get("scenario_files") or {}
    rows = []
    for name in batch.all_scenarios:
        scenario = batch.resolved.get(name)
        description = scenario.description if scenario else batch.resolve_problems.get(name, "")
        role = (t("report.role_baseline") if name == batch.baseline
                else t("report.role_counterfactual") if name == batch.counterfactual else "")
        kind = t("report.kind_world") if scenario_kind(batch, name) == "world" else t("report.kind_policy")
        rows.append(
            f"<td>{swatch(batch, name)}{esc(role)}</td><td>{esc(kind)}</td><td>{esc(description)}</td>"
            f'<td class="num">{int(counts.get(name, 0))}</td><td class="num">{int(failures.get(name, 0))}</td>'
            f"<td>{esc(files.get(name) or '')}</td>"
        )
    header = [t("report.col_scenario"), t("report.col_kind"), t("report.col_description"),
              t("report.col_finished"), t("report.col_failed"), t("report.col_file")]
    if not any(files.get(name) for name in batch.all_scenarios):  # in-memory scenarios: no file column
        header = header[:-1]
        rows = [row[: row.rindex("<td>")] for row in rows]
    table = table_html(header, rows, raw=True)
    return f'<section id="scenarios"><h2>{esc(t("report.h_scenarios"))}</h2>{table}</section>'


__all__ = ["failures_section", "scenarios_section", "summary_section"]
