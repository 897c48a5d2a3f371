"""The one batch reader: a batch directory opened once, its tables loaded once.

:func:`load_batch` checks the directory (exists, holds finished runs), reads the manifest, rebuilds
the scenarios' resolved definitions, orders the scenarios (manifest order, then by name) and
chooses the baseline and the counterfactual. :class:`Batch` then serves the run tables from the
:class:`sim.io.store.BatchStore`, each read once (:meth:`Batch.cached`). The comparison
(:func:`sim.analysis.compare.compare_batch`), the figures and the report all read through it.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.calendar import parse_month
from sim.errors import UsageError
from sim.io.store import BatchStore
from sim.scenario.files import ScenarioError, validate_dict
from sim.scenario.schema import Scenario


def default_baseline(names: list[str]) -> str:
    """The scenario whose name ends with ``baseline`` if exactly one does, else the first."""
    ends = [name for name in names if name.endswith("baseline")]
    return ends[0] if len(ends) == 1 else names[0]


def default_counterfactual(names: list[str]) -> str | None:
    """The first scenario whose name contains ``no_policy``, or None."""
    found = [name for name in names if "no_policy" in name]
    return found[0] if found else None


def _manifest_scenarios(manifest: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """Scenario names (in manifest order) and resolved TOML texts found in a manifest.

    Accepts ``scenarios`` as a list of names, a list of tables with ``name`` and a TOML text
    (``toml``, ``resolved_toml`` or ``resolved``), or a table name -> TOML text / table.
    """
    entries = manifest.get("scenarios")
    names: list[str] = []
    texts: dict[str, str] = {}
    if isinstance(entries, dict):
        entries = [{"name": key, "toml": value} if isinstance(value, str) else {"name": key, **value}
                   for key, value in entries.items() if isinstance(value, (str, dict))]
    if not isinstance(entries, list):
        return names, texts
    for entry in entries:
        if isinstance(entry, str):
            names.append(entry)
            continue
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            continue
        names.append(entry["name"])
        for key in ("toml", "resolved_toml", "resolved", "scenario_toml"):
            if isinstance(entry.get(key), str):
                texts[entry["name"]] = entry[key]
                break
    return names, texts


@dataclass
class Batch:
    """A batch directory opened for reading: comparison, figures and report.

    Attributes:
        out: The batch directory.
        store: Its :class:`sim.io.store.BatchStore`.
        manifest: ``manifest.json`` (empty dict when absent).
        scenarios: Scenarios with at least one finished run, in manifest order (else sorted).
        all_scenarios: Every scenario named in the manifest or with a run or a failure.
        resolved: Scenario definitions rebuilt from the manifest (may be empty).
        resolve_problems: Why a scenario's definition could not be rebuilt, by scenario.
        baseline: The scenario the others are compared with.
        counterfactual: The scenario without programmes (a name like ``*no_policy*``), if any.
    """

    out: Path
    store: BatchStore
    manifest: dict[str, Any]
    scenarios: list[str]
    all_scenarios: list[str]
    resolved: dict[str, Scenario]
    resolve_problems: dict[str, str]
    baseline: str
    counterfactual: str | None
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def scale(self) -> float | None:
        """Population scale of the batch's runs, when the manifest records it."""
        value = self.manifest.get("scale")
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None

    def period(self) -> str:
        """The simulated years, e.g. ``"2018-2022"`` (from the baseline's definition or the data)."""
        scenario = self.resolved.get(self.baseline) or next(iter(self.resolved.values()), None)
        if scenario is not None:
            start, end = scenario.period.start, scenario.period.end
        else:
            months = self.monthly()["month"]
            start, end = str(months.min()), str(months.max())
        return start[:4] if start[:4] == end[:4] else f"{start[:4]}-{end[:4]}"

    def scale_note(self) -> str:
        """A note on the population scale of the runs (empty at scale 1 or when unknown)."""
        scale = self.scale
        if scale is None or scale == 1:
            return ""
        share = f"{scale:.0%} of" if scale < 1 else f"{scale:g} times"
        return f"runs at scale {scale:g}: founders, firms, jobs and budgets are {share} the district's"

    def cached(self, key: str, load: Callable[[], Any]) -> Any:
        """``load()`` once per batch and key (tables, the comparison, the figures' colours)."""
        if key not in self._cache:
            self._cache[key] = load()
        return self._cache[key]

    def metrics(self) -> pd.DataFrame:
        """One row per finished run (cached)."""
        return self.cached("metrics", self.store.metrics)

    def require_tables(self) -> None:
        """Raise :class:`UsageError` for a metrics-only batch (it has no monthly or firm tables)."""
        if self.manifest.get("tables") is False:
            raise UsageError(
                f"{self.out}: the batch was run with --metrics-only and has no monthly or firm tables; "
                "figures and the report need them: rerun the batch with --resume and without --metrics-only"
            )

    def monthly(self) -> pd.DataFrame:
        """Monthly tables of every finished run with a ``date`` column, the month's last day (cached)."""
        self.require_tables()

        def load() -> pd.DataFrame:
            frame = self.store.monthly()
            # a month's row holds its end-of-month state, so it is drawn at the month's last day
            frame["date"] = pd.to_datetime(frame["month"], format="%Y-%m") + pd.offsets.MonthEnd(0)
            return frame

        return self.cached("monthly", load)

    def targets(self) -> pd.DataFrame:
        """Target attainment of every finished run (cached)."""
        return self.cached("targets", self.store.targets)

    def failures(self) -> pd.DataFrame:
        """Runs that raised (cached)."""
        return self.cached("failures", self.store.failures)

    def firms(self, columns: list[str], scenarios: list[str] | None = None) -> pd.DataFrame:
        """Selected columns of the firm tables (all replications pooled), read column-wise."""
        self.require_tables()
        frames = []
        for scenario, replication in self.store.completed_runs():
            if scenarios is not None and scenario not in scenarios:
                continue
            frame = pd.read_parquet(self.store.run_dir(scenario, replication) / "firms.parquet", columns=columns)
            frames.append(frame.assign(scenario=scenario, replication=replication))
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=[*columns, "scenario"])

    def shocks(self) -> list[tuple[str, pd.Timestamp, pd.Timestamp]] | None:
        """Distinct shock windows ``(label, first day, day after the last shock month)``.

        The union over the scenarios whose definitions the manifest holds, leaving out shocks
        outside a scenario's period (they did not happen in its runs); ``None`` when the manifest
        holds no definition (the figures then say so instead of shading).
        """
        if not self.resolved:
            return None
        windows: dict[tuple[str, int], str] = {}
        for scenario in self.resolved.values():
            first, last = parse_month(scenario.period.start), parse_month(scenario.period.end)
            for name, shock in scenario.shocks.items():
                start = parse_month(shock.start)
                if shock.months > 0 and start <= last and start + shock.months - 1 >= first:  # inside the period
                    windows.setdefault((shock.start, shock.months), name.replace("_", " "))
        result = []
        for (start, months), label in sorted(windows.items()):
            first = pd.Timestamp(start + "-01")
            result.append((label, first, first + pd.DateOffset(months=months)))
        return result


