"""The explorer's logic without any user interface: levers, budget, comparison, saving.

Everything the web app shows is computed here, so it can be tested and used from a notebook:

* :func:`list_scenarios` finds the districts and starting scenarios of a scenario library;
* :func:`lever_controls` turns the parameter registry (:mod:`sim.scenario.parameters`) into one
  switch and a set of sliders per lever, with unit, range and the documented value;
* :func:`apply_changes` builds the mix (the starting scenario with the changed values), and
  :func:`yearly_budget` sums the budgets of the levers it switches on;
* :func:`run_comparison` runs the mix, the starting scenario and the counterfactual (every
  programme off) as one batch of paired replications through :func:`sim.experiments.batch.run_batch`
  and compares them with :func:`sim.analysis.compare.compare_batch`;
* :func:`save_scenario` writes the mix as a scenario file that ``extends`` the starting file.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.errors import UsageError
from sim.explore.settings import DEFAULT_REPLICATIONS, DEFAULT_SCALE
from sim.scenario.files import ScenarioError, load_scenario, validate_dict
from sim.scenario.parameters import iter_parameters
from sim.scenario.policy_tables import Policy
from sim.scenario.schema import Scenario

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

MIX_NAME = "explorer_mix"
COUNTERFACTUAL_NAME = "explorer_no_policy"
ASSUMPTION_UNITS = ("log productivity",)
"""Units of parameters that say how well a lever works (model assumptions), not how it is set;
the explorer shows them apart from the lever's settings."""
SLIDER_STEPS = 100
"""Slider positions across a parameter's range (a step of 1% of the range, rounded to 1, 2 or 5
times a power of ten)."""
PROGRESS_POLL_S = 0.5
"""How often (seconds) the store is counted for the progress bar while a comparison runs."""
_SEED_LINE = re.compile(r"\d{3}_[0-9a-f]{16}\.txt:\d+(?:-\d+)?")


# ------------------------------------------------------------------------------ library
def scenario_library(root: str | Path | None = None) -> Path:
    """The scenario library: ``root`` if given, else ``./scenarios``, else the one beside the package.

    Raises:
        UsageError: No such directory.
    """
    candidates = [Path(root)] if root is not None else [
        Path.cwd() / "scenarios", Path(__file__).resolve().parents[2] / "scenarios"]
    for path in candidates:
        if path.is_dir():
            return path
    raise UsageError(f"--scenarios: no scenario directory at {candidates[0]}")


def list_scenarios(root: str | Path | None = None) -> dict[str, list[Path]]:
    """District -> its scenario files (``baseline.toml`` first, then by name)."""
    library = scenario_library(root)
    found: dict[str, list[Path]] = {}
    for directory in sorted(p for p in library.iterdir() if p.is_dir()):
        files = sorted(directory.glob("*.toml"), key=lambda p: (p.stem != "baseline", p.stem))
        if files:
            found[directory.name] = files
    return found


# ------------------------------------------------------------------------------ levers
@dataclass(frozen=True)
class Control:
    """One slider or switch of a lever.

    Attributes:
        path: Dotted name in the scenario (``policy.talent_housing.subsidy_yuan_per_person_month``).
        lever: The policy table (``talent_housing``).
        field: The field within it.
        kind: ``"switch"``, ``"int"`` or ``"float"``.
        value: The starting scenario's value.
        documented: The registry's value (the schema default).
        source: The registry's source of that value.
        unit: Unit (registry spelling).
        low, high, step: Slider range and step (None for switches).
        assumption: Whether it is a model assumption on how well the lever works.
    """

    path: str
    lever: str
    field: str
    kind: str
    value: Any
    documented: Any = None
    source: str = ""
    unit: str = ""
    low: float | None = None
    high: float | None = None
    step: float | None = None
    assumption: bool = False

    @property
    def cited(self) -> str | None:
        """The seed line the documented value comes from (``000_...txt:47``), if any."""
        match = _SEED_LINE.search(self.source)
        return match.group(0) if match else None

    @property
    def cited_short(self) -> str | None:
        """The seed line as the README cites it (``000:47``), if any."""
        cited = self.cited
        return f"{cited[:3]}:{cited.split(':', 1)[1]}" if cited else None


