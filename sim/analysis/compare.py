"""Comparing the scenarios of a batch: means with confidence intervals, paired differences,
probability of meeting targets and additionality against a no-policy counterfactual.

All functions work on a batch directory written by :func:`sim.experiments.batch.run_batch` and can be called
from a notebook::

    from sim.analysis.compare import compare_batch
    table = compare_batch("results/batch")

The comparison is a long (tidy) table, one row per estimate, with columns

``section``
    ``mean`` (per scenario), ``difference`` (scenario minus baseline, paired by replication),
    ``target_probability`` (share of replications meeting a target) or ``additionality``
    (scenario against the counterfactual, paired by replication).
``scenario``, ``reference``
    The scenario and what it is compared with (baseline or counterfactual; empty for means and
    targets).
``metric``
    A metric name; for targets the target's metric; for additionality ``additional_jobs``,
    ``additional_surviving_firms``, ``additional_fiscal_cost_yuan``,
    ``fiscal_cost_per_additional_job_yuan``, ``fiscal_cost_per_additional_surviving_firm_yuan`` and,
    founder by founder, the :data:`sim.experiments.outcomes.PAIRED_OUTCOMES` (``deadweight_share``,
    ``deadweight_share_narrow``, ``additional_firms``).
``detail``
    For targets the condition (``>= 2500.0``, already multiplied by the batch's scale for count
    targets), its label and, for a target the scenario sets itself, "(policy input: set by the
    scenario)"; for ratios the method; notes on undefined values.
``n``, ``estimate``, ``ci_low``, ``ci_high``, ``confidence``
    Number of replications (pairs) used, the estimate and its confidence interval.

Intervals: Student-t intervals over replications for means and paired differences; Wilson score
intervals for target probabilities; for the cost ratios (ratio of mean paired differences) a
percentile bootstrap over replications, resampling pairs, with a fixed seed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from scipy import stats

from sim.errors import UsageError
from sim.experiments.outcomes import PAIRED_OUTCOMES, SUMMARY_METRICS
from sim.io.atomic import write_bytes
from sim.io.batch_reader import Batch, default_baseline, default_counterfactual, load_batch

CONFIDENCE = 0.95
N_BOOTSTRAP = 2000
"""assumption: 2,000 bootstrap resamples give percentile-interval end points to about +/-1% of
the interval width (Efron & Tibshirani 1993, ch. 13 recommend >= 1,000 for percentile intervals);
range 1,000-10,000."""
BOOTSTRAP_SEED = 20240601
"""Fixed seed of the bootstrap so a comparison is reproducible (any value works)."""
COLUMNS = ["section", "scenario", "reference", "metric", "detail", "n", "estimate", "ci_low", "ci_high",
           "confidence"]
ADDITIONALITY_METRICS = (
    "additional_jobs",
    "additional_surviving_firms",
    "additional_fiscal_cost_yuan",
    "fiscal_cost_per_additional_job_yuan",
    "fiscal_cost_per_additional_surviving_firm_yuan",
    *(o.name for o in PAIRED_OUTCOMES),
)
FOUNDER_COLUMNS = ["firm_id", "helped", "helped_narrow"]
"""Firm-table columns the founder-by-founder additionality reads."""


class Interval(NamedTuple):
    """An estimate with its confidence interval and the number of observations used."""

    estimate: float
    low: float
    high: float
    n: int


def _finite(values: Any) -> np.ndarray:
    array = np.asarray(values, dtype=float).ravel()
    return array[np.isfinite(array)]


def mean_ci(values: Any, confidence: float = CONFIDENCE) -> Interval:
    """Mean and Student-t confidence interval of independent replications (NaNs ignored).

    Args:
        values: One value per replication.
        confidence: Coverage of the interval.

    Returns:
        ``Interval(mean, low, high, n)``; the interval is NaN with fewer than 2 values and has
        zero width when all values are equal.
    """
    data = _finite(values)
    n = len(data)
    if n == 0:
        return Interval(float("nan"), float("nan"), float("nan"), 0)
    mean = float(data.mean())
    if n < 2:
        return Interval(mean, float("nan"), float("nan"), n)
    sem = float(data.std(ddof=1)) / np.sqrt(n)
    if sem == 0.0:
        return Interval(mean, mean, mean, n)
    half = float(stats.t.ppf(0.5 + confidence / 2.0, df=n - 1)) * sem
    return Interval(mean, mean - half, mean + half, n)


def paired_diff_ci(a: Any, b: Any, confidence: float = CONFIDENCE) -> Interval:
    """Mean of ``a - b`` over pairs (same replication) and its t-interval.

    Pairs where either value is NaN are dropped.

    Args:
        a: Values of one scenario, one per replication.
        b: Values of the other scenario for the same replications, in the same order.
        confidence: Coverage of the interval.
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"paired values need equal lengths, got {a.shape} and {b.shape}")
    return mean_ci(a - b, confidence)


