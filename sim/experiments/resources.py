"""Memory, disk and time a run or a batch needs, estimated before anything is allocated.

A run's cost grows with the founders that arrive over its period,
``arrivals_per_month x scale x months``: the firm arrays, the firm table and its Parquet encoding
all hold one row per firm started. The coefficients below were measured with ``/usr/bin/time -v``
on ``startup-sim run scenarios/putuo/baseline.toml`` (700 arrivals a month, 60 months) at scales
1, 16 and 64 (peak resident memory 0.23, 0.50 and 1.16 GB; 5, 17 and 49 s), and on a batch's
run directories; each is rounded up so the estimate errs on the safe side.

:func:`check_run_resources` and :func:`check_batch_resources` refuse (a
:class:`sim.errors.UsageError`, exit code 2) when the estimate exceeds the limit, naming the
estimate, the limit and the option that overrides it. They only read the scenario; nothing heavy
is imported here.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from sim.errors import UsageError
from sim.scenario.schema import Scenario

GB = 1e9
BASE_MEMORY_BYTES = 250e6
"""Measured: a Python process with numpy, pandas, Mesa and pyarrow loaded, about 0.22 GB; rounded up."""
MEMORY_PER_ARRIVAL_BYTES = 400.0
"""Measured: 324 bytes of peak memory per arriving founder between scales 16 and 64; rounded up
(assumption for other scenarios: range 300-500)."""
DISK_BASE_BYTES = 100e3
"""Measured: a batch run directory's fixed part (monthly table, metrics, targets, done.json), about 45 kB."""
DISK_PER_ARRIVAL_BYTES = 15.0
"""Measured: the zstd-compressed firm table, about 10-11 bytes per arriving founder (0.52 MB per run
at scale 1, 6.6 MB at scale 16); rounded up."""
SECONDS_BASE = 0.05
"""Measured (session 5, the 2-core VM): a run at scale 0.001 takes 0.04 s inside a running process
(the CLI's own start-up, about 0.6 s, is not counted); rounded up."""
SECONDS_PER_ARRIVAL = 5e-6
"""Measured (session 5, the 2-core VM): 4.3-4.5 microseconds per expected arriving founder at scales
1 and 16 (Putuo baseline: 0.23 s for 42,000, 2.9 s for 672,000); rounded up. Session 2's code took
17 microseconds."""
MEMORY_SHARE = 0.8
"""assumption: by default a command may use 80% of the memory available when it starts
(range 0.5-0.9: the rest is left to the operating system and other programs)."""
DISK_SHARE = 0.9
"""assumption: by default a batch may fill 90% of the free space of its file system (range 0.5-0.95)."""
ANNOUNCE_SECONDS = 60.0
"""assumption: estimates of runs longer than a minute are printed before they start (range 10-300 s)."""


def arrivals(scenario: Scenario, scale: float) -> float:
    """Founders arriving over the scenario's period at ``scale`` (persons)."""
    return scenario.population.arrivals_per_month * scale * scenario.period.n_months


def run_memory_bytes(scenario: Scenario, scale: float) -> float:
    """Estimated peak memory of one process running one replication (bytes)."""
    return BASE_MEMORY_BYTES + MEMORY_PER_ARRIVAL_BYTES * arrivals(scenario, scale)


def shared_draws_bytes(scenario: Scenario, scale: float) -> float:
    """Estimated memory a batch worker keeps for the runs of one seed (bytes,
    :func:`sim.core.shared_draws.kept_bytes`): about 25 MB for the Putuo baseline at scale 1.
    """
    from sim.core.firm_shocks import DRAW_ROWS
    from sim.core.shared_draws import kept_bytes

    return kept_bytes(arrivals(scenario, scale), scenario.period.n_months, DRAW_ROWS)


def run_disk_bytes(scenario: Scenario, scale: float) -> float:
    """Estimated size of one stored batch run (bytes)."""
    return DISK_BASE_BYTES + DISK_PER_ARRIVAL_BYTES * arrivals(scenario, scale)


def run_seconds(scenario: Scenario, scale: float) -> float:
    """Estimated wall time of one replication on one core (seconds)."""
    return SECONDS_BASE + SECONDS_PER_ARRIVAL * arrivals(scenario, scale)


