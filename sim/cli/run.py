"""``startup-sim run`` and ``startup-sim params``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from sim.cli.types import positive_float, seed_int
from sim.errors import UsageError
from sim.scenario.files import load_scenario

if TYPE_CHECKING:
    from sim.experiments.simulate import SimulationResult


def format_summary(result: SimulationResult) -> str:
    """A readable summary of one run: headline metrics and targets."""
    m = result.metrics
    lines = [
        f"scenario  {result.scenario.name}  ({result.scenario.district}, "
        f"{result.scenario.period.start} to {result.scenario.period.end}, seed {result.seed}, "
        f"scale {result.scale:g})",
        f"  {result.scenario.description}",
        "",
        "headline metrics",
        f"  firms started              {m['firms_started']:>14,.0f}",
        f"  founders helped            {m['founders_helped']:>14,.0f}",
        f"    of whom young graduates  {m['youth_founders_helped']:>14,.0f}",
        f"  survival after 1 year      {m['survival_1y']:>14.1%}",
        f"  survival after 3 years     {m['survival_3y']:>14.1%}",
        f"  jobs in surviving firms    {m['jobs_created']:>14,.0f}",
        f"  incubation bases           {m['incubation_bases']:>14,.0f}",
        f"  fiscal cost (yuan)         {m['fiscal_cost_yuan']:>14,.0f}",
        f"  cost per job (yuan)        {m['cost_per_job_yuan']:>14,.0f}",
        f"  loan default rate          {m['loan_default_rate']:>14.1%}",
    ]
    if len(result.targets):
        lines += ["", "targets"]
        for row in result.targets.itertuples():
            verdict = "MET   " if row.met else "MISSED"
            lines.append(
                f"  {verdict} {row.label}: simulated {row.simulated:,.1f} vs target {row.op} {row.target:,.1f}"
            )
    return "\n".join(lines)


def cmd_run(args: argparse.Namespace) -> int:
    """Run one replication, print the summary and write the outputs."""
    from sim.experiments.simulate import simulate
    from sim.io.outputs import write_run

    scenario = load_scenario(args.scenario)
    out = Path(args.out) if args.out else Path("results") / scenario.name
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out}: --out: exists and is not a directory")
    result = simulate(scenario, seed=args.seed, scale=args.scale)
    write_run(result, out, source_file=str(args.scenario))
    print(format_summary(result))
    print(f"\nwrote {out}/ (monthly.parquet, firms.parquet, metrics.csv, targets.csv, manifest.json)")
    return 0


def cmd_params(args: argparse.Namespace) -> int:
    """Print the parameter table of a scenario."""
    import pandas as pd

    from sim.scenario.parameters import parameter_table

    scenario = load_scenario(args.scenario)
    table = parameter_table(scenario)
    if args.csv:
        print(table.to_csv(index=False), end="")
        return 0
    rows = [
        (
            row.name,
            format_value(row.value),
            row.unit,
            f"[{format_value(float(row.low))}, {format_value(float(row.high))}]" if pd.notna(row.low) else "",
            row.source,
        )
        for row in table.itertuples(index=False)
    ]
    header = ("name", "value", "unit", "range", "source")
    widths = [max(len(header[i]), *(len(r[i]) for r in rows)) for i in range(4)]
    for line in [header, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(line[:4], widths, strict=True)]
        print("  ".join([*cells, line[4]]))
    return 0


def format_value(value: object) -> str:
    """A parameter value as plain text: numbers without scientific notation where readable."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return f"{value:,.0f}"
        return f"{value:,.6g}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``run`` and ``params``."""
    run = sub.add_parser("run", help="run one replication of a scenario")
    run.add_argument("scenario", help="scenario TOML file")
    run.add_argument("--seed", type=seed_int, default=0, help="root seed (default 0)")
    run.add_argument("--scale", type=positive_float, default=1.0,
                     help="population/capacity/budget multiplier (16 ~ whole city)")
    run.add_argument("--out", help="output directory (default results/<scenario>)")
    run.set_defaults(handler=cmd_run)

    params = sub.add_parser("params", help="print a scenario's parameters with units, ranges and sources")
    params.add_argument("scenario", help="scenario TOML file")
    params.add_argument("--csv", action="store_true", help="print CSV instead of a table")
    params.set_defaults(handler=cmd_params)
