"""Benchmark one replication of a scenario at several population scales.

Prints, per scale: wall time, firms started, firm-months simulated, firm-months per second and
peak memory (resident set size of a fresh process running only that replication).

Usage:
    python benchmarks/bench_model.py [--scenario scenarios/putuo/baseline.toml] [--scales 1 4 16]

Goals on a 2-core machine: Putuo baseline at 1x under 1 s; 16x (about the whole city) under
20 s and under 2 GB.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def one_run(scenario: str, scale: float, seed: int) -> dict:
    """Run one replication in this process and report its figures."""
    from sim.experiments.simulate import simulate
    from sim.scenario.files import load_scenario

    loaded = load_scenario(scenario)
    start = time.perf_counter()
    result = simulate(loaded, seed=seed, scale=scale)
    seconds = time.perf_counter() - start
    firm_months = int(result.monthly["active_firms"].sum())
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "scale": scale,
        "seconds": seconds,
        "firms_started": int(result.metrics["firms_started"]),
        "founders_arrived": int(result.monthly["nascent_founders"].sum()),
        "firm_months": firm_months,
        "firm_months_per_s": firm_months / seconds,
        "peak_rss_mb": peak_kib / 1024.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "putuo" / "baseline.toml"))
    parser.add_argument("--scales", type=float, nargs="+", default=[1.0, 4.0, 16.0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(one_run(args.scenario, args.scales[0], args.seed)))
        return
    print(f"scenario {args.scenario}, seed {args.seed}")
    print(f"{'scale':>6} {'seconds':>8} {'firms':>9} {'firm-months':>12} {'firm-months/s':>14} {'peak MB':>8}")
    for scale in args.scales:
        out = subprocess.run(
            [sys.executable, __file__, "--child", "--scenario", args.scenario,
             "--scales", str(scale), "--seed", str(args.seed)],
            capture_output=True, text=True, check=True,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"{r['scale']:>6g} {r['seconds']:>8.2f} {r['firms_started']:>9,} {r['firm_months']:>12,} "
            f"{r['firm_months_per_s']:>14,.0f} {r['peak_rss_mb']:>8.0f}"
        )


if __name__ == "__main__":
    main()