def _on_grid(value: float, low: float, step: float) -> bool:
    ratio = (value - low) / step
    return abs(ratio - round(ratio)) < 1e-6


def _nice_step(span: float, integer: bool, low: float = 0.0, values: tuple[float, ...] = ()) -> float:
    """A slider step of about 1% of the span (1, 2 or 5 times a power of ten), fine enough that
    each of ``values`` lies on the slider's grid ``low + k * step`` (a slider snaps its value to
    the grid, so an off-grid starting value would change the scenario merely by being shown).
    """
    if integer:
        return 1.0
    if not span > 0:
        return 1.0
    raw = span / SLIDER_STEPS
    power = 10.0 ** math.floor(math.log10(raw))
    candidates = [m * power * 10.0**k for k in range(0, -7, -1) for m in (5, 2, 1)]
    candidates = [c for c in candidates if c <= raw * (1 + 1e-9)] or [raw]
    for step in candidates:
        if all(_on_grid(v, low, step) for v in values):
            return float(f"{step:.12g}")
    return float(f"{candidates[-1]:.12g}")


def _bounds(metadata: list[Any]) -> tuple[float | None, float | None]:
    low = high = None
    for item in metadata:
        for name in ("ge", "gt"):
            if getattr(item, name, None) is not None:
                low = float(getattr(item, name))
        for name in ("le", "lt"):
            if getattr(item, name, None) is not None:
                high = float(getattr(item, name))
    return low, high


def _slider_range(value: float, documented: float, low: float | None, high: float | None,
                  hard_low: float | None, hard_high: float | None) -> tuple[float, float]:
    """The plausible range widened to include the current and documented values; without a
    range, zero to twice the larger of them (within the hard validation bounds).
    """
    if low is None or high is None:
        top = max(abs(value), abs(documented)) * 2 or 1.0
        low, high = (0.0 if (hard_low is None or hard_low <= 0) else hard_low), top
    low, high = min(low, value, documented), max(high, value, documented)
    if hard_low is not None:
        low = max(low, hard_low)
    if hard_high is not None:
        high = min(high, hard_high)
    return float(low), float(high)


def lever_controls(scenario: Scenario) -> dict[str, list[Control]]:
    """Lever -> its controls (switches first), from the schema's ``policy`` tables and the registry."""
    controls: dict[str, list[Control]] = {}
    defaults = Policy()
    for lever, lever_field in Policy.model_fields.items():
        table = getattr(scenario.policy, lever)
        section = lever_field.annotation
        items: list[Control] = []
        for name, info in section.model_fields.items():  # type: ignore[union-attr]
            if info.annotation is bool:
                items.append(Control(f"policy.{lever}.{name}", lever, name, "switch", getattr(table, name),
                                     documented=getattr(getattr(defaults, lever), name),
                                     source=info.description or ""))
        for param in iter_parameters(table, f"policy.{lever}."):
            name = param.name.rsplit(".", 1)[1]
            info = section.model_fields[name]  # type: ignore[union-attr]
            documented = getattr(getattr(defaults, lever), name)
            hard_low, hard_high = _bounds(info.metadata)
            low, high = _slider_range(float(param.value), float(documented), param.low, param.high,
                                      hard_low, hard_high)
            items.append(Control(
                param.name, lever, name, "int" if param.integer else "float", param.value,
                documented=documented, source=param.source, unit=param.unit, low=low, high=high,
                step=_nice_step(high - low, param.integer, low, (float(param.value), float(documented))),
                assumption=param.unit in ASSUMPTION_UNITS,
            ))
        controls[lever] = items
    return controls


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for key in parents:
        data = data[key]
    data[last] = value


