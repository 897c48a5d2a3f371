"""Policy mixes as decision vectors: levers' switches, budget shares and intensities under one budget.

A candidate mix is a point ``x`` in the unit cube ``[0, 1]^n`` (what the search library moves);
:meth:`MixSpace.decode` turns it into settings of the scenario's ``policy`` tables:

* **switch** of each lever: ``enabled = x >= 0.5``;
* **budget share** of each lever: non-negative weights ``w`` (one per lever) and one slack weight
  ``w0``; an enabled lever gets the share ``w_i / (w0 + sum of the enabled levers' w)`` of the
  yearly budget ``B``, rounded down to whole yuan, as its ``annual_budget_yuan``. The shares of
  the enabled levers sum to at most 1, so **the budget holds by construction**: the levers'
  budgets add up to at most ``B`` for every ``x``, and each programme never spends more than its
  budget in a calendar year (:class:`sim.policy.base.Programme`). The slack weight lets a mix
  leave part of ``B`` unspent;
* **intensities** (subsidy sizes, shares covered, incubation period, eligibility): the fields
  listed in :data:`INTENSITIES`, each over its plausible ``[low, high]`` range from the parameter
  registry (integers rounded), and yes/no fields (``x >= 0.5``).

A lever that is switched off keeps the scenario's own settings (they cannot act), so mixes that
differ only in the settings of disabled levers have the same :func:`mix_id` and run once.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.errors import UsageError
from sim.scenario.files import validate_dict
from sim.scenario.parameters import iter_parameters
from sim.scenario.schema import Scenario

SWITCH_AT = 0.5
"""A switch or yes/no variable in ``[0, 1]`` means on / yes from this value (half of its range)."""

INTENSITIES: dict[str, tuple[str, ...]] = {
    "loan_interest_subsidy": ("guarantee", "interest_subsidy_share"),
    "rent_relief": ("subsidy_share", "max_firm_age_months", "incubated_only"),
    "incubation": (
        "new_bases_per_year", "period_months", "extension_months", "place_rent_discount",
        "free_place_share_graduates", "services_subsidy_yuan_per_place_month",
    ),
    "talent_housing": ("subsidy_yuan_per_person_month", "min_firm_age_months", "min_employees"),
    "startup_subsidies": (
        "opening_subsidy_yuan", "startup_capital_subsidy_yuan",
        "social_insurance_subsidy_yuan_per_person_month", "social_insurance_subsidy_months",
    ),
    "growth_grants": ("min_firm_age_months", "min_employees"),
    "training": ("places_per_year", "graduates_only"),
    "rd_projects": ("support_share", "min_firm_age_months", "min_employees", "tech_only"),
}
"""The settings a district government chooses, per lever (the other ranged fields of a lever, such
as mentoring effects or take-up, describe how firms respond and are assumptions, not choices).
A lever missing here is searched over its switch and budget share only."""


@dataclass(frozen=True)
class Variable:
    """One decision variable (a coordinate of ``x``).

    Attributes:
        name: ``"<lever>.enabled"``, ``"<lever>.budget_weight"``, ``"slack.budget_weight"`` or the
            dotted field ``"<lever>.<field>"`` under ``policy``.
        lever: The lever it belongs to (``""`` for the slack weight).
        kind: ``"switch"``, ``"weight"``, ``"real"``, ``"integer"`` or ``"bool"``.
        low: Value at ``x = 0`` (real and integer kinds).
        high: Value at ``x = 1`` (real and integer kinds).
    """

    name: str
    lever: str
    kind: str
    low: float = 0.0
    high: float = 1.0

    def value(self, u: float) -> Any:
        """The setting this variable gives at coordinate ``u`` in ``[0, 1]``."""
        u = min(max(float(u), 0.0), 1.0)
        if self.kind in ("switch", "bool"):
            return u >= SWITCH_AT
        if self.kind == "weight":
            return u
        number = self.low + u * (self.high - self.low)
        return int(round(number)) if self.kind == "integer" else number


def budget_shares(weights: np.ndarray, enabled: np.ndarray, slack: float) -> np.ndarray:
    """Each lever's share of the yearly budget.

    Args:
        weights: Non-negative weight per lever.
        enabled: Whether each lever is switched on.
        slack: Non-negative weight of the unspent part.

    Returns:
        Shares ``>= 0`` summing to at most 1; a disabled lever's share is 0. All weights zero give
        all shares zero.
    """
    w = np.where(np.asarray(enabled, dtype=bool), np.maximum(np.asarray(weights, dtype=float), 0.0), 0.0)
    total = float(w.sum()) + max(float(slack), 0.0)
    if total <= 0:
        return np.zeros_like(w)
    return w / total


def lever_budgets(shares: np.ndarray, budget_yuan: float) -> np.ndarray:
    """Budgets in whole yuan per year: ``floor(share x B)``, so they add up to at most ``B``."""
    budgets = np.floor(np.asarray(shares, dtype=float) * float(budget_yuan))
    excess = float(budgets.sum()) - math.floor(budget_yuan)
    if excess > 0:  # only from rounding of shares summing to 1 + eps: take it from the largest
        budgets[int(np.argmax(budgets))] -= excess
    return budgets


@dataclass(frozen=True)
class Mix:
    """A decoded candidate: the policy settings it gives and its budget.

    Attributes:
        settings: ``{"<lever>.<field>": value}`` for every field the mix sets (``enabled`` and
            ``annual_budget_yuan`` of every lever; intensities of enabled levers).
        budget_yuan: The yearly budget ``B`` the mix shares out (yuan/year).
    """

    settings: dict[str, Any]
    budget_yuan: float

    def enabled(self) -> list[str]:
        """The levers switched on, in registry order."""
        return [name.split(".")[0] for name, value in self.settings.items()
                if name.endswith(".enabled") and value]

    def allocated_yuan(self) -> float:
        """Sum of the levers' yearly budgets (yuan/year); never above ``budget_yuan``."""
        return float(sum(v for k, v in self.settings.items() if k.endswith(".annual_budget_yuan")))


