"""``startup-sim batch`` and ``startup-sim compare``."""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.cli.types import (
    max_gigabytes,
    positive_float,
    positive_int,
    print_scenario_warnings,
    replications_int,
    scale_value,
    seed_int,
)
from sim.errors import UsageError
from sim.experiments.executors import EXECUTORS, default_workers, resolve_executor


def write_slurm_script(args: argparse.Namespace) -> int:
    """Write a SLURM job script that runs this batch through dask-jobqueue, instead of running it."""
    from sim.errors import UsageError
    from sim.experiments.cluster import SlurmSettings, slurm_script
    from sim.io.atomic import write_bytes

    if args.executor or args.scheduler or args.workers:
        raise UsageError("--slurm-script: the script chooses the executor and workers; leave out "
                         "--executor, --scheduler and --workers (use --slurm-jobs and --slurm-cores)")
    batch_args = [*args.scenarios, "--replications", str(args.replications), "--seed", str(args.seed),
                  "--scale", repr(args.scale), "--out", args.out or str(Path("results") / "batch")]
    batch_args += ["--resume"] if args.resume else []
    batch_args += ["--metrics-only"] if args.metrics_only else []
    settings = SlurmSettings(
        jobs=args.slurm_jobs, cores=args.slurm_cores, memory_gb=args.slurm_memory_gb, walltime=args.slurm_walltime,
        queue=args.slurm_queue, account=args.slurm_account,
    )
    path = Path(args.slurm_script)
    write_bytes(path, slurm_script(batch_args, settings).encode())
    path.chmod(0o755)
    print(f"wrote {path}: submit with `sbatch {path}` on the cluster's login node "
          f"({settings.jobs} worker jobs x {settings.cores} cores, {settings.job_memory} each, {settings.walltime})")
    return 0


def cmd_batch(args: argparse.Namespace) -> int:
    """Run scenarios x replications into a batch directory and print where the summary is."""
    if args.slurm_script:
        return write_slurm_script(args)
    from sim.experiments.batch import run_batch

    executor, workers = resolve_executor(args.executor, args.scheduler, args.workers)
    print_scenario_warnings(args.scenarios)
    out = Path(args.out) if args.out else Path("results") / "batch"
    summary = run_batch(
        args.scenarios, args.replications, out, workers=workers, executor=executor,
        scheduler=args.scheduler, root_seed=args.seed, resume=args.resume, scale=args.scale,
        progress=not args.quiet, tables=not args.metrics_only, max_memory_gb=args.max_memory,
        max_disk_gb=args.max_disk,
    )
    failed = int((summary["status"] == "failed").sum())
    ok = len(summary) - failed
    print(f"{ok} runs ok, {failed} failed; wrote {out}/summary.csv, {out}/manifest.json and {out}/runs/")
    if failed:
        first = summary.loc[summary["status"] == "failed"].iloc[0]
        print(f"first failure: {first['scenario']} replication {first['replication']}: {first['error']}")
        print(f"details in {out}/runs/<scenario>/rNNNN.failed.json; rerun with --resume to retry failed runs")
    print(f"compare the scenarios with: startup-sim compare {out}")
    return 1 if failed else 0


def cmd_compare(args: argparse.Namespace) -> int:
    """Print and write ``OUT/comparison.csv``."""
    from sim.analysis.compare import compare_batch, format_comparison, write_comparison

    table = compare_batch(args.out, baseline=args.baseline, counterfactual=args.counterfactual)
    print(format_comparison(table))
    try:
        path = write_comparison(args.out, table, path=args.csv)
    except OSError as exc:
        from sim.cli.failures import os_error_line

        raise UsageError(f"cannot write the comparison ({os_error_line(exc)}); the table is printed above; "
                         "write it elsewhere with --out FILE") from None
    print(f"\nwrote {path} ({len(table)} rows; every metric)")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``batch`` and ``compare``."""
    batch = sub.add_parser(
        "batch", help="run scenarios x replications (paired seeds) locally or on a Dask cluster",
        description="Run every scenario --replications times. Replication r uses the same seed in every "
        "scenario (common random numbers). Each run is stored as soon as it finishes; --resume completes "
        "an interrupted batch.",
    )
    batch.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="scenario TOML files (unique names)")
    batch.add_argument("--replications", "-n", type=replications_int, required=True,
                       help="replications per scenario (at most 100,000)")
    batch.add_argument("--workers", "-j", type=positive_int, default=None,
                       help=f"worker processes (default: CPU count capped, here {default_workers()})")
    batch.add_argument("--executor", choices=EXECUTORS, default=None,
                       help="local process pool (default) or Dask distributed")
    batch.add_argument("--scheduler", metavar="ADDRESS",
                       help="Dask scheduler, e.g. tcp://HOST:8786 (default: start a LocalCluster on 127.0.0.1)")
    batch.add_argument("--seed", type=seed_int, default=0, help="root seed of the replications (default 0)")
    batch.add_argument("--out", help="batch directory (default results/batch)")
    batch.add_argument("--resume", action="store_true", help="complete the batch already in --out")
    batch.add_argument("--scale", type=scale_value, default=1.0,
                       help="population/capacity/budget multiplier of every run (default 1, at most 1000)")
    batch.add_argument("--max-memory", type=max_gigabytes, default=None, metavar="GB",
                       help="refuse if the runs at once are estimated to need more memory (default: 80%% of "
                       "the memory available now)")
    batch.add_argument("--max-disk", type=max_gigabytes, default=None, metavar="GB",
                       help="refuse if the runs are estimated to need more disk (default: 90%% of the free "
                       "space of --out's file system)")
    batch.add_argument("--metrics-only", action="store_true",
                       help="store only each run's metrics and targets, not its monthly and firm tables "
                       "(enough for compare; faster, smaller)")
    batch.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    slurm = batch.add_argument_group(
        "SLURM cluster", "write a job script that runs this batch on a SLURM cluster through dask-jobqueue "
        "(submit it with sbatch; nothing runs here)")
    slurm.add_argument("--slurm-script", metavar="FILE", help="write the job script to FILE instead of running")
    slurm.add_argument("--slurm-jobs", type=positive_int, default=4, help="SLURM worker jobs (default 4)")
    slurm.add_argument("--slurm-cores", type=positive_int, default=8,
                       help="cores per worker job, one Dask worker each (default 8)")
    slurm.add_argument("--slurm-memory-gb", type=positive_float, default=None,
                       help="memory per worker job in GB (default 2 per core)")
    slurm.add_argument("--slurm-walltime", default="02:00:00", metavar="HH:MM:SS",
                       help="time limit of the driver and worker jobs (default 02:00:00)")
    slurm.add_argument("--slurm-queue", metavar="PARTITION", help="SLURM partition (default: the cluster's)")
    slurm.add_argument("--slurm-account", metavar="ACCOUNT", help="SLURM account to charge")
    batch.set_defaults(handler=cmd_batch)

    compare = sub.add_parser(
        "compare", help="means, paired differences, target probabilities and additionality of a batch",
    )
    compare.add_argument("out", metavar="OUT", help="batch directory")
    compare.add_argument("--baseline", metavar="NAME",
                         help="scenario to difference against (default: the one named *baseline, else the first)")
    compare.add_argument("--counterfactual", metavar="NAME",
                         help="no-policy scenario for additionality (default: the one whose name contains no_policy)")
    compare.add_argument("--out", dest="csv", metavar="FILE",
                         help="write the comparison table to FILE (default OUT/comparison.csv; use it when "
                         "the batch directory is read-only)")
    compare.set_defaults(handler=cmd_compare)