def ratio_of_means_ci(
    numerator: Any,
    denominator: Any,
    confidence: float = CONFIDENCE,
    n_boot: int = N_BOOTSTRAP,
    seed: int = BOOTSTRAP_SEED,
) -> tuple[Interval, str]:
    """``mean(numerator) / mean(denominator)`` with a paired percentile-bootstrap interval.

    Replications are resampled with replacement as pairs ``(numerator_r, denominator_r)``.

    Args:
        numerator: Per-replication numerators (e.g. additional fiscal cost).
        denominator: Per-replication denominators (e.g. additional jobs).
        confidence: Coverage of the interval.
        n_boot: Bootstrap resamples.
        seed: Seed of the bootstrap's generator.

    Returns:
        The interval and a note: the ratio is NaN when the mean denominator is not positive
        (e.g. no additional jobs), and the note says how many resamples had a non-positive
        denominator (those are left out of the percentiles).
    """
    num = np.asarray(numerator, dtype=float)
    den = np.asarray(denominator, dtype=float)
    keep = np.isfinite(num) & np.isfinite(den)
    num, den = num[keep], den[keep]
    n = len(num)
    if n == 0:
        return Interval(float("nan"), float("nan"), float("nan"), 0), "no data"
    mean_den = float(den.mean())
    if not mean_den > 0:
        return (Interval(float("nan"), float("nan"), float("nan"), n),
                "undefined: mean of the denominator is not positive")
    estimate = float(num.mean()) / mean_den
    if n < 2:
        return Interval(estimate, float("nan"), float("nan"), n), "ratio of means; too few pairs for an interval"
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    index = rng.integers(0, n, size=(n_boot, n))
    boot_den = den[index].mean(axis=1)
    boot_num = num[index].mean(axis=1)
    positive = boot_den > 0
    note = f"ratio of means; paired bootstrap ({n_boot} resamples)"
    if not positive.all():
        note += f"; {int((~positive).sum())} resamples with denominator <= 0 left out"
    if positive.sum() < 2:
        return Interval(estimate, float("nan"), float("nan"), n), note
    ratios = boot_num[positive] / boot_den[positive]
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(ratios, [tail, 1.0 - tail])
    return Interval(estimate, float(low), float(high), n), note


def proportion_ci(successes: int, trials: int, confidence: float = CONFIDENCE) -> Interval:
    """Share of successes and its Wilson score interval."""
    if trials == 0:
        return Interval(float("nan"), float("nan"), float("nan"), 0)
    ci = stats.binomtest(int(successes), int(trials)).proportion_ci(confidence_level=confidence, method="wilson")
    return Interval(successes / trials, float(ci.low), float(ci.high), int(trials))


# ---------------------------------------------------------------------------------- batch
def _row(section: str, scenario: str, reference: str, metric: str, interval: Interval, detail: str = "",
         confidence: float = CONFIDENCE) -> dict[str, Any]:
    return {
        "section": section, "scenario": scenario, "reference": reference, "metric": metric, "detail": detail,
        "n": interval.n, "estimate": interval.estimate, "ci_low": interval.low, "ci_high": interval.high,
        "confidence": confidence,
    }


def _paired(wide: dict[str, pd.DataFrame], a: str, b: str, metric: str) -> tuple[np.ndarray, np.ndarray]:
    left, right = wide[a][metric], wide[b][metric]
    common = left.index.intersection(right.index).sort_values()
    return left.loc[common].to_numpy(float), right.loc[common].to_numpy(float)