def apply_changes(start: Scenario, changes: dict[str, Any], name: str = MIX_NAME) -> Scenario:
    """The starting scenario with ``changes`` (dotted path -> value) applied and validated.

    Raises:
        ScenarioError: A value the schema rejects (one line naming the key).
    """
    data = start.model_dump(mode="python")
    for path, value in changes.items():
        _set(data, path, value)
    data["name"] = name
    return validate_dict(data, f"{name} (explorer)")


def counterfactual(start: Scenario, name: str = COUNTERFACTUAL_NAME) -> Scenario:
    """The starting scenario with every programme off (same district, period and shocks)."""
    return apply_changes(start, {f"policy.{lever}.enabled": False for lever in Policy.model_fields}, name)


def yearly_budget(scenario: Scenario) -> dict[str, float]:
    """Lever -> annual budget (yuan/year, full scale) for the levers the scenario switches on."""
    budget: dict[str, float] = {}
    for lever in Policy.model_fields:
        table = getattr(scenario.policy, lever)
        if table.enabled and hasattr(table, "annual_budget_yuan"):
            budget[lever] = float(table.annual_budget_yuan)
    return budget


def changed_values(start: Scenario, changes: dict[str, Any]) -> dict[str, Any]:
    """The changes that differ from the starting scenario's values (the others are dropped)."""
    dumped = start.model_dump(mode="python")
    kept = {}
    for path, value in changes.items():
        current: Any = dumped
        for key in path.split("."):
            current = current[key]
        if current != value:
            kept[path] = value
    return kept


# ------------------------------------------------------------------------------ comparison
@dataclass
class ComparisonResult:
    """What a comparison shows.

    Attributes:
        names: ``{"mix": ..., "start": ..., "counterfactual": ...}`` scenario names in the batch.
        table: The comparison table of :func:`sim.analysis.compare.compare_batch` (mix and start
            against the counterfactual, mix against start).
        replications: Paired replications.
        scale: Population scale.
        survival: Scenario name -> ``(months, survival share)`` Kaplan-Meier curve of all its firms.
        monthly: Mean over replications of ``active_firms`` and ``jobs`` by scenario and month.
        out: The batch directory.
    """

    names: dict[str, str]
    table: pd.DataFrame
    replications: int
    scale: float
    survival: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    monthly: pd.DataFrame | None = None
    out: Path | None = None

    def estimate(self, section: str, role: str, metric: str, reference: str | None = None) -> pd.Series:
        """The table's row (estimate, ci_low, ci_high, n, detail) for one scenario role and metric."""
        table = self.table
        rows = table[(table["section"] == section) & (table["scenario"] == self.names[role])
                     & (table["metric"] == metric)]
        if reference is not None:
            rows = rows[rows["reference"] == self.names[reference]]
        if rows.empty:
            raise KeyError(f"no {section} row for {role} / {metric}")
        return rows.iloc[0]

    def targets(self, role: str) -> pd.DataFrame:
        """Target probability rows of one scenario role."""
        table = self.table
        return table[(table["section"] == "target_probability") & (table["scenario"] == self.names[role])]


