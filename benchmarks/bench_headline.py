"""Headline figures of the Putuo baseline and its no-policy counterfactual (3 seeds, scale 1).

Prints, per scenario and seed: jobs_created, surviving_firms, survival_3y and jobs per surviving
firm, and their means. Used to report a model change's effect on the headline results.

Usage:
    python benchmarks/bench_headline.py [--seeds 0 1 2] [--scale 1]
"""

from __future__ import annotations

import argparse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ("scenarios/putuo/baseline.toml", "scenarios/putuo/no_policy.toml")
COLUMNS = ("jobs_created", "surviving_firms", "survival_3y", "jobs_per_surviving_firm")


def main() -> None:
    """Run the replications and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    from sim.experiments.simulate import simulate
    from sim.scenario.files import load_scenario

    for path in SCENARIOS:
        scenario = load_scenario(ROOT / path)
        rows = []
        for seed in args.seeds:
            metrics = simulate(scenario, seed=seed, scale=args.scale).metrics
            rows.append([float(metrics[c]) for c in COLUMNS])
            cells = "  ".join(f"{c}={v:,.3f}" for c, v in zip(COLUMNS, rows[-1], strict=True))
            print(f"{scenario.name:18s} seed {seed}: {cells}")
        means = [sum(r[j] for r in rows) / len(rows) for j in range(len(COLUMNS))]
        print(f"{scenario.name:18s} mean  : " + "  ".join(f"{c}={v:,.3f}" for c, v in zip(COLUMNS, means, strict=True)))


if __name__ == "__main__":
    main()