def mix_id(mix: Mix) -> str:
    """Identity of a mix: SHA-256 (12 hex digits) of its canonical settings and budget."""
    canonical = json.dumps({"budget": mix.budget_yuan, "settings": mix.settings}, sort_keys=True)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]


class MixSpace:
    """The decision variables of a scenario's policy mix under a yearly budget."""

    def __init__(self, scenario: Scenario, budget_yuan: float, levers: Sequence[str] | None = None,
                 intensities: bool = True) -> None:
        """Build the variables from the levers and the parameter registry's ranges.

        Args:
            scenario: The scenario whose policy mix is searched (other settings stay).
            budget_yuan: Yearly budget ``B`` shared out among the enabled levers (yuan/year, at
                scale 1; a run at ``--scale S`` multiplies it by ``S`` like every budget).
            levers: Levers to search (default: every lever of :mod:`sim.policy.registry`); the others
                are off.
            intensities: Also search each lever's intensities (else they stay as in the scenario).

        Raises:
            UsageError: A budget that is not positive, or an unknown lever.
        """
        if not (budget_yuan > 0 and math.isfinite(budget_yuan)):
            raise UsageError(f"--budget-yuan: must be a positive number, got {budget_yuan!r}")
        from sim.policy.registry import lever_names

        known = lever_names()
        chosen = tuple(known if levers is None else levers)
        unknown = [name for name in chosen if name not in known]
        if unknown or not chosen:
            raise UsageError(f"--levers: unknown lever(s) {unknown}; choose from {', '.join(known)}")
        self.scenario = scenario
        self.budget_yuan = float(budget_yuan)
        self.levers = tuple(name for name in known if name in chosen)
        self.all_levers = known
        registry = {p.name: p for p in iter_parameters(scenario)}
        variables: list[Variable] = []
        for lever in self.levers:
            variables.append(Variable(f"{lever}.enabled", lever, "switch"))
            variables.append(Variable(f"{lever}.budget_weight", lever, "weight"))
        variables.append(Variable("slack.budget_weight", "", "weight"))
        if intensities:
            for lever in self.levers:
                for field in INTENSITIES.get(lever, ()):
                    current = getattr(getattr(scenario.policy, lever), field)
                    if isinstance(current, bool):
                        variables.append(Variable(f"{lever}.{field}", lever, "bool"))
                        continue
                    info = registry[f"policy.{lever}.{field}"]
                    if info.low is None or info.high is None:
                        raise UsageError(f"policy.{lever}.{field}: has no plausible range to search")
                    kind = "integer" if info.integer else "real"
                    variables.append(Variable(f"{lever}.{field}", lever, kind, float(info.low), float(info.high)))
        self.variables = tuple(variables)

    @property
    def n_var(self) -> int:
        """Number of decision variables."""
        return len(self.variables)

    def names(self) -> list[str]:
        """Variable names, in the order of ``x``."""
        return [v.name for v in self.variables]

    def decode(self, x: Sequence[float]) -> Mix:
        """The mix at ``x`` (a point of the unit cube, clipped to it).

        Raises:
            ValueError: ``x`` of the wrong length.
        """
        x = np.asarray(x, dtype=float)
        if x.shape != (self.n_var,):
            raise ValueError(f"expected {self.n_var} decision variables, got shape {x.shape}")
        values = {v.name: v.value(u) for v, u in zip(self.variables, x, strict=True)}
        enabled = np.array([values[f"{lever}.enabled"] for lever in self.levers], dtype=bool)
        weights = np.array([values[f"{lever}.budget_weight"] for lever in self.levers])
        budgets = lever_budgets(budget_shares(weights, enabled, values["slack.budget_weight"]), self.budget_yuan)
        settings: dict[str, Any] = {}
        for lever in self.all_levers:
            on = lever in self.levers and bool(enabled[self.levers.index(lever)])
            settings[f"{lever}.enabled"] = on
            settings[f"{lever}.annual_budget_yuan"] = float(budgets[self.levers.index(lever)]) if on else 0.0
            if on:
                for v in self.variables:
                    if v.lever == lever and v.kind in ("real", "integer", "bool"):
                        settings[v.name] = values[v.name]
        return Mix(settings, self.budget_yuan)

    def encode(self, scenario: Scenario | None = None) -> np.ndarray:
        """A point of the unit cube whose mix is close to a scenario's own mix.

        Switches and intensities as in the scenario (clipped to the ranges); budget weights in
        proportion to the scenario's budgets and no slack, so the decoded mix shares the whole
        budget ``B`` as the scenario shares its own. Used to seed the search.
        """
        scenario = scenario or self.scenario
        budgets = {lever: float(getattr(scenario.policy, lever).annual_budget_yuan)
                   for lever in self.levers if getattr(scenario.policy, lever).enabled}
        top = max(budgets.values(), default=0.0)
        x = np.zeros(self.n_var)
        for j, v in enumerate(self.variables):
            if v.kind == "switch":
                x[j] = 1.0 if v.lever in budgets else 0.0
            elif v.kind == "weight":
                x[j] = budgets.get(v.lever, 0.0) / top if v.lever and top > 0 else 0.0
            else:
                value = getattr(getattr(scenario.policy, v.lever), v.name.split(".", 1)[1])
                if v.kind == "bool":
                    x[j] = 1.0 if value else 0.0
                else:
                    x[j] = min(max((float(value) - v.low) / (v.high - v.low), 0.0), 1.0)
        return x

    def settings_of(self, scenario: Scenario | None = None) -> Mix:
        """A scenario's own mix in this space's terms (its own budgets, which may exceed ``B``).

        Args:
            scenario: Any scenario (default: the one the space was built from).
        """
        scenario = scenario or self.scenario
        settings: dict[str, Any] = {}
        for lever in self.all_levers:
            table = getattr(scenario.policy, lever)
            on = bool(table.enabled)
            settings[f"{lever}.enabled"] = on
            settings[f"{lever}.annual_budget_yuan"] = float(table.annual_budget_yuan) if on else 0.0
            if on:
                for v in self.variables:
                    if v.lever == lever and v.kind in ("real", "integer", "bool"):
                        settings[v.name] = getattr(table, v.name.split(".", 1)[1])
        return Mix(settings, self.budget_yuan)