HEADLINE = (
    # (row key, section, metric, kind): the results table of the explorer
    ("additional_jobs", "additionality", "additional_jobs", "count"),
    ("additional_surviving_firms", "additionality", "additional_surviving_firms", "count"),
    ("founders_helped", "mean", "founders_helped", "count"),
    ("youth_founders_helped", "mean", "youth_founders_helped", "count"),
    ("fiscal_cost_yuan", "mean", "fiscal_cost_yuan", "money"),
    ("fiscal_cost_per_additional_job_yuan", "additionality", "fiscal_cost_per_additional_job_yuan", "money"),
    ("committed_fiscal_cost_yuan", "mean", "committed_fiscal_cost_yuan", "money"),
    ("additional_firms", "additionality", "additional_firms", "count"),
    ("deadweight_share", "additionality", "deadweight_share", "share"),
)
"""Rows of the results table: key, comparison section, metric and how it is formatted. The mix
and the starting scenario are shown against the counterfactual; the third column is the paired
difference mix minus start of the underlying metric (:data:`DIFFERENCE_METRIC`). The founder-by-founder
rows (:data:`FOUNDER_ROWS`) need the firm tables and are left out of a comparison without them."""
FOUNDER_ROWS = ("additional_firms", "deadweight_share")
"""Rows of :data:`HEADLINE` computed founder by founder from the firm tables."""
DIFFERENCE_METRIC = {
    "additional_jobs": "jobs_created",
    "additional_surviving_firms": "surviving_firms",
    "founders_helped": "founders_helped",
    "youth_founders_helped": "youth_founders_helped",
    "fiscal_cost_yuan": "fiscal_cost_yuan",
    "committed_fiscal_cost_yuan": "committed_fiscal_cost_yuan",
}
"""Metric whose paired difference (mix minus start) fills the third column (the difference in
additional jobs equals the difference in jobs, since both share the counterfactual)."""


def comparison_scenarios(start: Scenario, changes: dict[str, Any]) -> list[Scenario]:
    """The batch of a comparison: the mix, the starting scenario, the counterfactual (in this order)."""
    if start.name in (MIX_NAME, COUNTERFACTUAL_NAME):
        raise UsageError(f"the starting scenario may not be called {start.name!r} (the explorer uses that name)")
    return [apply_changes(start, changes), start, counterfactual(start)]


