"""``startup-sim`` command line: a thin shell over the library.

Each command lives in a ``sim.cli.<group>`` module with a ``register(subparsers)`` function that
adds its parser and sets ``handler``. Those modules import only light code at import time; each
handler imports the heavy libraries it needs (Mesa, pandas, scipy, matplotlib, Dask, SALib) when
it runs, so ``--help`` and ``validate`` start fast (``benchmarks/bench_startup.py``).

Errors a user can fix (:class:`sim.errors.ScenarioError`,
:class:`sim.errors.UsageError`) print one line and exit with code 2; no traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from sim.errors import ScenarioError, UsageError

COMMAND_MODULES = (
    "sim.cli.run",
    "sim.cli.scenarios",
    "sim.cli.batch",
    "sim.cli.analysis",
    "sim.cli.report",
    "sim.cli.explore",
    "sim.cli.optimise",
)


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser with every command registered."""
    parser = argparse.ArgumentParser(
        prog="startup-sim",
        description="Agent-based simulator of a Shanghai district's startup ecosystem, 2018-2022.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except (ScenarioError, UsageError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into e.g. `head`, which closed early: not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("interrupted; results already written are kept", file=sys.stderr)
        return 130
    except Exception as exc:  # an internal error: one line, unless debugging
        if os.environ.get("STARTUP_SIM_DEBUG"):
            raise
        print(
            f"internal error: {type(exc).__name__}: {' '.join(str(exc).split())} "
            "(set STARTUP_SIM_DEBUG=1 for a traceback)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
