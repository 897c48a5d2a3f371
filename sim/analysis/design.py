"""The design of a sensitivity analysis: which parameters vary, SALib's sample, and its storage.

``OUT/sensitivity.json`` holds the SALib problem, method, samples, seeds, scale and scenario hash;
``OUT/samples.csv`` the sample matrix. A resumed analysis reads both back and checks its identity
with :func:`sim.io.resume.check_identity`, so it analyses exactly the same design.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.options import SENSITIVITY_METHODS as METHODS
from sim.errors import UsageError
from sim.io.atomic import write_bytes
from sim.io.resume import check_format, check_identity
from sim.io.tables import read_exact_csv
from sim.scenario.editing import PROGRAMMES
from sim.scenario.parameters import ParameterInfo, ranged_parameters
from sim.scenario.schema import Scenario

MORRIS_LEVELS = 4
"""Grid levels of the Morris design: 4 is the usual choice with ``N`` of 10-50 trajectories
(Saltelli et al. 2008, *Global Sensitivity Analysis: The Primer*, ch. 3; SALib's default)."""
FORMAT = "startup-sim-sensitivity/1"


def select_parameters(scenario: Scenario, names: Sequence[str] | None = None) -> list[ParameterInfo]:
    """The parameters to vary.

    Args:
        scenario: A validated scenario.
        names: Dotted names or shell patterns (``"behaviour.*"``); None means every ranged
            parameter except those of disabled programmes.

    Returns:
        Ranged parameters with ``low < high``, in registry order.

    Raises:
        UsageError: A name that matches no ranged parameter (with a suggestion).
    """
    ranged = [p for p in ranged_parameters(scenario) if p.low is not None and p.high > p.low]  # type: ignore[operator]
    if names is None:
        disabled = {f"policy.{name}." for name in PROGRAMMES if not getattr(scenario.policy, name).enabled}
        return [p for p in ranged if not any(p.name.startswith(prefix) for prefix in disabled)]
    by_name = {p.name: p for p in ranged}
    chosen: dict[str, ParameterInfo] = {}
    for pattern in names:
        matches = [p for p in ranged if fnmatch.fnmatchcase(p.name, pattern)]
        if not matches:
            import difflib

            close = difflib.get_close_matches(pattern, list(by_name), n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else " (see `startup-sim params SCENARIO`)"
            raise UsageError(f"--params: {pattern!r} is not a parameter with a plausible range{hint}")
        for p in matches:
            chosen.setdefault(p.name, p)
    order = {p.name: i for i, p in enumerate(ranged)}
    return sorted(chosen.values(), key=lambda p: order[p.name])


# ------------------------------------------------------------------------------- SALib wrappers
GROUPINGS = ("none", "block")
"""How parameters are grouped for Sobol indices: ``none`` (one index per parameter) or ``block``
(one per table of the scenario: ``behaviour``, ``population``, ``bank``, each ``policy.<lever>``,
each ``shocks.<name>``, ``sector_exposure``, ``measurement``)."""


def parameter_groups(params: Sequence[ParameterInfo], grouping: str) -> list[str] | None:
    """Group of each parameter under ``grouping`` (see :data:`GROUPINGS`); None for ``none``."""
    if grouping == "none":
        return None
    if grouping == "block":
        return [p.name.rsplit(".", 1)[0] for p in params]
    raise UsageError(f"--groups: must be one of {', '.join(GROUPINGS)}, got {grouping!r}")


def salib_problem(params: Sequence[ParameterInfo], groups: Sequence[str] | None = None) -> dict[str, Any]:
    """SALib's problem definition (``num_vars``, ``names``, ``bounds`` and, if grouped, ``groups``)."""
    problem: dict[str, Any] = {
        "num_vars": len(params),
        "names": [p.name for p in params],
        "bounds": [[float(p.low), float(p.high)] for p in params],  # type: ignore[arg-type]
    }
    if groups is not None:
        problem["groups"] = list(groups)
    return problem


def problem_groups(problem: dict[str, Any]) -> list[str] | None:
    """The problem's parameter groups, or None when ungrouped (SALib may have set ``groups`` to the names)."""
    groups = problem.get("groups")
    return None if groups is None or list(groups) == list(problem["names"]) else list(groups)


def factor_names(problem: dict[str, Any]) -> list[str]:
    """What the indices are about: the groups in order of first appearance, else the parameters."""
    groups = problem_groups(problem)
    return list(dict.fromkeys(groups)) if groups else list(problem["names"])


def design_size(method: str, samples: int, num_vars: int) -> int:
    """Design points a method needs: Morris ``N (k + 1)``, Sobol (first and total order) ``N (k + 2)``
    (``k`` the number of parameters, or of groups when grouped).
    """
    if method == "morris":
        return samples * (num_vars + 1)
    if method == "sobol":
        return samples * (num_vars + 2)
    raise UsageError(f"--method: must be one of {', '.join(METHODS)}, got {method!r}")


def check_samples(method: str, samples: int) -> None:
    """Raise :class:`UsageError` for a sample count the method cannot use."""
    if method not in METHODS:
        raise UsageError(f"--method: must be one of {', '.join(METHODS)}, got {method!r}")
    if method == "morris" and samples < 2:
        raise UsageError(f"--samples: Morris needs at least 2 trajectories, got {samples}")
    if method == "sobol" and (samples < 2 or samples & (samples - 1)):
        raise UsageError(f"--samples: Sobol needs a power of two (e.g. 64, 128, 256), got {samples}")


def sample_design(problem: dict[str, Any], method: str, samples: int, seed: int = 0) -> np.ndarray:
    """Draw the SALib design.

    Args:
        problem: SALib problem (see :func:`salib_problem`).
        method: ``"morris"`` (``samples`` trajectories, 4 levels) or ``"sobol"`` (Saltelli's
            scheme with ``samples`` base points, no second-order terms).
        samples: ``N``.
        seed: Seed of the sampler (Morris trajectories, Sobol' scrambling).

    Returns:
        Array ``(design_size, num_vars)`` in the parameters' own units.
    """
    check_samples(method, samples)
    if method == "morris":
        from SALib.sample import morris as morris_sample

        return morris_sample.sample(dict(problem), samples, num_levels=MORRIS_LEVELS, seed=seed)
    from SALib.sample import sobol as sobol_sample

    return sobol_sample.sample(dict(problem), samples, calc_second_order=False, scramble=True, seed=seed)


@dataclass
class SensitivityDesign:
    """Everything that fixes the runs of a sensitivity analysis (stored in ``sensitivity.json``)."""

    method: str
    samples: int
    problem: dict[str, Any]
    integer: list[bool]
    root_seed: int
    seed: int
    noise_seeds: list[int]
    scale: float
    scenario_name: str
    scenario_sha256: str
    scenario_file: str | None
    X: np.ndarray = field(repr=False)

    def to_json(self) -> dict[str, Any]:
        """The JSON form (without the sample matrix, which goes to ``samples.csv``)."""
        return {
            "format": FORMAT,
            "method": self.method,
            "samples": self.samples,
            "num_levels": MORRIS_LEVELS if self.method == "morris" else None,
            "calc_second_order": False if self.method == "sobol" else None,
            "problem": self.problem,
            "integer": self.integer,
            "root_seed": self.root_seed,
            "seed": self.seed,
            "noise_seeds": self.noise_seeds,
            "scale": self.scale,
            "scenario_name": self.scenario_name,
            "scenario_sha256": self.scenario_sha256,
            "scenario_file": self.scenario_file,
            "design_points": int(len(self.X)),
            "common_random_numbers": (
                "every design point and one-at-a-time run uses seed `seed` (replication 0 of the "
                "root seed); `noise_seeds` are replications 0-3 of the unchanged scenario"
            ),
        }


def job_names(design: SensitivityDesign) -> list[str]:
    """Store name of each design point: ``sample_00000`` ..."""
    return [f"sample_{i:05d}" for i in range(len(design.X))]


def write_design(out: Path, design: SensitivityDesign) -> None:
    """Write ``samples.csv`` and ``sensitivity.json`` atomically."""
    frame = pd.DataFrame(design.X, columns=design.problem["names"])
    frame.insert(0, "job", job_names(design))
    write_bytes(out / "samples.csv", frame.to_csv(index=False).encode())
    payload = design.to_json()
    payload["created"] = datetime.now(UTC).isoformat(timespec="seconds")
    write_bytes(out / "sensitivity.json", (json.dumps(payload, indent=2) + "\n").encode())


def read_design(out: Path) -> SensitivityDesign:
    """Read a stored design back (exact floats); :class:`UsageError` if unreadable or of another kind."""
    where = out / "sensitivity.json"
    try:
        meta = json.loads(where.read_text())
        frame = read_exact_csv(out / "samples.csv", text_columns=("job",))
    except (OSError, ValueError) as exc:
        raise UsageError(f"{where}: cannot read the stored design ({exc}); use another --out") from None
    check_format(where, meta, FORMAT, "sensitivity analysis")
    names = meta["problem"]["names"]
    if list(frame.columns) != ["job", *names]:
        raise UsageError(f"{out / 'samples.csv'}: columns do not match the problem in sensitivity.json")
    return SensitivityDesign(
        method=meta["method"], samples=int(meta["samples"]), problem=meta["problem"],
        integer=list(meta["integer"]), root_seed=int(meta["root_seed"]), seed=int(meta["seed"]),
        noise_seeds=[int(s) for s in meta["noise_seeds"]], scale=float(meta["scale"]),
        scenario_name=meta["scenario_name"], scenario_sha256=meta["scenario_sha256"],
        scenario_file=meta.get("scenario_file"), X=frame[names].to_numpy(dtype=float),
    )


def design_identity(design: SensitivityDesign) -> dict[str, Any]:
    """The items that must be equal to reuse a stored analysis's runs (see :mod:`sim.io.resume`)."""
    return {
        "method": design.method,
        "samples": design.samples,
        "names": list(design.problem["names"]),
        "bounds": [list(map(float, b)) for b in design.problem["bounds"]],
        "groups": problem_groups(design.problem),
        "root_seed": design.root_seed,
        "scale": design.scale,
        "scenario_sha256": design.scenario_sha256,
    }


IDENTITY_LABELS = {
    "names": "problem.names (--params)",
    "groups": "problem.groups (--groups)",
    "bounds": "problem.bounds (parameter ranges changed)",
    "root_seed": "root_seed (--seed)",
    "scenario_sha256": "scenario_sha256 (scenario changed)",
}


def check_same(out: Path, old: SensitivityDesign, new: SensitivityDesign) -> None:
    """Refuse to resume a stored design that differs from the command's (:mod:`sim.io.resume`)."""
    check_identity(out / "sensitivity.json", design_identity(old), design_identity(new), what="this analysis",
                   labels=IDENTITY_LABELS)


__all__ = [
    "FORMAT",
    "GROUPINGS",
    "MORRIS_LEVELS",
    "SensitivityDesign",
    "check_same",
    "check_samples",
    "design_identity",
    "design_size",
    "factor_names",
    "parameter_groups",
    "problem_groups",
    "job_names",
    "read_design",
    "salib_problem",
    "sample_design",
    "select_parameters",
    "write_design",
]