def apply_mix(scenario: Scenario, settings: Mapping[str, Any], name: str | None = None) -> Scenario:
    """A copy of ``scenario`` with ``policy.<lever>.<field>`` set from ``settings``, validated.

    Args:
        scenario: The scenario.
        settings: ``{"<lever>.<field>": value}`` (as in :attr:`Mix.settings`).
        name: New scenario name (default: unchanged).

    Raises:
        ScenarioError: A value the schema rejects.
    """
    data = scenario.model_dump(mode="python")
    for dotted, value in settings.items():
        lever, field = dotted.split(".", 1)
        data["policy"][lever][field] = value
    if name is not None:
        data["name"] = name
    return validate_dict(data, f"{name or scenario.name} (policy mix)")


def changed_settings(scenario: Scenario, settings: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The settings that differ from the scenario's, as ``{lever: {field: value}}`` (for an overlay).

    The budget of a lever the mix switches off is left out (it cannot act).
    """
    tables: dict[str, dict[str, Any]] = {}
    for dotted, value in settings.items():
        lever, field = dotted.split(".", 1)
        if field == "annual_budget_yuan" and not settings.get(f"{lever}.enabled", True):
            continue
        if getattr(getattr(scenario.policy, lever), field) != value:
            tables.setdefault(lever, {})[field] = value
    return tables


__all__ = [
    "INTENSITIES",
    "Mix",
    "MixSpace",
    "Variable",
    "apply_mix",
    "budget_shares",
    "changed_settings",
    "lever_budgets",
    "mix_id",
]
