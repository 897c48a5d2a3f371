"""The optimiser's results: every evaluated mix with its feasibility, the Pareto front, and the files written.

:class:`OptimisationResult` holds the table of evaluated mixes (references first) and its Pareto rows
(feasible, non-dominated among the searched mixes of all generations); :func:`write_outputs` writes
``evaluations.csv``, ``pareto.csv`` and each Pareto mix as a scenario file that ``extends`` the searched one
(:func:`overlay_toml`). The search that produces them is :mod:`sim.analysis.optimise`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.mixes import Mix, MixSpace
from sim.analysis.pareto import pareto_mask
from sim.analysis.robust import RobustEvaluator, lower_is_better
from sim.analysis.search_problem import SearchSettings
from sim.io.atomic import write_bytes as atomic_write_bytes
from sim.scenario.schema import Scenario


@dataclass
class OptimisationResult:
    """A finished search.

    Attributes:
        settings: The search settings.
        space: The decision variables.
        evaluations: One row per distinct mix evaluated (references first): ``tag, kind,
            generation, feasible, pareto``, the settings, the allocation and the statistics.
        pareto: The Pareto rows of ``evaluations`` (feasible, non-dominated), best first by the
            first objective.
        draws: The uncertainty draws.
        mixes: ``{tag: Mix}`` of every searched mix.
    """

    settings: SearchSettings
    space: MixSpace
    evaluations: pd.DataFrame
    pareto: pd.DataFrame
    draws: pd.DataFrame
    mixes: dict[str, Mix] = field(default_factory=dict)


def evaluation_table(scenario: Scenario, settings: SearchSettings, space: MixSpace, evaluator: RobustEvaluator,
                     refs: dict[str, Scenario], mixes: dict[str, Mix], first_seen: dict[str, int]) -> pd.DataFrame:
    """One row per distinct mix evaluated (references first) with ``feasible`` and ``pareto`` columns."""
    rows = []
    metrics = [t.metric for t in scenario.targets]
    for tag in refs:
        row: dict[str, Any] = {"tag": tag, "kind": "reference", "generation": -1}
        row.update(space.settings_of(refs[tag]).settings)
        rows.append(row | evaluator.cache[tag].stats)
    for tag, mix in mixes.items():
        row = {"tag": tag, "kind": "searched", "generation": first_seen[tag]}
        row.update(mix.settings)
        rows.append(row | evaluator.cache[tag].stats)
    table = pd.DataFrame(rows)
    budget_columns = [c for c in table.columns if c.endswith(".annual_budget_yuan")]
    table.insert(3, "allocated_yuan_per_year", table[budget_columns].sum(axis=1))
    years = scenario.period.n_months / 12.0
    table.insert(4, "cost_yuan_per_year", table["fiscal_cost_yuan_mean"] / settings.scale / years)
    feasible = table["failed_runs"] == 0
    keys = [f"p_met:{m}" for m in metrics] + (["p_funded"] if settings.fully_funded else [])
    for key in keys:
        feasible &= table[key] >= settings.min_probability - 1e-12
    table.insert(3, "feasible", feasible)
    signs = np.array([1.0 if lower_is_better(o) else -1.0 for o in settings.objectives])
    F = table[list(settings.objectives)].to_numpy(dtype=float) * signs
    searched = (table["kind"] == "searched").to_numpy()
    candidates = searched & feasible.to_numpy() & np.all(np.isfinite(F), axis=1)
    mask = np.zeros(len(table), dtype=bool)
    if candidates.any():
        mask[np.flatnonzero(candidates)[pareto_mask(F[candidates])]] = True
    table.insert(4, "pareto", mask)
    return table


def overlay_toml(scenario: Scenario, scenario_file: Path, path: Path, mix: Mix, name: str, description: str,
                 header: Sequence[str] = ()) -> str:
    """A scenario file that ``extends`` ``scenario_file`` and sets the mix's policy settings."""
    import os

    import tomli_w

    from sim.analysis.mixes import changed_settings

    parent = os.path.relpath(Path(scenario_file).resolve(), path.resolve().parent)
    data: dict[str, Any] = {"extends": parent, "name": name, "description": description}
    tables = changed_settings(scenario, mix.settings)
    if tables:
        data["policy"] = tables
    return "".join(f"# {line}\n" for line in header) + tomli_w.dumps(data)


def write_outputs(result: OptimisationResult, scenario: Scenario, scenario_file: str | Path | None,
                  out: str | Path) -> list[Path]:
    """Write ``evaluations.csv``, ``pareto.csv`` and each Pareto mix as ``mixes/<name>.toml``.

    Returns:
        The files written.
    """
    out = Path(out)
    written = []
    for name, frame in (("evaluations.csv", result.evaluations), ("pareto.csv", result.pareto)):
        atomic_write_bytes(out / name, frame.to_csv(index=False).encode())
        written.append(out / name)
    if scenario_file is None:
        return written
    from sim.scenario.files import load_scenario

    settings = result.settings
    for rank, (_, row) in enumerate(result.pareto.iterrows(), start=1):
        mix = result.mixes[row["tag"]]
        name = f"{scenario.name}_mix{rank:02d}"
        path = out / "mixes" / f"{name}.toml"
        summary = ", ".join(f"{o} {row[o] / settings.scale:,.0f}" for o in settings.objectives)
        description = (f"Pareto mix {rank} of startup-sim optimise for {scenario.name} under a yearly budget of "
                       f"{settings.budget_yuan:,.0f} yuan: what does it add, at what cost, and does it meet the "
                       f"targets? (search, whole-district values: {summary})")
        header = [f"Written by startup-sim optimise ({settings.statistic} over {max(settings.samples, 1)} draws x "
                  f"{settings.replications} seeds at scale {settings.scale:g}); mix {row['tag']}."]
        text = overlay_toml(scenario, Path(scenario_file), path, mix, name, description, header)
        atomic_write_bytes(path, text.encode("utf-8"))
        load_scenario(path)  # it must validate
        written.append(path)
    return written


__all__ = ["OptimisationResult", "evaluation_table", "overlay_toml", "write_outputs"]