def run_comparison(
    start: Scenario,
    changes: dict[str, Any],
    out: str | Path,
    replications: int = DEFAULT_REPLICATIONS,
    scale: float = DEFAULT_SCALE,
    root_seed: int = 0,
    workers: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> ComparisonResult:
    """Run the mix, the starting scenario and the counterfactual with paired seeds, and compare.

    The batch is the same as ``startup-sim batch`` of the three scenarios with ``--replications``,
    ``--scale`` and ``--seed`` as given, followed by ``startup-sim compare`` with the starting
    scenario as baseline and the counterfactual for additionality.

    Args:
        start: The starting scenario.
        changes: Dotted path -> value: the mix.
        out: An empty or absent batch directory.
        replications: Paired replications.
        scale: Population scale.
        root_seed: Root seed of the replications.
        workers: Worker processes (default: the batch's default; 1 runs in this process).
        on_progress: Called in this thread with ``(runs done, runs in all)`` while the batch runs.

    Returns:
        The comparison with Kaplan-Meier curves and monthly means.
    """
    from sim.analysis.compare import compare_batch
    from sim.experiments.batch import run_batch
    from sim.io.store import BatchStore

    scenarios = comparison_scenarios(start, changes)
    total = len(scenarios) * replications
    out = Path(out)
    failure: list[BaseException] = []

    def work() -> None:
        try:
            run_batch(scenarios, replications, out, workers=workers, root_seed=root_seed, scale=scale,
                      progress=False)
        except BaseException as exc:  # handed to the calling thread
            failure.append(exc)

    # the batch runs in a helper thread; this thread reports progress, so a user interface's
    # callback runs in the thread that called (where its session lives)
    runner = threading.Thread(target=work, name="explorer-batch", daemon=True)
    if on_progress is not None:
        on_progress(0, total)
    runner.start()
    store = BatchStore(out)
    while runner.is_alive():
        runner.join(PROGRESS_POLL_S)
        if on_progress is not None and (out / "runs").is_dir():
            on_progress(len(store.completed_runs()), total)
    if failure:
        raise failure[0]
    names = {"mix": scenarios[0].name, "start": scenarios[1].name, "counterfactual": scenarios[2].name}
    table = compare_batch(out, baseline=names["start"], counterfactual=names["counterfactual"])
    return ComparisonResult(names, table, replications, scale, survival=survival_curves(out, list(names.values())),
                            monthly=monthly_means(out, list(names.values())), out=out)


def survival_curves(out: str | Path, names: list[str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Scenario -> Kaplan-Meier curve (firm age in months, share surviving) of all its firms."""
    import numpy as np

    from sim.experiments.metrics import kaplan_meier
    from sim.io.store import BatchStore

    firms = BatchStore(out).firms(names)
    curves = {}
    for name in names:
        own = firms[firms["scenario"] == name]
        if own.empty:
            continue
        result = kaplan_meier(own["lifetime_months"].to_numpy(float), own["censored"].to_numpy(bool))
        months = np.concatenate([[0.0], np.asarray(result.sf.quantiles, dtype=float)])
        share = np.concatenate([[1.0], np.asarray(result.sf.probabilities, dtype=float)])
        curves[name] = (months, share)
    return curves


def monthly_means(out: str | Path, names: list[str]) -> pd.DataFrame:
    """Mean over replications of active firms and jobs, by scenario and month."""
    from sim.io.store import BatchStore

    monthly = BatchStore(out).monthly(names)
    return (monthly.groupby(["scenario", "month"], observed=True, sort=False)[["active_firms", "jobs"]]
            .mean().reset_index())


# ------------------------------------------------------------------------------ saving
_FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(float(value))
    raise TypeError(f"cannot write {value!r} to a scenario file")


def scenario_file_text(start_file: Path, start: Scenario, changes: dict[str, Any], name: str,
                       description: str) -> str:
    """The TOML of a scenario that extends ``start_file`` with the changed policy values only."""
    changes = changed_values(start, changes)
    lines = [
        f"# Saved by `startup-sim explore`: {start.name} with the changes below.",
        f'extends = "{start_file.name}"',
        f'name = "{name}"',
        f"description = {_quote(description)}",
    ]
    tables: dict[str, list[str]] = {}
    for path, value in changes.items():
        table, key = path.rsplit(".", 1)
        tables.setdefault(table, []).append(f"{key} = {_toml_value(value)}")
    for table, entries in tables.items():
        lines += ["", f"[{table}]", *entries]
    return "\n".join(lines) + "\n"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def save_scenario(start_file: str | Path, changes: dict[str, Any], file_name: str,
                  description: str = "") -> tuple[Path, Scenario]:
    """Write the mix as ``<file_name>.toml`` beside the starting file and validate it.

    The file ``extends`` the starting file and sets only the values that differ from it; its name
    is ``<district>_<file_name>``.

    Returns:
        The path written and the validated scenario read back from it.

    Raises:
        UsageError: A bad file name, or a file that already exists.
        ScenarioError: The written file does not validate (it is removed again).
    """
    start_file = Path(start_file)
    stem = file_name.removesuffix(".toml")
    if not _FILE_NAME.match(stem):
        raise UsageError(f"file name {file_name!r}: use letters, digits, '_' and '-' only")
    path = start_file.parent / f"{stem}.toml"
    if path.exists():
        raise UsageError(f"{path}: exists already; choose another file name")
    start = load_scenario(start_file)
    name = f"{start.district}_{stem}" if not stem.startswith(f"{start.district}_") else stem
    description = description or f"{start.description} (changed in the explorer)"
    path.write_text(scenario_file_text(start_file, start, changes, name, description), encoding="utf-8")
    try:
        saved = load_scenario(path)
    except ScenarioError:
        path.unlink()
        raise
    return path, saved


__all__ = [
    "COUNTERFACTUAL_NAME",
    "ComparisonResult",
    "Control",
    "DEFAULT_REPLICATIONS",
    "DEFAULT_SCALE",
    "FOUNDER_ROWS",
    "HEADLINE",
    "MIX_NAME",
    "apply_changes",
    "changed_values",
    "comparison_scenarios",
    "counterfactual",
    "lever_controls",
    "list_scenarios",
    "monthly_means",
    "run_comparison",
    "save_scenario",
    "scenario_file_text",
    "scenario_library",
    "survival_curves",
    "yearly_budget",
]