def compare_batch(
    out: str | Path | Batch,
    baseline: str | None = None,
    counterfactual: str | None = None,
    confidence: float = CONFIDENCE,
    n_boot: int = N_BOOTSTRAP,
    seed: int = BOOTSTRAP_SEED,
) -> pd.DataFrame:
    """Compare the scenarios of a batch (see the module docstring for the table's layout).

    Only runs that finished are used; differences pair replications present in both scenarios.

    Args:
        out: Batch directory, or a batch opened with :func:`sim.io.batch_reader.load_batch`.
        baseline: Scenario that differences are taken against (default
            :func:`sim.io.batch_reader.default_baseline`).
        counterfactual: Scenario without policy for additionality (default
            :func:`sim.io.batch_reader.default_counterfactual`; no additionality rows if there is none).
        confidence: Coverage of every interval.
        n_boot: Bootstrap resamples for the cost ratios.
        seed: Seed of the bootstrap.

    Returns:
        The comparison table (columns :data:`COLUMNS`).

    Raises:
        UsageError: ``out`` holds no finished run, or a named scenario is not in the batch.
    """
    batch = load_batch(out)
    out = batch.out
    metrics = batch.metrics()
    names = batch.scenarios
    for option, value in (("--baseline", baseline), ("--counterfactual", counterfactual)):
        if value is not None and value not in names:
            raise UsageError(f"{option}: no scenario {value!r} in {out}; the batch has {', '.join(names)}")
    baseline = baseline or default_baseline(names)
    counterfactual = counterfactual or default_counterfactual(names)
    metric_names = [m for m in SUMMARY_METRICS if m in metrics]
    metric_names += sorted(c for c in metrics.columns
                           if c not in metric_names and c not in ("scenario", "replication", "seed")
                           and pd.api.types.is_numeric_dtype(metrics[c]))
    wide = {name: metrics[metrics["scenario"] == name].set_index("replication") for name in names}
    rows: list[dict[str, Any]] = []
    for name in names:
        for metric in metric_names:
            rows.append(_row("mean", name, "", metric, mean_ci(wide[name][metric], confidence),
                             confidence=confidence))
    for name in names:
        if name == baseline:
            continue
        for metric in metric_names:
            a, b = _paired(wide, name, baseline, metric)
            rows.append(_row("difference", name, baseline, metric, paired_diff_ci(a, b, confidence),
                             confidence=confidence))
    targets = batch.targets()
    if not targets.empty:
        targets = targets.assign(met=targets["met"].astype(bool))
        if "kind" not in targets:  # a store written before targets had kinds
            targets = targets.assign(kind="outcome")
        for name in names:
            own = targets[targets["scenario"] == name]
            keys = ["metric", "label", "op", "target", "kind"]
            for (metric, label, op, goal, kind), group in own.groupby(keys, sort=False):
                interval = proportion_ci(int(group["met"].sum()), len(group), confidence)
                note = " (policy input: set by the scenario)" if kind == "policy_input" else ""
                rows.append(_row("target_probability", name, "", metric, interval,
                                 detail=f"{op} {goal:g}: {label}{note}", confidence=confidence))
    if counterfactual is not None:
        founders = _founder_table(batch)
        for name in names:
            rows.extend(_additionality(wide, name, counterfactual, confidence, n_boot, seed))
            if founders is not None and "replication" in founders:
                rows.extend(_founder_additionality(founders, name, counterfactual, confidence))
    table = pd.DataFrame(rows, columns=COLUMNS)
    table["n"] = table["n"].astype("int64")
    return table


def _additionality(wide: dict[str, pd.DataFrame], name: str, cf: str, confidence: float, n_boot: int,
                   seed: int) -> list[dict[str, Any]]:
    jobs_a, jobs_b = _paired(wide, name, cf, "jobs_created")
    firms_a, firms_b = _paired(wide, name, cf, "surviving_firms")
    cost_a, cost_b = _paired(wide, name, cf, "fiscal_cost_yuan")
    d_jobs, d_firms, d_cost = jobs_a - jobs_b, firms_a - firms_b, cost_a - cost_b
    rows = [
        _row("additionality", name, cf, "additional_jobs", mean_ci(d_jobs, confidence), confidence=confidence),
        _row("additionality", name, cf, "additional_surviving_firms", mean_ci(d_firms, confidence),
             confidence=confidence),
        _row("additionality", name, cf, "additional_fiscal_cost_yuan", mean_ci(d_cost, confidence),
             confidence=confidence),
    ]
    for metric, denominator in (("fiscal_cost_per_additional_job_yuan", d_jobs),
                                ("fiscal_cost_per_additional_surviving_firm_yuan", d_firms)):
        interval, note = ratio_of_means_ci(d_cost, denominator, confidence, n_boot, seed)
        rows.append(_row("additionality", name, cf, metric, interval, detail=note, confidence=confidence))
    return rows


def founder_additionality(firms: pd.DataFrame, counterfactual_firms: pd.DataFrame) -> dict[str, float]:
    """Deadweight and additional firms of one run against its counterfactual run (same seed).

    With common random numbers founder slot ``firm_id`` is the same person in both runs, so a
    helped founder whose slot also registers in the counterfactual would have started anyway.

    Args:
        firms: Firm table of the scenario's run (``firm_id``, ``helped``, ``helped_narrow``).
        counterfactual_firms: Firm table of the counterfactual's run with the same seed and scale.

    Returns:
        ``deadweight_share`` and ``deadweight_share_narrow`` (NaN when nobody was helped) and
        ``additional_firms``.
    """
    started = np.isin(firms["firm_id"].to_numpy(), counterfactual_firms["firm_id"].to_numpy())
    result = {}
    for metric, column in (("deadweight_share", "helped"), ("deadweight_share_narrow", "helped_narrow")):
        helped = firms[column].to_numpy(bool) if column in firms else np.zeros(len(firms), bool)
        result[metric] = float(started[helped].mean()) if helped.any() else float("nan")
    result["additional_firms"] = float(np.count_nonzero(~started))
    return result


