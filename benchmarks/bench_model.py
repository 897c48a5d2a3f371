"""Benchmark one replication of a scenario at several population scales.

Prints, per scale: the simulation's wall and CPU time (``simulate()``, tables and metrics
included, in a fresh process), firms started, firm-months simulated, firm-months per second and
peak memory of that process; then the whole process of ``startup-sim run --scale S`` (interpreter
start, imports, simulation, writing the run's files): wall time and peak resident memory.

Usage:
    python benchmarks/bench_model.py [--scenario scenarios/putuo/baseline.toml] [--scales 1 4 16]
                                     [--repeat 3]

Goals on a 2-core machine: whole process at 1x under 1 s; at 16x under 3 s and 600 MB. With
``--repeat R`` every measurement runs R times and the fastest is shown (the machine may be
shared; the CPU time is less sensitive to that than the wall time).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def one_run(scenario: str, scale: float, seed: int) -> dict:
    """Run one replication in this process and report its figures."""
    from sim.experiments.simulate import simulate
    from sim.scenario.files import load_scenario

    loaded = load_scenario(scenario)
    start, cpu = time.perf_counter(), time.process_time()
    result = simulate(loaded, seed=seed, scale=scale)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    firm_months = int(result.monthly["active_firms"].sum())
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "scale": scale,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "firms_started": int(result.metrics["firms_started"]),
        "founders_arrived": int(result.monthly["nascent_founders"].sum()),
        "firm_months": firm_months,
        "firm_months_per_s": firm_months / seconds,
        "peak_rss_mb": peak_kib / 1024.0,
    }


def whole_process(scenario: str, scale: float, seed: int) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system) and peak resident MB of ``startup-sim run`` as
    one fresh process (the CPU time depends less on other load of a shared machine)."""
    with tempfile.TemporaryDirectory(prefix="bench_model_") as tmp:
        command = [sys.executable, "-m", "sim", "run", scenario, "--scale", str(scale), "--seed", str(seed),
                   "--out", str(Path(tmp) / "run")]
        start = time.perf_counter()
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed: {child.stderr.read().decode()[-2000:]}")
        child.stderr.close()
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "putuo" / "baseline.toml"))
    parser.add_argument("--scales", type=float, nargs="+", default=[1.0, 4.0, 16.0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement; the fastest is shown")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    from sim.experiments.resources import machine_description

    print(f"machine: {machine_description()}")
    if args.child:
        print(json.dumps(one_run(args.scenario, args.scales[0], args.seed)))
        return
    print(f"scenario {args.scenario}, seed {args.seed}, fastest of {args.repeat}")
    print(f"{'scale':>6} {'seconds':>8} {'cpu s':>7} {'firms':>9} {'firm-months':>12} {'firm-months/s':>14} "
          f"{'peak MB':>8} {'process s':>10} {'proc cpu s':>10} {'process MB':>11}")
    for scale in args.scales:
        runs = []
        for _ in range(max(args.repeat, 1)):
            out = subprocess.run(
                [sys.executable, __file__, "--child", "--scenario", args.scenario,
                 "--scales", str(scale), "--seed", str(args.seed)],
                capture_output=True, text=True, check=True,
            )
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        r = min(runs, key=lambda item: item["seconds"])
        cpu = min(item["cpu_seconds"] for item in runs)
        process = [whole_process(args.scenario, scale, args.seed) for _ in range(max(args.repeat, 1))]
        process_s = min(p[0] for p in process)
        process_cpu = min(p[1] for p in process)
        process_mb = max(p[2] for p in process)
        print(
            f"{r['scale']:>6g} {r['seconds']:>8.2f} {cpu:>7.2f} {r['firms_started']:>9,} {r['firm_months']:>12,} "
            f"{r['firm_months'] / r['seconds']:>14,.0f} {r['peak_rss_mb']:>8.0f} {process_s:>10.2f} "
            f"{process_cpu:>10.2f} {process_mb:>11.0f}"
        )


if __name__ == "__main__":
    main()
