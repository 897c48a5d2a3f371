"""The scenario report: one self-contained HTML file comparing the scenarios of a batch.

:func:`write_report` writes ``OUT/report.html`` (or another path) holding, in order: the question
and an "at a glance" summary, failed runs (if any), the scenarios and their descriptions, the
comparison table with confidence intervals (from :func:`sim.analysis.compare.compare_batch`), every figure
of :mod:`sim.present.figures` (embedded as base64 PNG), target attainment, and the parameters with their
sources (the baseline's table in full; for every other scenario only what differs from the
baseline).

Every word comes from the catalogue of the current language (:mod:`sim.locale`; ``lang="zh"``
writes it in Chinese with money in 万元 / 亿元); scenario descriptions and parameter meanings are
those of the scenario files and the registry (English).

The file needs nothing else: no scripts, no style sheets or images from elsewhere, no links out of
the page (only ``#section`` anchors), so it can be mailed or archived as it is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.levers import lever_table, scenario_kind
from sim.errors import UsageError
from sim.experiments.outcomes import HEADLINE_METRICS, PAIRED_OUTCOMES, is_share
from sim.io.atomic import write_bytes
from sim.io.batch_reader import Batch, load_batch
from sim.locale import current_language, language, money, text_or
from sim.locale import text as t
from sim.present.figures import build_figures
from sim.present.figures.style import batch_comparison, metric_display
from sim.present.html import CSS, esc, figure_png, fmt, fmt_value, interval_cell, swatch, table_html
from sim.scenario.parameters import parameter_table
from sim.scenario.schema import Scenario


def target_label(metric: str, label: str) -> str:
    """A target's label: the scenario file's (English) label, or the documents' words in Chinese."""
    return label if current_language() == "en" else text_or(f"target.{metric}", label)


# --------------------------------------------------------------------------- sections
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


def _summary_section(batch: Batch, comparison: pd.DataFrame) -> str:
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


def _failures_section(batch: Batch) -> str:
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


def _scenarios_section(batch: Batch) -> str:
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


def _comparison_section(batch: Batch, comparison: pd.DataFrame) -> str:
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


def _figures_section(batch: Batch) -> str:
    parts = [f'<section id="figures"><h2>{esc(t("report.h_figures"))}</h2>']
    for index, (spec, fig) in enumerate(build_figures(batch), start=1):
        heading = t("report.figure_heading", n=index, title=spec.title)
        parts.append(
            f'<figure id="fig-{esc(spec.stem)}"><h3>{esc(heading)}</h3>'
            f'<img src="{figure_png(fig)}" alt="{esc(spec.title)}">'
            f"<figcaption>{esc(spec.caption)}</figcaption></figure>"
        )
    parts.append("</section>")
    return "".join(parts)


def _targets_section(batch: Batch, comparison: pd.DataFrame) -> str:
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


def _parameters_section(batch: Batch) -> str:
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


def build_report(batch: Batch) -> str:
    """The report's HTML text for an opened batch."""
    comparison = batch_comparison(batch)
    title = t("report.title", name=batch.out.resolve().name)
    links = [("summary", "nav_summary"), ("scenarios", "nav_scenarios"), ("comparison", "nav_comparison"),
             ("figures", "nav_figures"), ("targets", "nav_targets"), ("parameters", "nav_parameters")]
    if len(batch.failures()):
        links.append(("failures", "nav_failures"))
    items = "".join(f'<li><a href="#{anchor}">{esc(t("report." + key))}</a></li>' for anchor, key in links)
    nav = f"<nav><ol>{items}</ol></nav>"
    body = "".join([
        f"<h1>{esc(title)}</h1>",
        nav,
        _summary_section(batch, comparison),
        _failures_section(batch),
        _scenarios_section(batch),
        _comparison_section(batch, comparison),
        _figures_section(batch),
        _targets_section(batch, comparison),
        _parameters_section(batch),
    ])
    return (f'<!DOCTYPE html>\n<html lang="{current_language()}"><head><meta charset="utf-8">'
            f"<title>{esc(title)}</title><style>{CSS}</style></head><body>{body}</body></html>\n")


def write_report(out: str | Path, html_path: str | Path | None = None, baseline: str | None = None,
                 counterfactual: str | None = None, lang: str | None = None) -> Path:
    """Write the self-contained HTML report of a batch (in ``lang``; default the current language, English).

    Args:
        out: Batch directory.
        html_path: Where to write (default ``OUT/report.html``); parent directories are created.
        baseline: Scenario the others are compared with (default as :func:`sim.io.batch_reader.load_batch`).
        counterfactual: Scenario without programmes (default: a name containing ``no_policy``).
        lang: Language of every word (``en`` or ``zh``; Chinese money in 万元 / 亿元).

    Returns:
        The path written.

    Raises:
        UsageError: ``out`` missing, empty or without finished runs; ``html_path`` is a directory.
    """
    batch = load_batch(out, baseline=baseline, counterfactual=counterfactual)
    path = Path(html_path) if html_path is not None else batch.out / "report.html"
    if path.is_dir():
        raise UsageError(f"{path}: --html: is a directory; give a file name")
    with language(lang or current_language()):
        write_bytes(path, build_report(batch).encode("utf-8"))
    return path
