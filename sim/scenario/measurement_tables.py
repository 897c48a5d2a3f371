"""What a scenario counts and is judged against: the ``[measurement]`` definitions and ``[[targets]]``.

Part of the :class:`sim.scenario.schema.Scenario`; target metric names are checked against the outcome
declarations (:mod:`sim.scenario.outcomes`) when a file is loaded (:mod:`sim.scenario.files`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sim.scenario.parameters import SEED_PUTUO_PLAN_2019, param
from sim.scenario.section import A, Section


class Measurement(Section):
    """Definitions used to count outcomes that the documents target."""

    high_tech_min_employees: int = param(
        10, unit="persons", low=5, high=20, ge=0, le=100_000,
        source="assumption: the national recognition rules for high-tech enterprises (MOST, MOF and SAT, "
        "Guoke Fahuo [2016] No. 32) set no size but ask for R&D staff of at least 10% of employees and "
        "R&D spending of 3-5% of revenue, which a firm of about 10 people can show; range 5-20",
        description="staff from which a technology firm counts as a new high-tech enterprise (004:49)",
    )
    high_tech_min_log_productivity: float = param(
        0.6, unit="log productivity", low=0.4, high=0.8, ge=-5, le=5,
        source="assumption: chosen so that Yangpu's count stays near the 20-staff proxy it replaces (about "
        "200 a year); range 0.4-0.8, which binds (about 420 and 60 a year in Yangpu)",
        description="productivity (innovation capacity) from which a technology firm counts as a new high-tech "
        "enterprise",
    )
    little_giant_min_age_months: int = param(
        24, unit="months", source=A, low=12, high=36, ge=0, le=600,
        description="age from which a technology firm can meet the little-giant criteria (a track record; "
        "the criteria of the 2017 implementing rules, 002:39, are not in the documents)",
    )
    little_giant_min_employees: int = param(
        15, unit="persons", source=A, low=10, high=30, ge=0, le=100_000,
        description="staff from which a technology firm meets the little-giant criteria (a growing small "
        "technology enterprise, 002:39 and 004:49 'good growth')",
    )
    little_giant_min_growth: float = param(
        3.0, unit="times the staff at registration", source=A, low=2.0, high=5.0, ge=1.0, le=1000.0,
        description="growth since registration a technology firm needs to meet the little-giant criteria "
        "(004:49: 'competitive, good growth')",
    )
    helped_window_months: int = param(
        12, unit="months", low=6, high=24, ge=1, le=600,
        source=f"assumption: 'helped to start a business' ({SEED_PUTUO_PLAN_2019}:21) counts support in the "
        "start-up phase, before founding or within the firm's first year; the documents count people at founding",
        description="support received up to this firm age counts the founder as helped to start a business",
    )


class Target(Section):
    """A district target a scenario is judged against."""

    metric: str = Field(description="headline metric name")
    op: Literal[">=", ">", "<=", "<"] = ">="
    value: float
    label: str = ""
    source: str = ""
    scales_with_population: bool = Field(
        True, description="multiply the target by --scale (counts), or not (rates)"
    )
    kind: Literal["outcome", "policy_input"] = Field(
        "outcome",
        description="'outcome': the model measures whether it is met; 'policy_input': the scenario sets the "
        "value (e.g. a schedule of new bases), so meeting it says nothing about the policies' effect",
    )
