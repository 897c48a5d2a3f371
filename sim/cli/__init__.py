"""``startup-sim`` command line: a thin shell over the library.

Each command lives in a ``sim.cli.<group>`` module with a ``register(subparsers)`` function that
adds its parser and sets ``handler``. Those modules import only light code at import time; each
handler imports the heavy libraries it needs (Mesa, pandas, scipy, matplotlib, Dask, SALib) when
it runs, so ``--help`` and ``validate`` start fast (``benchmarks/bench_startup.py``).

Exit codes (:mod:`sim.cli.failures`): 0 ok, 1 some runs failed, 2 a problem the user can fix
(:class:`sim.errors.ScenarioError`, :class:`sim.errors.UsageError`, operating-system errors such as
a read-only file system, memory, corrupted data files): one line with the fix, no traceback;
3 an internal error, whose traceback goes to a log file named in the one line.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from sim.cli.failures import (
    EXIT_CODES_HELP,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_USER,
    data_error_line,
    internal_error_line,
    is_data_error,
    os_error_line,
    write_crash_log,
)
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
        description="Agent-based simulator of a Shanghai district's startup ecosystem, month by month "
        "over a scenario's period (2018-2022 in the district scenarios).",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
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
        return EXIT_USER
    except BrokenPipeError:  # output piped into e.g. `head`, which closed early: not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("interrupted; results already written are kept", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:
        if os.environ.get("STARTUP_SIM_DEBUG"):
            raise
        return report_exception(exc, sys.argv[1:] if argv is None else argv)


def report_exception(exc: Exception, argv: list[str]) -> int:
    """Print one line for an exception a command raised; return the exit code.

    Operating-system errors, memory errors and corrupted data files are problems the user can
    fix (exit 2); anything else is an internal error whose traceback goes to a log file (exit 3).
    """
    if isinstance(exc, OSError) and exc.errno is not None:
        print(f"error: {os_error_line(exc)}", file=sys.stderr)
        return EXIT_USER
    if isinstance(exc, MemoryError):
        print("error: out of memory; lower --scale or --workers, or close other programs", file=sys.stderr)
        return EXIT_USER
    if is_data_error(exc):
        print(f"error: {data_error_line(exc)}", file=sys.stderr)
        return EXIT_USER
    print(internal_error_line(exc, write_crash_log(exc, argv)), file=sys.stderr)
    return EXIT_INTERNAL

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
