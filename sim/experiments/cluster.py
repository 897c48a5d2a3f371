"""Batches on a SLURM cluster: a generated job script that runs ``startup-sim batch`` through
dask-jobqueue.

:func:`slurm_script` writes a bash script to submit with ``sbatch``. It runs a small *driver* job
that starts a Dask scheduler, asks SLURM for worker jobs with ``dask_jobqueue.SLURMCluster`` and
then runs the batch with ``--executor dask --scheduler <that scheduler>``. Only the driver writes
the batch directory (workers simulate and send back encoded tables), so the workers need
``startup-sim`` and ``dask-jobqueue`` installed (``pip install "startup-sim[cluster]"``) but no
shared file system. Results are identical to a local batch with the same root seed (common
random numbers do not depend on the executor).
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from sim.errors import UsageError

DEFAULT_WORKER_MEMORY_GB = 2.0
"""assumption: memory per worker process (GB). One replication peaks at about 0.2 GB at scale 1
and 0.6 GB for the whole city (``scenarios/shanghai/baseline.toml``); range 1-4 GB."""
DRIVER_MEMORY_GB = 4
"""assumption: memory of the driver job (GB): it holds the summary and writes the store; range 2-8."""


@dataclass(frozen=True)
class SlurmSettings:
    """Resources of the SLURM worker jobs.

    Attributes:
        jobs: SLURM worker jobs to start.
        cores: Cores per job; each job runs that many single-threaded Dask worker processes.
        memory_gb: Memory per job (GB); default ``cores x DEFAULT_WORKER_MEMORY_GB``.
        walltime: Wall-time limit of the driver and of each worker job (``HH:MM:SS``).
        queue: SLURM partition (``--partition``), or None for the cluster's default.
        account: SLURM account to charge, or None.
        python: Python interpreter with ``startup-sim`` installed (default: the one generating
            the script).
    """

    jobs: int = 4
    cores: int = 8
    memory_gb: float | None = None
    walltime: str = "02:00:00"
    queue: str | None = None
    account: str | None = None
    python: str | None = None

    def check(self) -> None:
        """Raise :class:`UsageError` for settings SLURM would refuse."""
        if self.jobs < 1 or self.cores < 1:
            raise UsageError(f"SLURM: jobs and cores must be >= 1, got jobs={self.jobs}, cores={self.cores}")
        if self.memory_gb is not None and self.memory_gb <= 0:
            raise UsageError(f"SLURM: memory must be positive, got {self.memory_gb} GB")
        parts = self.walltime.split(":")
        if len(parts) != 3 or not all(p.isdigit() for p in parts):
            raise UsageError(f"SLURM: walltime must be HH:MM:SS, got {self.walltime!r}")

    @property
    def job_memory(self) -> str:
        """Memory per worker job as dask-jobqueue expects it (``"16GB"``)."""
        gb = self.memory_gb if self.memory_gb is not None else self.cores * DEFAULT_WORKER_MEMORY_GB
        return f"{gb:g}GB"


def slurm_cluster_options(settings: SlurmSettings) -> dict[str, object]:
    """Keyword arguments of ``dask_jobqueue.SLURMCluster`` for these settings."""
    options: dict[str, object] = {
        "cores": settings.cores,
        "processes": settings.cores,
        "memory": settings.job_memory,
        "walltime": settings.walltime,
        "job_name": "startup-sim-worker",
        "python": settings.python or sys.executable or "python3",
    }
    if settings.queue:
        options["queue"] = settings.queue
    if settings.account:
        options["account"] = settings.account
    return options


def slurm_script(batch_args: Sequence[str], settings: SlurmSettings | None = None) -> str:
    """A bash script for ``sbatch`` that runs ``startup-sim batch <batch_args>`` on SLURM workers.

    Args:
        batch_args: Arguments of ``startup-sim batch`` (scenarios, ``--replications``, ``--out``,
            ...), without ``--executor``, ``--scheduler`` or ``--workers``: the script sets them.
            Relative paths are resolved from the directory ``sbatch`` is called in.
        settings: Worker resources (defaults: :class:`SlurmSettings`).

    Returns:
        The script's text.
    """
    s = settings or SlurmSettings()
    s.check()
    args = list(batch_args)
    for flag in ("--executor", "--scheduler", "--workers", "-j"):
        if any(a == flag or a.startswith(flag + "=") for a in args):
            raise UsageError(f"--slurm-script: {flag} is set by the script; leave it out")
    python = s.python or sys.executable or "python3"
    header = [
        "#!/bin/bash",
        "#SBATCH --job-name=startup-sim-driver",
        "#SBATCH --ntasks=1",
        "#SBATCH --cpus-per-task=1",
        f"#SBATCH --mem={DRIVER_MEMORY_GB}G",
        f"#SBATCH --time={s.walltime}",
    ]
    if s.queue:
        header.append(f"#SBATCH --partition={s.queue}")
    if s.account:
        header.append(f"#SBATCH --account={s.account}")
    options = slurm_cluster_options(s)
    option_lines = "".join(f"    {key}={value!r},\n" for key, value in options.items())
    workers = s.jobs * s.cores
    command = "startup-sim batch " + " ".join(shlex.quote(a) for a in args)
    driver = (
        "import sys\n"
        "\n"
        "from dask_jobqueue import SLURMCluster\n"
        "\n"
        "from sim.cli import main\n"
        "\n"
        "cluster = SLURMCluster(\n"
        f"{option_lines}"
        ")\n"
        f"cluster.scale(jobs={s.jobs})\n"
        'print("worker job script:", cluster.job_script(), sep="\\n", file=sys.stderr)\n'
        "try:\n"
        f"    code = main([\"batch\", *{args!r},\n"
        '        "--executor", "dask", "--scheduler", cluster.scheduler_address,\n'
        f'        "--workers", "{workers}", "--quiet"])\n'
        "finally:\n"
        "    cluster.close()\n"
        "sys.exit(code)\n"
    )
    body = [
        "",
        f"# Runs: {command}",
        f"# on {s.jobs} SLURM worker jobs x {s.cores} cores ({workers} Dask workers, {s.job_memory} per job),",
        "# started from this driver job through dask-jobqueue. Submit with: sbatch THIS_FILE",
        "# Needs startup-sim and dask-jobqueue on the cluster: pip install \"startup-sim[cluster]\".",
        "set -euo pipefail",
        'cd "${SLURM_SUBMIT_DIR:-.}"',
        "driver=$(cat <<'STARTUP_SIM_DRIVER'",
        driver.rstrip("\n"),
        "STARTUP_SIM_DRIVER",
        ")",
        f'exec {shlex.quote(python)} -c "$driver"',
        "",
    ]
    return "\n".join(header + body)


__all__ = ["SlurmSettings", "slurm_cluster_options", "slurm_script"]
