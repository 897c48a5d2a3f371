"""Whole-process start-up time of the command line: ``--help``, ``validate`` and ``run``.

Runs each command N times as a fresh process (``subprocess``, wall clock with
``time.perf_counter``) and prints min / median / max seconds, and which heavy libraries the
light commands import (they must import none). Goals (issue 10): ``--help`` and ``validate``
under 0.5 s, ``run`` of the Putuo baseline at scale 1 under 1.2 s.

    python benchmarks/bench_startup.py            # 5 repetitions each
    python benchmarks/bench_startup.py -n 10 --importtime   # also the slowest imports of `run`
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "putuo" / "baseline.toml"
HEAVY = ("mesa", "pandas", "scipy", "matplotlib", "dask", "pyarrow", "SALib", "numpy")
GOALS = {"--help": 0.5, "validate": 0.5, "run": 1.2}


def commands(out: Path) -> dict[str, list[str]]:
    """The measured commands (``python -m sim`` so the venv's interpreter is used)."""
    cli = [sys.executable, "-m", "sim"]
    return {
        "--help": [*cli, "--help"],
        "validate": [*cli, "validate", str(BASELINE)],
        "run": [*cli, "run", str(BASELINE), "--out", str(out / "run")],
    }


def wall_seconds(command: list[str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one whole process; raises if it fails.

    The CPU time depends less than the wall time on other load of a shared machine.
    """
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise subprocess.CalledProcessError(os.waitstatus_to_exitcode(status), command)
    return seconds, usage.ru_utime + usage.ru_stime


def heavy_imports(args: list[str]) -> list[str]:
    """Heavy libraries in ``sys.modules`` after running the CLI in-process with ``args``."""
    probe = (
        "import contextlib, io, sys\n"
        "from sim.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        f"        main({args!r})\n"
        "    except SystemExit:\n"
        "        pass\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    return [m for m in done.stdout.strip().split(",") if m]


def slowest_imports(command: list[str], count: int = 12) -> list[tuple[int, str]]:
    """The ``count`` largest cumulative import times (microseconds) of a command (``-X importtime``)."""
    done = subprocess.run([command[0], "-X", "importtime", *command[1:]], capture_output=True, text=True,
                          cwd=ROOT)
    rows = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _own, cumulative, name = (part.strip() for part in line.split(":", 1)[1].split("|"))
        rows.append((int(cumulative), name))
    return sorted(rows, reverse=True)[:count]


def main() -> int:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--repeat", type=int, default=5, help="runs per command (default 5)")
    parser.add_argument("--importtime", action="store_true", help="also list the slowest imports of `run`")
    args = parser.parse_args()
    from sim.experiments.resources import machine_description

    print(f"machine: {machine_description()}")
    with tempfile.TemporaryDirectory(prefix="bench_startup_") as tmp:
        cmds = commands(Path(tmp))
        print(f"{'command':<10} {'min s':>7} {'median s':>9} {'max s':>7} {'min cpu s':>10} {'goal s':>7}  "
              "heavy imports")
        for name, command in cmds.items():
            measured = [wall_seconds(command) for _ in range(args.repeat)]
            times = [wall for wall, _ in measured]
            heavy = "" if name == "run" else (", ".join(heavy_imports(command[3:])) or "none")
            print(f"{name:<10} {min(times):>7.2f} {statistics.median(times):>9.2f} {max(times):>7.2f} "
                  f"{min(cpu for _, cpu in measured):>10.2f} {GOALS[name]:>7.1f}  {heavy}")
        if args.importtime:
            print("\nslowest imports of `run` (cumulative ms):")
            for micros, module in slowest_imports(cmds["run"]):
                print(f"  {micros / 1000:8.0f}  {module}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