def _choose(names: list[str], requested: str | None) -> str | None:
    if requested is not None and requested not in names:
        raise UsageError(f"scenario {requested!r} has no finished run in this batch (have: {', '.join(names)})")
    return requested


MAX_NAMED_RUNS = 5
"""How many bad runs an error message names (the count covers the rest)."""


def resume_command(root: Path, manifest: dict[str, Any]) -> str:
    """The command that redoes a batch's missing, failed or corrupted runs, as far as the manifest tells."""
    files = manifest.get("scenario_files")
    if manifest.get("kind") == "batch" and isinstance(files, dict) and files and all(files.values()):
        parts = ["startup-sim batch", *map(str, files.values()), f"--replications {manifest.get('replications')}",
                 f"--seed {manifest.get('root_seed', 0)}", f"--scale {manifest.get('scale', 1.0):g}",
                 f"--out {root}", "--resume"]
        return " ".join(parts)
    return f"the command that wrote {root} again with --resume (e.g. startup-sim batch ... --out {root} --resume)"


def verify_runs(store: BatchStore, runs: list[tuple[str, int]], manifest: dict[str, Any]) -> None:
    """Check every finished run against its ``done.json`` (sizes, then SHA-256).

    Raises:
        UsageError: Naming the runs that fail, why, and the ``--resume`` command that redoes them.
    """
    bad = []
    for scenario, replication in runs:
        problem = store.run_problem(scenario, replication)
        if problem is not None:
            bad.append(f"{scenario}/r{replication:04d} ({problem})")
    if not bad:
        return
    named = "; ".join(bad[:MAX_NAMED_RUNS]) + (f"; and {len(bad) - MAX_NAMED_RUNS} more" if len(bad) > MAX_NAMED_RUNS
                                              else "")
    raise UsageError(
        f"{store.root}: {len(bad)} of {len(runs)} runs are corrupted or truncated: {named}; "
        f"redo them with: {resume_command(store.root, manifest)}"
    )


