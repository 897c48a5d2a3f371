"""The scenario report: one self-contained HTML file comparing the scenarios of a batch.

:func:`write_report` writes ``OUT/report.html`` (or another path) holding, in order: the question
and an "at a glance" summary, failed runs (if any), the scenarios and their descriptions, the
comparison table with confidence intervals (from :func:`sim.analysis.compare.compare_batch`), every figure
of :mod:`sim.present.figures` (embedded as base64 PNG), target attainment, and the parameters with their
sources (the baseline's table in full; for every other scenario only what differs from the
baseline).

The file needs nothing else: no scripts, no style sheets or images from elsewhere, no links out of
the page (only ``#section`` anchors), so it can be mailed or archived as it is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.levers import lever_table
from sim.errors import UsageError
from sim.experiments.outcomes import HEADLINE_METRICS, is_share
from sim.io.atomic import write_bytes
from sim.io.batch_reader import Batch, load_batch
from sim.present.figures import build_figures
from sim.present.figures.style import batch_comparison, metric_display, money_unit
from sim.present.html import CSS, esc, figure_png, fmt, fmt_value, interval_cell, swatch, table_html
from sim.scenario.parameters import parameter_table
from sim.scenario.schema import Scenario


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
        levers = levers[np.isfinite(levers["jobs"].to_numpy(float))]
        if len(levers):
            best = levers.loc[levers["jobs"].idxmax()]
            factor, unit = money_unit([best["cost"]])
            points.append(
                f"Most additional jobs against <b>{esc(batch.counterfactual)}</b>: <b>{esc(best['scenario'])}</b>, "
                f"{fmt(best['jobs'])} jobs (95% CI {fmt(best['jobs_low'])} to {fmt(best['jobs_high'])}) for "
                f"{fmt(best['cost'] * factor)} {unit} of additional fiscal cost."
            )
            significant = levers[(levers["jobs_low"] > 0) & np.isfinite(levers["cost_per_job"].to_numpy(float))]
            if len(significant):
                cheap = significant.loc[significant["cost_per_job"].idxmin()]
                points.append(
                    f"Cheapest additional job (among scenarios whose job gain is significant): "
                    f"<b>{esc(cheap['scenario'])}</b>, {fmt(cheap['cost_per_job'])} yuan per job "
                    f"(95% CI {fmt(cheap['cost_per_job_low'])} to {fmt(cheap['cost_per_job_high'])})."
                )
            else:
                points.append("No scenario's gain in jobs over the counterfactual is significant at 95% "
                              "with these replications; run more replications before ranking costs per job.")
    else:
        points.append("No counterfactual (a scenario named like <i>*no_policy</i>): additional jobs and cost "
                      "per additional job are not measured.")
    if (batch.baseline, "survival_3y") in means.index:
        row = means.loc[(batch.baseline, "survival_3y")]
        points.append(
            f"Baseline <b>{esc(batch.baseline)}</b>: {fmt(row['estimate'] * 100, 1)}% of firms survive three "
            f"years (95% CI {fmt(row['ci_low'] * 100, 1)}% to {fmt(row['ci_high'] * 100, 1)}%)."
        )
    targets = batch.targets()
    if len(targets):
        for (metric, op), group in targets.groupby(["metric", "op"], sort=False):
            label = str(group["label"].iloc[0]) or metric
            share = group.assign(met=group["met"].astype(bool)).groupby("scenario")["met"].mean()
            text = f"Target <i>{esc(label)}</i> ({esc(op)} {fmt(float(group['target'].iloc[0]))}): "
            if batch.baseline in share.index:
                text += f"the baseline meets it in {fmt(share[batch.baseline] * 100, 0)}% of replications; "
            if share.max() == 0:
                text += "no scenario meets it in any replication."
            else:
                best = [name for name in batch.scenarios if name in share.index and share[name] == share.max()]
                text += f"most often met under <b>{esc(', '.join(best))}</b> ({fmt(share.max() * 100, 0)}%)."
            points.append(text)
    return points


def _span(low: int, high: int) -> str:
    return str(low) if low == high else f"{low}-{high}"


def _summary_section(batch: Batch, comparison: pd.DataFrame) -> str:
    base = batch.resolved.get(batch.baseline)
    question = base.description if base is not None else "(the baseline's description is not in the manifest)"
    reps = batch.metrics().groupby("scenario").size()
    manifest = batch.manifest
    facts = [
        ("Batch directory", str(batch.out)),
        ("Scenarios", f"{len(batch.all_scenarios)} ({len(batch.scenarios)} with finished runs)"),
        ("Finished runs", f"{int(reps.sum())} ({_span(int(reps.min()), int(reps.max()))} replications per "
                          "scenario)"),
        ("Failed runs", str(len(batch.failures()))),
        ("Baseline", batch.baseline),
        ("Counterfactual", batch.counterfactual or "none (no scenario named like *no_policy*)"),
        ("Simulated period", batch.period()),
        ("Population scale", f"{batch.scale:g}" if batch.scale is not None else "not recorded"),
        ("Root seed", str(manifest.get("root_seed", "not recorded"))),
        ("Batch created", str(manifest.get("created", "not recorded"))),
        ("Code version (git)", str(manifest.get("git_commit") or "not recorded")),
    ]
    if base is not None:
        facts.insert(5, ("District", base.district))
    rows = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in facts)
    glance = "".join(f"<li>{point}</li>" for point in _glance(batch, comparison))
    scale_note = ""
    if batch.scale is not None and batch.scale != 1:
        scale_note = (f'<p class="note">Runs at population scale {batch.scale:g}: founders, firms, jobs, '
                      "budgets, fiscal costs and count targets are scaled accordingly; shares, rates and costs "
                      "per job are not.</p>")
    return (
        f'<section id="summary"><h2>1. The question</h2><p><b>{esc(question)}</b></p>'
        f"<p>This report compares {len(batch.scenarios)} scenarios of the district's start-up policy mix, each "
        "simulated several times with the same random numbers (paired replications), so differences between "
        "scenarios come from the policies, not from chance draws.</p>"
        f"<h3>At a glance</h3><ul>{glance}</ul>{scale_note}<table>{rows}</table></section>"
    )


def _failures_section(batch: Batch) -> str:
    failures = batch.failures()
    missing = [name for name in batch.all_scenarios if name not in batch.scenarios]
    if failures.empty and not missing:
        return ""
    parts = ['<section id="failures"><h2>Failed runs</h2><div class="warning">']
    parts.append(f"<p><b>{len(failures)} run(s) failed</b> and are left out of every table and figure.")
    if missing:
        parts.append(f" Scenarios without any finished run: <b>{esc(', '.join(missing))}</b>.")
    parts.append("</p></div>")
    rows = [[str(r.scenario), str(r.replication), str(r.seed), str(r.error)] for r in failures.itertuples()]
    parts.append(table_html(["Scenario", "Replication", "Seed", "Error"], rows))
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
        role = " (baseline)" if name == batch.baseline else " (counterfactual)" if name == batch.counterfactual else ""
        rows.append(
            f"<td>{swatch(batch, name)}{esc(role)}</td><td>{esc(description)}</td>"
            f'<td class="num">{int(counts.get(name, 0))}</td><td class="num">{int(failures.get(name, 0))}</td>'
            f"<td>{esc(files.get(name) or '')}</td>"
        )
    header = ["Scenario", "Description (the question it answers)", "Finished runs", "Failed runs", "File"]
    if not any(files.get(name) for name in batch.all_scenarios):  # in-memory scenarios: no file column
        header = header[:-1]
        rows = [row[: row.rindex("<td>")] for row in rows]
    table = table_html(header, rows, raw=True)
    return f'<section id="scenarios"><h2>2. Scenarios</h2>{table}</section>'


FIRST_TABLE = HEADLINE_METRICS.index("jobs_created") + 1
METRIC_GROUPS = (
    ("Founders, firms and jobs", HEADLINE_METRICS[:FIRST_TABLE]),
    ("Institutions, public money and loans", HEADLINE_METRICS[FIRST_TABLE:]),
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
        header = ["Scenario"]
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
                    cells.append("<td>n/a</td>")
            rows.append("".join(cells))
        parts.append(f"<h4>{esc(title)}</h4>" + table_html(header, rows, raw=True))
    return "".join(parts)


def _comparison_section(batch: Batch, comparison: pd.DataFrame) -> str:
    confidence = float(comparison["confidence"].iloc[0]) if len(comparison) else 0.95
    pct = f"{confidence:.0%}"
    means = comparison[comparison["section"] == "mean"].set_index(["scenario", "metric"])
    parts = [
        '<section id="comparison"><h2>3. Comparison of the scenarios</h2>'
        f"<p>Mean over replications; beneath it the {pct} confidence interval (Student t over replications, "
        "cut at 0 and 100% where a value cannot go beyond). Money in million yuan (cost per job in yuan), "
        "shares in percent.</p>",
        _metric_tables(batch, means, batch.scenarios),
    ]
    diffs = comparison[comparison["section"] == "difference"].set_index(["scenario", "metric"])
    if len(diffs):
        parts.append(f"<h3>Difference from the baseline {esc(batch.baseline)}</h3>"
                     f"<p>Scenario minus baseline, paired by replication, with {pct} confidence intervals; an "
                     "interval that excludes 0 (estimate in bold) is a difference the replications can tell "
                     "apart. Shares in percentage points.</p>")
        parts.append(_metric_tables(batch, diffs, [s for s in batch.scenarios if s != batch.baseline],
                                    differences=True))
    if batch.counterfactual is not None:
        levers = lever_table(batch, batch_comparison(batch))
        rows = []
        for row in levers.itertuples():
            rows.append(
                f"<td>{swatch(batch, row.scenario)}</td>"
                + interval_cell(row.jobs, row.jobs_low, row.jobs_high, mark_nonzero=True)
                + interval_cell(row.cost, row.cost_low, row.cost_high, 1e-6)
                + interval_cell(row.cost_per_job, row.cost_per_job_low, row.cost_per_job_high)
            )
        parts.append(
            f"<h3>Additionality against the counterfactual {esc(batch.counterfactual)}</h3>"
            f"<p>What each scenario adds over a district with every programme off, paired by replication "
            f"({pct} intervals; cost per additional job: ratio of means with a paired bootstrap interval, n/a "
            "when the scenario adds no jobs on average).</p>"
        )
        parts.append(table_html(["Scenario", "Additional jobs (jobs)", "Additional fiscal cost (million yuan)",
                                 "Fiscal cost per additional job (yuan per job)"], rows, raw=True))
    parts.append('<p class="note">Every estimate, with more metrics, is in the table returned by '
                 "<code>sim.analysis.compare.compare_batch</code> (<code>startup-sim compare</code>).</p></section>")
    return "".join(parts)


def _figures_section(batch: Batch) -> str:
    parts = ['<section id="figures"><h2>4. Figures</h2>']
    for index, (spec, fig) in enumerate(build_figures(batch), start=1):
        parts.append(
            f'<figure id="fig-{esc(spec.stem)}"><h3>Figure {index}. {esc(spec.title)}</h3>'
            f'<img src="{figure_png(fig)}" alt="{esc(spec.title)}">'
            f"<figcaption>{esc(spec.caption)}</figcaption></figure>"
        )
    parts.append("</section>")
    return "".join(parts)


def _targets_section(batch: Batch, comparison: pd.DataFrame) -> str:
    targets = batch.targets()
    probabilities = comparison[comparison["section"] == "target_probability"]
    if targets.empty:
        return '<section id="targets"><h2>5. Target attainment</h2><p>No scenario sets targets.</p></section>'
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
            prob_cell = interval_cell(prob["estimate"].iloc[0], prob["ci_low"].iloc[0], prob["ci_high"].iloc[0],
                                      100) if len(prob) else f'<td class="num">{fmt(met.mean() * 100)}</td>'
            rows.append(
                f"<td>{esc(label)}</td><td>{swatch(batch, scenario)}</td>"
                f'<td class="num">{esc(op)} {fmt(goal * factor)} {esc(unit)}</td>'
                f'<td class="num">{fmt(float(np.median(simulated)) * factor)}'
                f"<small>[{fmt(simulated.min() * factor)}, {fmt(simulated.max() * factor)}]</small></td>"
                f'<td class="num {verdict}">{int(met.sum())} of {len(met)}</td>{prob_cell}'
            )
    table = table_html(["Target", "Scenario", "Target value", "Simulated (median; [min, max] of replications)",
                        "Replications meeting it", "Probability of meeting it (%; 95% Wilson interval)"],
                       rows, raw=True)
    return ('<section id="targets"><h2>5. Target attainment</h2><p>Targets from the district documents; count '
            "targets are multiplied by the batch's population scale.</p>" + table + "</section>")


def _parameters_section(batch: Batch) -> str:
    parts = ['<section id="parameters"><h2>6. Parameters and their sources</h2>']
    base = batch.resolved.get(batch.baseline)
    if base is None:
        parts.append(f'<p class="warning">The baseline {esc(batch.baseline)} cannot be shown: '
                     f"{esc(batch.resolve_problems.get(batch.baseline, 'no definition'))}.</p></section>")
        return "".join(parts)
    table = parameter_table(base)
    rows = []
    for row in table.itertuples():
        span = f"[{fmt_value(row.low)}, {fmt_value(row.high)}]" if pd.notna(row.low) else ""
        rows.append([row.name, fmt_value(row.value), row.unit, span, row.source, row.description])
    parts.append(f"<h3>Baseline {esc(batch.baseline)}: every parameter</h3>"
                 "<p>Value, unit, plausible range (used by the sensitivity analysis) and source: a line of a "
                 "source document (<code>NNN_hash.txt:line</code>), a public statistic, or an assumption.</p>")
    parts.append(table_html(["Parameter", "Value", "Unit", "Plausible range", "Source", "Meaning"], rows,
                            classes=["code", "", "", "nowrap", "src", "desc"]))
    for name in batch.all_scenarios:
        if name == batch.baseline:
            continue
        parts.append(f"<h3>{swatch(batch, name)}: what differs from the baseline</h3>")
        scenario = batch.resolved.get(name)
        if scenario is None:
            parts.append(f'<p class="note">Not shown: {esc(batch.resolve_problems.get(name, "no definition"))}.</p>')
            continue
        diff = parameter_differences(base, scenario)
        if diff.empty:
            parts.append('<p class="note">Nothing: same parameters as the baseline.</p>')
            continue
        parts.append(table_html(["Parameter or setting", "Baseline", "This scenario", "Unit", "Source"],
                                diff.astype(str).to_numpy().tolist(), classes=["code", "", "", "", "src"]))
    parts.append("</section>")
    return "".join(parts)


def build_report(batch: Batch) -> str:
    """The report's HTML text for an opened batch."""
    comparison = batch_comparison(batch)
    title = f"Scenario report: {batch.out.resolve().name}"
    nav = (
        '<nav><ol><li><a href="#summary">The question</a></li><li><a href="#scenarios">Scenarios</a></li>'
        '<li><a href="#comparison">Comparison</a></li><li><a href="#figures">Figures</a></li>'
        '<li><a href="#targets">Target attainment</a></li><li><a href="#parameters">Parameters and sources</a></li>'
        + ('<li><a href="#failures">Failed runs</a></li>' if len(batch.failures()) else "")
        + "</ol></nav>"
    )
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
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>'
            f"<style>{CSS}</style></head><body>{body}</body></html>\n")


def write_report(out: str | Path, html_path: str | Path | None = None, baseline: str | None = None,
                 counterfactual: str | None = None) -> Path:
    """Write the self-contained HTML report of a batch.

    Args:
        out: Batch directory.
        html_path: Where to write (default ``OUT/report.html``); parent directories are created.
        baseline: Scenario the others are compared with (default as :func:`sim.io.batch_reader.load_batch`).
        counterfactual: Scenario without programmes (default: a name containing ``no_policy``).

    Returns:
        The path written.

    Raises:
        UsageError: ``out`` missing, empty or without finished runs; ``html_path`` is a directory.
    """
    batch = load_batch(out, baseline=baseline, counterfactual=counterfactual)
    path = Path(html_path) if html_path is not None else batch.out / "report.html"
    if path.is_dir():
        raise UsageError(f"{path}: --html: is a directory; give a file name")
    write_bytes(path, build_report(batch).encode("utf-8"))
    return path
