"""Why the documented mix's deadweight is far above the published 50-80% (issue 14, item 4).

Prints, with common random numbers (founder slot ``firm_id`` is the same person in every run):

1. the first-year support Putuo's nascent founders plan on, as a share of their first-year costs
   (founders who take up support; recorded at registration);
2. the deadweight among the recipients of an opening subsidy alone, by its size as a share of
   first-year costs at the mean initial size (Putuo without other programmes, unlimited budget);
3. for registration support weights from the registry's value to far beyond its range: the
   documented mix's deadweight (both readings) and additional firms, the deadweight of a subsidy
   worth a quarter of first-year costs, and what a 10% per-person subsidy for every firm
   (bench_elasticity's experiment) does to firms started and to the total elasticity of jobs.

The evaluations behind the published band studied programmes that paid founders a large share of
their first-year costs; Putuo's founders plan on a few per cent. A response strong enough to give
the band with that support makes a large subsidy nearly fully additional and entry explode.

Usage:
    python benchmarks/bench_deadweight.py [--seeds 1 2] [--scale 0.5]
"""

from __future__ import annotations

import argparse
from contextlib import contextmanager
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
PUTUO = ROOT / "scenarios/putuo/baseline.toml"
NO_POLICY = ROOT / "scenarios/putuo/no_policy.toml"
SUBSIDY_SHARES = (0.025, 0.05, 0.10, 0.25, 0.40)
"""Opening subsidies as shares of a founder's first-year costs at the mean initial size."""
SUPPORT_WEIGHTS = (4.0, 8.0, 20.0, 50.0)
"""``behaviour.registration_support_weight`` values tried (registry value 4, range 2-8)."""


@contextmanager
def recorded_support(records: list[np.ndarray]):
    """Record ``support taken up / expected start cost`` of every founder who decides on registering."""
    from sim.core.firms import FirmPopulation

    original = FirmPopulation.register

    def register(self, new, expected_support_yuan, month, entry_factor=1.0):
        taken = np.where(self.takes_up_support(new), expected_support_yuan, 0.0)
        records.append((taken / self.expected_start_cost_yuan(new))[self.takes_up_support(new)])
        return original(self, new, expected_support_yuan, month, entry_factor)

    FirmPopulation.register = register
    try:
        yield
    finally:
        FirmPopulation.register = original


def with_behaviour(scenario, **values):
    """``scenario`` with behaviour parameters replaced."""
    return scenario.model_copy(update={"behaviour": scenario.behaviour.model_copy(update=values)})


def opening_subsidy(share: float, weight: float | None = None):
    """``(without, with)``: Putuo no_policy and the same with only an opening subsidy of ``share`` of
    first-year costs at the mean initial size (unlimited budget)."""
    from sim.core.firms import FirmPopulation
    from sim.scenario.files import load_scenario

    off = load_scenario(NO_POLICY)
    if weight is not None:
        off = with_behaviour(off, registration_support_weight=weight)
    size = 1 + off.population.initial_employees_mean
    cost = 12 * FirmPopulation(off, expected_arrivals=1).monthly_cost_yuan(np.array([size]))[0]
    subsidy = off.policy.startup_subsidies.model_copy(update={
        "enabled": True, "opening_subsidy_yuan": share * cost, "startup_capital_subsidy_yuan": 0.0,
        "social_insurance_subsidy_yuan_per_person_month": 0.0, "annual_budget_yuan": 1e12,
    })
    return off, off.model_copy(update={"policy": off.policy.model_copy(update={"startup_subsidies": subsidy})})


def paired(on, off, seeds, scale) -> dict[str, float]:
    """Means over ``seeds`` of the paired founder outcomes of ``on`` against ``off``."""
    from sim.analysis.compare import founder_additionality
    from sim.experiments.simulate import simulate

    rows = []
    for seed in seeds:
        a, b = simulate(on, seed=seed, scale=scale), simulate(off, seed=seed, scale=scale)
        row = founder_additionality(a.firms, b.firms)
        row["additional_firms"] /= scale
        row["started_change"] = a.metrics["firms_started"] / b.metrics["firms_started"] - 1.0
        row["jobs_change"] = a.metrics["jobs_created"] / b.metrics["jobs_created"] - 1.0
        rows.append(row)
    return {key: float(np.mean([r[key] for r in rows])) for key in rows[0]}


def main() -> None:
    """Run and print the three parts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--scale", type=float, default=0.5)
    args = parser.parse_args()
    from bench_elasticity import COST_CUT, subsidy_pair

    from sim.experiments.simulate import simulate
    from sim.scenario.files import load_scenario

    putuo, no_policy = load_scenario(PUTUO), load_scenario(NO_POLICY)
    records: list[np.ndarray] = []
    with recorded_support(records):
        simulate(putuo, seed=args.seeds[0], scale=args.scale)
    share = np.concatenate(records)
    print(f"1. Putuo baseline, seed {args.seeds[0]}: first-year support planned by founders who take up support, "
          f"share of first-year costs: mean {share.mean():.1%}, median {np.median(share):.1%}, "
          f"90th percentile {np.quantile(share, 0.9):.1%}")
    print("2. opening subsidy alone (share of first-year costs) -> deadweight among recipients, firms started:")
    for subsidy_share in SUBSIDY_SHARES:
        out = paired(*reversed(opening_subsidy(subsidy_share)), args.seeds, args.scale)
        print(f"   {subsidy_share:5.1%}: deadweight {out['deadweight_share_narrow']:.3f}, "
              f"firms started {out['started_change']:+.1%}")
    print("3. registration support weight -> documented mix's deadweight (broad / narrow), additional firms; "
          "quarter-of-costs subsidy's deadweight; 10% per-person subsidy for every firm: firms started, "
          "total jobs elasticity:")
    for weight in SUPPORT_WEIGHTS:
        mix = paired(with_behaviour(putuo, registration_support_weight=weight),
                     with_behaviour(no_policy, registration_support_weight=weight), args.seeds, args.scale)
        quarter = paired(*reversed(opening_subsidy(0.25, weight)), args.seeds, args.scale)
        base, subsidised = (with_behaviour(s, registration_support_weight=weight) for s in subsidy_pair())
        everyone = paired(subsidised, base, args.seeds, args.scale)
        print(f"   {weight:4.0f}: mix {mix['deadweight_share']:.3f} / {mix['deadweight_share_narrow']:.3f}, "
              f"{mix['additional_firms']:,.0f} additional firms; quarter-of-costs subsidy "
              f"{quarter['deadweight_share_narrow']:.3f}; per-person subsidy: firms started "
              f"{everyone['started_change']:+.1%}, elasticity {everyone['jobs_change'] / -COST_CUT:.2f}")


if __name__ == "__main__":
    main()