def load_batch(out: str | Path | Batch, baseline: str | None = None, counterfactual: str | None = None) -> Batch:
    """Open a batch directory for reading (comparison, figures, report); a :class:`Batch` passes through.

    Args:
        out: Batch directory written by ``startup-sim batch`` (or :class:`sim.io.store.BatchStore`).
        baseline: Scenario the others are compared with (default
            :func:`default_baseline`: the one name ending in ``baseline``, else the first).
        counterfactual: Scenario without programmes (default
            :func:`default_counterfactual`: the first name containing ``no_policy``;
            ``None`` if there is none).

    Raises:
        UsageError: If ``out`` is missing, not a directory, empty, holds no finished run, or
            holds a run whose files do not match its ``done.json`` (:func:`verify_runs`).
    """
    if isinstance(out, Batch):
        return out
    root = Path(out)
    if not root.exists():
        raise UsageError(f"{root}: no such batch directory")
    if not root.is_dir():
        raise UsageError(f"{root}: not a directory")
    store = BatchStore(root)
    runs = store.completed_runs()
    if not runs:
        what = "is empty" if not any(root.iterdir()) else "holds no finished run (runs/<scenario>/r0000/)"
        raise UsageError(f"{root}: {what}; run a batch into it first")
    try:
        manifest = store.manifest()
    except (OSError, ValueError) as exc:
        raise UsageError(f"{root / 'manifest.json'}: unreadable ({exc})") from None
    if not isinstance(manifest, dict):
        manifest = {}
    verify_runs(store, runs, manifest)
    listed, texts = _manifest_scenarios(manifest)
    with_runs = sorted({scenario for scenario, _ in runs})
    failed = sorted(set(store.failures()["scenario"]))
    order = [name for name in listed if name in with_runs] + [n for n in with_runs if n not in listed]
    all_scenarios = list(dict.fromkeys([*listed, *with_runs, *failed]))
    resolved: dict[str, Scenario] = {}
    problems: dict[str, str] = {}
    for name, text in texts.items():
        try:
            resolved[name] = validate_dict(tomllib.loads(text), f"manifest.json: scenarios.{name}")
        except (tomllib.TOMLDecodeError, ScenarioError) as exc:
            problems[name] = " ".join(str(exc).split())
    for name in all_scenarios:
        if name not in resolved and name not in problems:
            problems[name] = "the manifest holds no resolved definition"
    base = _choose(order, baseline) or default_baseline(order)
    counter = _choose(order, counterfactual) if counterfactual else default_counterfactual(order)
    if counter == base:
        counter = None
    return Batch(
        out=root,
        store=store,
        manifest=manifest,
        scenarios=order,
        all_scenarios=all_scenarios,
        resolved=resolved,
        resolve_problems=problems,
        baseline=base,
        counterfactual=counter,
    )


__all__ = ["Batch", "default_baseline", "default_counterfactual", "load_batch", "resume_command", "verify_runs"]