def _founder_table(batch: Batch) -> pd.DataFrame | None:
    """The columns of every firm table that founder additionality needs (None if a run lacks them)."""
    try:
        return batch.firms(FOUNDER_COLUMNS)
    except (KeyError, ValueError, OSError, UsageError):  # e.g. a metrics-only batch has no firm tables
        try:
            return batch.firms(FOUNDER_COLUMNS[:2])  # a store written before the narrow reading existed
        except (KeyError, ValueError, OSError, UsageError):  # e.g. a metrics-only batch has no firm tables
            return None


def _founder_additionality(founders: pd.DataFrame, name: str, cf: str, confidence: float) -> list[dict[str, Any]]:
    own = founders[founders["scenario"] == name]
    other = founders[founders["scenario"] == cf]
    common = sorted(set(own["replication"]) & set(other["replication"]))
    values: dict[str, list[float]] = {o.name: [] for o in PAIRED_OUTCOMES}
    for replication in common:
        result = founder_additionality(own[own["replication"] == replication],
                                       other[other["replication"] == replication])
        for metric, value in result.items():
            values[metric].append(value)
    return [_row("additionality", name, cf, metric, mean_ci(values[metric], confidence),
                 detail="founder by founder, paired by replication", confidence=confidence)
            for metric in values]


def write_comparison(out: str | Path, table: pd.DataFrame, path: str | Path | None = None) -> Path:
    """Write the comparison atomically to ``path`` (default ``OUT/comparison.csv``)."""
    target = Path(path) if path is not None else Path(out) / "comparison.csv"
    write_bytes(target, table.to_csv(index=False).encode("utf-8"))
    return target


# ---------------------------------------------------------------------------------- printing
def format_number(value: float) -> str:
    """A compact human-readable number (thousands separators; 3 decimals for rates)."""
    if value is None or not np.isfinite(value):
        return "n/a"
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 10:
        return f"{value:,.1f}"
    return f"{value:.3f}"


def _cell(row: pd.Series) -> str:
    if not np.isfinite(row["ci_low"]):
        return format_number(row["estimate"])
    return f"{format_number(row['estimate'])} [{format_number(row['ci_low'])}, {format_number(row['ci_high'])}]"


def format_comparison(table: pd.DataFrame, metrics: tuple[str, ...] | None = None) -> str:
    """A readable report of a comparison table (the CSV holds every metric)."""
    shown = metrics or tuple(m for m in SUMMARY_METRICS if m in set(table["metric"]))
    confidence = float(table["confidence"].iloc[0]) if len(table) else CONFIDENCE
    pct = f"{confidence:.0%}"
    lines: list[str] = []

    def block(title: str, frame: pd.DataFrame, by_metric: bool = True) -> None:
        if frame.empty:
            return
        lines.extend(["", title])
        view = frame.assign(value=frame.apply(_cell, axis=1))
        if by_metric:
            view = view[view["metric"].isin(shown)]
        for scenario, group in view.groupby("scenario", sort=False):
            lines.append(f"  {scenario}  (n={int(group['n'].max())})")
            for _, row in group.iterrows():
                if row["section"] == "target_probability":
                    lines.append(f"    {row['value']:<24} {row['detail']}")
                    continue
                value = row["value"]
                if row["detail"] and not np.isfinite(row["estimate"]):
                    value += f" ({row['detail']})"
                lines.append(f"    {row['metric']:<46} {value}")

    block(f"Means with {pct} t-intervals over replications", table[table["section"] == "mean"])
    diff = table[table["section"] == "difference"]
    if len(diff):
        block(f"Paired differences against the baseline {diff['reference'].iloc[0]} ({pct} intervals)", diff)
    block(f"Probability of meeting each target ({pct} Wilson intervals)",
          table[table["section"] == "target_probability"], by_metric=False)
    add = table[table["section"] == "additionality"]
    if len(add):
        block(f"Additionality against the counterfactual {add['reference'].iloc[0]} "
              f"(paired; cost ratios: ratio of means, {pct} paired bootstrap)", add, by_metric=False)
    else:
        lines.extend(["", "Additionality: no counterfactual (no scenario name contains 'no_policy'; "
                      "name one with --counterfactual)"])
    return "\n".join(lines).lstrip("\n")


__all__ = [
    "COLUMNS",
    "Interval",
    "compare_batch",
    "default_baseline",
    "default_counterfactual",
    "format_comparison",
    "founder_additionality",
    "mean_ci",
    "paired_diff_ci",
    "proportion_ci",
    "ratio_of_means_ci",
    "write_comparison",
]
