"""Profile one replication with cProfile: where a month's time goes.

Prints the share of ``simulate()`` spent in each part of the month (cumulative time of the model's
and the population's methods, so nested parts are inside their parents) and the functions with the
most time of their own. The README's profile comes from this script.

Usage:
    python benchmarks/profile_model.py [--scenario scenarios/putuo/baseline.toml] [--scale 16]
                                       [--seed 0] [--top 15]

cProfile adds a cost per Python call (about a third more time here), so the shares, not the
seconds, are what to compare; ``bench_model.py`` gives the times. cProfile sees only the main
thread, so the look-ahead thread (:mod:`sim.core.lookahead`) is off here: the shares are of all
the work of a month, wherever it runs.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PARTS = (
    ("StartupEcosystem.step", "the whole month"),
    ("StartupEcosystem._monthly_draws", "  the month's firm shocks (sim/core/firm_shocks.py)"),
    ("StartupEcosystem._arrive", "  arrivals: founders' attributes"),
    ("FirmPopulation.register", "  registration"),
    ("Bank.lend_to_new_firms", "  start-up loans"),
    ("StartupEcosystem._operate", "  operations: the month's account"),
    ("FirmPopulation.open_account", "    productivity, revenue, costs"),
    ("Bank.service_loans", "    loan service"),
    ("FirmPopulation.close_account", "    profit and cash"),
    ("StartupEcosystem._per_person_support", "  support per person for hiring"),
    ("FirmPopulation.leaving", "  exits"),
    ("FirmPopulation.hire_and_shed", "  hiring and shedding"),
    ("FirmPopulation.planned_staff", "    planned staff (also in exits)"),
    ("StartupEcosystem._record", "  the month's record"),
)
HOOKS = ("admit", "pay_monthly", "annual_awards", "planned_per_person_support_yuan", "pay_at_opening")
"""Programme hooks summed over the nine programmes."""


def profile(scenario: str, scale: float, seed: int) -> tuple[pstats.Stats, float]:
    """Run ``simulate()`` once unprofiled (imports, tables) and once under cProfile."""
    from sim.experiments.simulate import simulate
    from sim.scenario.files import load_scenario

    loaded = load_scenario(scenario)
    simulate(loaded, seed=seed, scale=min(scale, 0.1))
    profiler = cProfile.Profile()
    profiler.enable()
    simulate(loaded, seed=seed, scale=scale)
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = max(ct for (_, _, name), (_, _, _, ct, _) in stats.stats.items() if name == "simulate")
    return stats, total


def cumulative(stats: pstats.Stats, qualified: str) -> float:
    """Cumulative seconds of ``Class.method`` (or of a method name in any class, for the hooks)."""
    owner, _, method = qualified.rpartition(".")
    seconds = 0.0
    for (path, line, name), (_, _, _, ct, _) in stats.stats.items():
        if name != method:
            continue
        source = Path(path)
        if owner and source.exists():
            text = source.read_text(encoding="utf-8").splitlines()
            defined_in = next((t for t in reversed(text[:line]) if t.startswith("class ")), "")
            if not defined_in.startswith(f"class {owner}"):
                continue
        seconds += ct
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "putuo" / "baseline.toml"))
    parser.add_argument("--scale", type=float, default=16.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    from sim.core.lookahead import LOOKAHEAD

    LOOKAHEAD.enabled = False  # cProfile follows the main thread only
    stats, total = profile(args.scenario, args.scale, args.seed)
    name = Path(args.scenario).name
    print(f"{name} at scale {args.scale:g}, seed {args.seed}: simulate() {total:.2f} s under cProfile")
    print("\npart of the month                                          share of simulate()")
    for qualified, label in PARTS:
        print(f"{label:<58} {cumulative(stats, qualified) / total:6.1%}")
    for hook in HOOKS:
        print(f"{'  programmes: ' + hook:<58} {cumulative(stats, hook) / total:6.1%}")
    print(f"\nfunctions with the most time of their own (top {args.top})")
    rows = sorted(stats.stats.items(), key=lambda item: -item[1][2])[: args.top]
    for (path, line, name), (_, calls, own, _, _) in rows:
        where = f"{Path(path).parent.name}/{Path(path).name}:{line}" if path != "~" else "numpy/builtins"
        print(f"{own / total:6.1%}  {calls:>7,} calls  {name:<34} {where}")


if __name__ == "__main__":
    main()
