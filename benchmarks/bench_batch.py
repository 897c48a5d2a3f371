"""Benchmark a batch: Putuo scenarios x replications on a local process pool (or Dask).

Prints wall time, runs per second, the mean simulation time per run and the overhead (process
start-up, Parquet encoding, writing, summary) as the share of worker time not spent simulating,
and the CPU time of the worker processes and of this process (the store's writer) per run: on a
shared machine the CPU time is the comparable figure (local executor; Dask's workers are not this
process's children).

Usage:
    python benchmarks/bench_batch.py [--scenarios 6] [--replications 100] [--workers 2]
                                     [--scale 1] [--executor local|dask] [--out DIR] [--metrics-only]

Scenarios: the first ``--scenarios`` of baseline, no_policy and the lever_*.toml files in
scenarios/putuo/; if fewer files exist, in-memory variants of the baseline with one programme
disabled fill the list. ``--metrics-only`` stores only each run's metrics and targets (no monthly
or firm table), as sensitivity designs and optimisers do. Goal on the 2-core machine: 6 scenarios x
100 replications at scale 1 on 2 workers in under 45 s (metrics-only).
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PREFERRED = ("baseline", "no_policy", "lever_loans", "lever_rent_relief", "lever_incubation",
             "lever_talent_housing", "lever_training", "lever_startup_subsidies", "lever_growth_grants")


def pick_scenarios(count: int) -> list:
    """Scenario files (as paths) and, if too few, in-memory variants of the baseline."""
    from sim.scenario.files import load_scenario, validate_dict

    folder = ROOT / "scenarios" / "putuo"
    chosen: list = [folder / f"{name}.toml" for name in PREFERRED if (folder / f"{name}.toml").exists()]
    chosen += sorted(p for p in folder.glob("*.toml") if p not in chosen)
    chosen = chosen[:count]
    if len(chosen) < count:
        base = load_scenario(folder / "baseline.toml").model_dump()
        names = {load_scenario(p).name for p in chosen}
        for programme in base["policy"]:
            if len(chosen) >= count:
                break
            data = load_scenario(folder / "baseline.toml").model_dump()
            data["name"] = f"putuo_without_{programme}"
            data["description"] = f"baseline without {programme}"
            data["policy"][programme]["enabled"] = False
            if data["name"] not in names:
                chosen.append(validate_dict(data))
    return chosen


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", type=int, default=6)
    parser.add_argument("--replications", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--executor", choices=("local", "dask"), default="local")
    parser.add_argument("--out", help="keep the batch here (default: a temporary directory, removed)")
    parser.add_argument("--metrics-only", action="store_true", help="store metrics and targets only, no tables")
    args = parser.parse_args()
    from sim.experiments.resources import machine_description

    print(f"machine: {machine_description()}")

    from sim.experiments.batch import run_jobs
    from sim.experiments.jobs import batch_jobs, load_scenarios

    loaded = load_scenarios(pick_scenarios(args.scenarios))
    names = [scenario.name for scenario, _ in loaded]
    jobs = batch_jobs([scenario for scenario, _ in loaded], args.replications, root_seed=0, scale=args.scale,
                      tables=not args.metrics_only)
    runs = len(jobs)
    tmp = None
    if args.out:
        out = Path(args.out)
    else:
        tmp = tempfile.mkdtemp(prefix="bench_batch_")
        out = Path(tmp) / "batch"
    print(f"{len(names)} scenarios x {args.replications} replications = {runs} runs, scale {args.scale:g}, "
          f"{args.workers} workers ({args.executor}): {', '.join(names)}", flush=True)
    simulated: list[float] = []

    def cpu() -> tuple[float, float]:
        own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime

    try:
        cpu_before = cpu()
        start = time.perf_counter()
        summary = run_jobs(jobs, out, workers=args.workers, executor=args.executor,
                           progress=sys.stderr.isatty(), manifest_extra={"kind": "benchmark"},
                           on_outcome=lambda job, outcome: simulated.append(outcome.seconds))
        wall = time.perf_counter() - start
        cpu_after = cpu()
        failed = int((summary["status"] != "ok").sum())
        size_mb = sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 1e6
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    busy = sum(simulated)
    print(f"wall time         {wall:8.1f} s")
    print(f"runs per second   {runs / wall:8.2f}")
    print(f"seconds per run   {wall * args.workers / runs:8.3f} (worker-seconds, all included)")
    print(f"  simulating      {busy / runs:8.3f} (simulate + Parquet encoding, in the workers)")
    print(f"  batch overhead  {1 - busy / (wall * args.workers):8.1%} of worker capacity "
          "(process start-up, transfer, writing, idle)")
    own_cpu, worker_cpu = (after - before for after, before in zip(cpu_after, cpu_before, strict=True))
    if args.executor == "local" and args.workers > 1:
        print(f"CPU per run       {worker_cpu / runs:8.3f} s in the workers (start-up included), "
              f"{own_cpu / runs:.4f} s in this process (store, summary)")
    print(f"failed runs       {failed:8d}")
    print(f"store size        {size_mb:8.1f} MB")
    goal = 45.0 * runs / 600
    print(f"goal              {'met' if wall < goal else 'MISSED'} (< {goal:.0f} s for {runs} runs, "
          f"pro rata of 45 s for 600)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
