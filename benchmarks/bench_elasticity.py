"""Own-wage elasticity of labour demand in the model (issue 14, item 2).

The experiment: a per-person subsidy of 10% of the gross cost of a person (wage, employer social
insurance, rent), paid to every firm for all its staff from its first month (eligibility 1,
take-up 1, unlimited budget), against the same district without it (Putuo no_policy, every founder
aware of programmes). The elasticity is the relative change in jobs at the end of the period
divided by the relative change in the cost of a person (-10%), with common random numbers.
Published own-wage elasticities of labour demand lie mostly between -0.3 and -1 (Hamermesh 1993;
Lichter, Peichl & Siegloch 2015, mean about -0.5).

Usage:
    python benchmarks/bench_elasticity.py [--seeds 0 1 2] [--scale 0.5]
"""

from __future__ import annotations

import argparse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COST_CUT = 0.10
"""The subsidy as a share of the gross cost of a person (the issue's experiment)."""


def subsidy_pair(scenario_path: Path = ROOT / "scenarios/putuo/no_policy.toml"):
    """The experiment's two scenarios: ``(without, with)`` the 10% per-person subsidy for everyone."""
    from sim.core.population import FirmArrays
    from sim.scenario.files import load_scenario

    base = load_scenario(scenario_path)
    base = base.model_copy(update={"behaviour": base.behaviour.model_copy(update={"support_take_up_share": 1.0})})
    gross_cost = FirmArrays.cost_per_person_yuan(type("Only", (), {"scenario": base})())
    housing = base.policy.talent_housing.model_copy(update={
        "enabled": True, "subsidy_yuan_per_person_month": COST_CUT * gross_cost, "eligible_employee_share": 1.0,
        "min_firm_age_months": 0, "min_employees": 0, "annual_budget_yuan": 1e12,
    })
    subsidised = base.model_copy(update={"policy": base.policy.model_copy(update={"talent_housing": housing})})
    return base, subsidised


def elasticity(seed: int, scale: float) -> tuple[float, float, int, int]:
    """``(total elasticity, continuing firms' elasticity, jobs without, jobs with)`` for one seed.

    The continuing firms are those alive at the end in both runs (the same founders, common random
    numbers): their staff response is what firm-level estimates of labour demand measure.
    """
    from sim.experiments.simulate import simulate

    base, subsidised = subsidy_pair()
    a, b = simulate(base, seed=seed, scale=scale), simulate(subsidised, seed=seed, scale=scale)
    jobs0, jobs1 = int(a.metrics["jobs_created"]), int(b.metrics["jobs_created"])
    fa, fb = a.firms.set_index("firm_id"), b.firms.set_index("firm_id")
    both = fa.index[fa["censored"]].intersection(fb.index[fb["censored"]])
    per_firm = (fb.loc[both, "employees"].sum() / fa.loc[both, "employees"].sum() - 1.0) / -COST_CUT
    return (jobs1 / jobs0 - 1.0) / -COST_CUT, per_firm, jobs0, jobs1


def main() -> None:
    """Print the elasticity per seed and its mean."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--scale", type=float, default=0.5)
    args = parser.parse_args()
    totals, firms = [], []
    for seed in args.seeds:
        total, per_firm, jobs0, jobs1 = elasticity(seed, args.scale)
        totals.append(total)
        firms.append(per_firm)
        print(f"seed {seed}: jobs {jobs0:,} -> {jobs1:,} with a 10% cost cut: elasticity {total:.2f} "
              f"(continuing firms {per_firm:.2f})")
    print(f"mean elasticity {sum(totals) / len(totals):.2f}, continuing firms {sum(firms) / len(firms):.2f} "
          "(published firm-level range -1.0 to -0.3)")


if __name__ == "__main__":
    main()
