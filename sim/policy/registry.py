"""The levers: each declared once, in the order of the schema's ``policy`` tables.

Everything that lists levers iterates :data:`LEVERS`: the model builds one programme per entry,
the firm table has a ``support_<name>_yuan`` column and the monthly table a ``spend_<name>_yuan``
column for each, and figures and reports take their labels from :func:`lever_labels`. The
programme classes are imported only when a model is built (:meth:`Lever.programme_class`), so
listing levers stays light.

Adding a lever: a module in ``sim/policy/`` with a :class:`sim.policy.base.Programme` subclass, a
table in :class:`sim.scenario.policy_tables.Policy`, an entry here, and scenario files.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim.scenario.policy_tables import Policy

if TYPE_CHECKING:
    from sim.core.context import Context
    from sim.policy.base import Programme


@dataclass(frozen=True)
class Lever:
    """One policy lever.

    Attributes:
        name: Its table in the schema's ``policy`` section (and the programme's ``name``).
        label: English label for figures and reports.
        programme: ``"module:Class"`` of its :class:`sim.policy.base.Programme` subclass.
        mechanism: One sentence on how it changes firms.
        sources: Seed lines the lever comes from.
    """

    name: str
    label: str
    programme: str
    mechanism: str
    sources: tuple[str, ...]

    def programme_class(self) -> type[Programme]:
        """The programme class (imported on first use)."""
        module, _, cls = self.programme.partition(":")
        return getattr(importlib.import_module(module), cls)


LEVERS: tuple[Lever, ...] = (
    Lever(
        "loan_interest_subsidy", "Loan interest subsidy and guarantees", "sim.policy.loans:LoanProgramme",
        "A guarantee lets founders without collateral borrow and an interest subsidy lowers their rate, so more "
        "capital-short firms borrow and start with more cash; in relief shocks cash-short firms get emergency loans.",
        ("000:51", "001:39", "002:35", "004:89", "003:23"),
    ),
    Lever(
        "rent_relief", "Rent relief", "sim.policy.rent_relief:RentReliefProgramme",
        "Young (incubated) firms have a share of their rent paid and state-owned premises waive rent in relief "
        "shocks, lowering the cost of each workstation.",
        ("002:31-33", "003:23", "004:47"),
    ),
    Lever(
        "incubation", "Incubation bases", "sim.policy.incubation:IncubationProgramme",
        "Bases admit screened young firms for a fixed period with discounted (for graduates free) rent and "
        "mentoring that raises productivity.",
        ("000:41", "001:21", "002:31-33", "004:47"),
    ),
    Lever(
        "talent_housing", "Talent housing subsidy", "sim.policy.talent_housing:TalentHousingProgramme",
        "A monthly rent subsidy per eligible employee of growth firms lowers the net cost of staff.",
        ("000:47", "003:23"),
    ),
    Lever(
        "startup_subsidies", "Start-up subsidies", "sim.policy.startup_subsidies:StartupSubsidyProgramme",
        "An opening subsidy, start-up capital for incubated firms and an early-stage social-insurance subsidy add "
        "cash and lower staff costs in the first years.",
        ("002:21",),
    ),
    Lever(
        "growth_grants", "Growth grants (little giants)", "sim.policy.growth_grants:GrowthGrantProgramme",
        "Once a year the best-performing eligible firms receive 1 M or 0.5 M yuan and a lasting productivity gain.",
        ("002:39", "004:49"),
    ),
    Lever(
        "training", "Training", "sim.policy.training:TrainingProgramme",
        "Entrepreneurship camps raise the skill of the newly arrived (young graduate) founders they reach.",
        ("001:51", "002:25", "002:27"),
    ),
    Lever(
        "rd_projects", "Industry-academia R&D projects", "sim.policy.rd_projects:RdProjectProgramme",
        "Once a year eligible technology firms with a project with a university or institute receive up to 30% of "
        "their own investment in it (at most 3 M yuan) within the budget, adding cash and a lasting productivity gain.",
        ("000:31",),
    ),
    Lever(
        "job_retention", "Job-retention subsidies", "sim.policy.job_retention:JobRetentionProgramme",
        "In a relief-package shock firms that keep their staff receive a subsidy per employee kept (Shanghai 2022: "
        "600 yuan), lowering the cost of keeping staff so they shed fewer.",
        ("003:23", "002:33"),
    ),
)

if tuple(lever.name for lever in LEVERS) != tuple(Policy.model_fields):
    raise ImportError("sim.policy.registry.LEVERS must list the schema's policy tables, in order")


def lever_names() -> tuple[str, ...]:
    """Lever names in registry order."""
    return tuple(lever.name for lever in LEVERS)


def lever_labels() -> dict[str, str]:
    """Lever name -> English label, in registry order."""
    return {lever.name: lever.label for lever in LEVERS}


def build_programmes(ctx: Context, policy: Policy) -> list[Programme]:
    """One programme per lever, in registry order, from the scenario's ``policy`` section."""
    return [lever.programme_class().from_policy(ctx, policy) for lever in LEVERS]