def available_memory_bytes() -> float | None:
    """Memory available to new processes now (``MemAvailable`` on Linux), or None if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return float(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):
        return None


def machine_description() -> str:
    """The machine a benchmark ran on, in one line: processor model, processors this process may
    use, total memory, operating system, Python and numpy versions (what the README records with
    each figure). Parts that cannot be read are left out.
    """
    import platform

    import numpy as np

    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            model = next((line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")), model)
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    parts = [model, f"{usable} processors usable"]
    try:
        parts.append(f"{os.sysconf('SC_PHYS_PAGES') * os.sysconf('SC_PAGE_SIZE') / 2**30:.0f} GiB memory")
    except (AttributeError, ValueError, OSError):
        pass
    parts += [f"{platform.system()} {platform.release()}", f"Python {platform.python_version()}",
              f"numpy {np.__version__}"]
    return ", ".join(part for part in parts if part)


def free_disk_bytes(path: Path) -> float | None:
    """Free space of the file system that holds ``path`` (or its nearest existing parent)."""
    probe = path.absolute()
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        return float(shutil.disk_usage(probe).free)
    except OSError:
        return None


def _limit(given_gb: float | None, measured: float | None, share: float) -> float | None:
    if given_gb is not None:
        return given_gb * GB
    return None if measured is None else measured * share


def _gb(value: float) -> str:
    return f"{value / GB:,.2f} GB" if value < 100 * GB else f"{value / GB:,.0f} GB"


def _announce(seconds: float, memory: float, what: str) -> None:
    if seconds >= ANNOUNCE_SECONDS:
        print(f"note: {what}: estimated {seconds / 60:,.1f} min and {_gb(memory)} of memory", file=sys.stderr)


def check_run_resources(scenario: Scenario, scale: float, max_memory_gb: float | None = None) -> float:
    """Refuse a run whose estimated memory exceeds the limit; return the estimate (bytes).

    Args:
        scenario: The scenario to run.
        scale: Its population scale.
        max_memory_gb: The limit in GB (``--max-memory``); None: :data:`MEMORY_SHARE` of the memory
            available now (no check if that is unknown).

    Raises:
        UsageError: Estimate above the limit (names both and ``--max-memory``).
    """
    need = run_memory_bytes(scenario, scale)
    limit = _limit(max_memory_gb, available_memory_bytes(), MEMORY_SHARE)
    if limit is not None and need > limit:
        raise UsageError(
            f"{scenario.name}: a run at scale {scale:g} needs about {_gb(need)} of memory "
            f"({arrivals(scenario, scale):,.0f} founders over {scenario.period.n_months} months), above the "
            f"limit of {_gb(limit)}; lower --scale or population.arrivals_per_month, or raise the limit "
            "with --max-memory GB"
        )
    _announce(run_seconds(scenario, scale), need, scenario.name)
    return need


def check_batch_resources(
    runs: Sequence[tuple[Scenario, float]],
    workers: int,
    out: Path,
    max_memory_gb: float | None = None,
    max_disk_gb: float | None = None,
) -> tuple[float, float]:
    """Refuse a batch whose estimated memory (all workers at once) or disk exceeds the limits.

    Args:
        runs: ``(scenario, scale)`` of every run still to do.
        workers: Runs at the same time.
        out: The batch directory (its file system's free space is the disk limit).
        max_memory_gb: Memory limit in GB (``--max-memory``); None: :data:`MEMORY_SHARE` of the
            memory available now.
        max_disk_gb: Disk limit in GB (``--max-disk``); None: :data:`DISK_SHARE` of the free space.

    Returns:
        ``(memory, disk)`` estimates in bytes.

    Raises:
        UsageError: An estimate above its limit (names both and the option to change).
    """
    if not runs:
        return 0.0, 0.0
    sizes: dict[tuple[int, float], tuple[float, float, float, str]] = {}
    for scenario, scale in runs:
        key = (id(scenario), scale)
        if key not in sizes:
            # a worker also keeps the draws its group of runs shares (sim.core.shared_draws)
            memory = run_memory_bytes(scenario, scale) + shared_draws_bytes(scenario, scale)
            sizes[key] = (memory, run_disk_bytes(scenario, scale), run_seconds(scenario, scale), scenario.name)
    per_run, _, _, largest = max(sizes[(id(s), k)] for s, k in runs)
    at_once = max(1, min(workers, len(runs)))
    memory = BASE_MEMORY_BYTES + at_once * per_run
    disk = sum(sizes[(id(s), k)][1] for s, k in runs)
    limit = _limit(max_memory_gb, available_memory_bytes(), MEMORY_SHARE)
    if limit is not None and memory > limit:
        raise UsageError(
            f"batch: {at_once} runs at once need about {_gb(memory)} of memory ({_gb(per_run)} per run of "
            f"{largest}), above the limit of {_gb(limit)}; use fewer --workers or a lower --scale, or raise "
            "the limit with --max-memory GB"
        )
    disk_limit = _limit(max_disk_gb, free_disk_bytes(out), DISK_SHARE)
    if disk_limit is not None and disk > disk_limit:
        raise UsageError(
            f"{out}: the batch's {len(runs):,} runs need about {_gb(disk)} of disk, above the limit of "
            f"{_gb(disk_limit)} (from the free space there); use fewer --replications, a lower --scale or "
            "another --out, or raise the limit with --max-disk GB"
        )
    total = sum(sizes[(id(s), k)][2] for s, k in runs) / at_once
    _announce(total, memory, "batch")
    return memory, disk


__all__ = [
    "arrivals",
    "available_memory_bytes",
    "check_batch_resources",
    "check_run_resources",
    "free_disk_bytes",
    "machine_description",
    "run_disk_bytes",
    "run_memory_bytes",
    "run_seconds",
    "shared_draws_bytes",
]
