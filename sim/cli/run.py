"""``startup-sim run`` and ``startup-sim params``."""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING

from sim.cli.types import max_gigabytes, print_scenario_warnings, scale_value, seed_int
from sim.locale import LANGUAGES
from sim.scenario.files import load_scenario

if TYPE_CHECKING:
    from sim.experiments.simulate import SimulationResult


SUMMARY_ROWS = (
    # (metric, indent, how it is written): the run summary's headline block
    ("firms_started", 0, "count"),
    ("founders_helped", 0, "count"),
    ("youth_founders_helped", 2, "count"),
    ("survival_1y", 0, "share"),
    ("survival_3y", 0, "share"),
    ("jobs_created", 0, "count"),
    ("incubation_bases", 0, "count"),
    ("fiscal_cost_yuan", 0, "money"),
    ("loan_default_rate", 0, "share"),
)
"""Rows of the run summary. Total fiscal cost / all jobs is left out of the headline: beside the
cost per additional job of a batch comparison it invites misquoting (it stays in metrics.csv)."""
LABEL_WIDTH = 44
"""Display columns of a row label in the run summary (a Chinese character takes two)."""
VALUE_WIDTH = 16
"""Display columns of a value in the run summary, right-aligned."""


def _width(label: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in label)


def format_summary(result: SimulationResult, lang: str = "en") -> str:
    """A readable summary of one run: headline metrics and targets, in ``lang`` (money in 万元 in Chinese)."""
    from sim.locale import language, metric_name, money, text, text_or

    m = result.metrics
    scenario = result.scenario
    with language(lang):
        lines = [
            text("run.header", name=scenario.name, district=text_or(f"district.{scenario.district}", scenario.district),
                 start=scenario.period.start, end=scenario.period.end, seed=result.seed, scale=f"{result.scale:g}"),
            f"  {scenario.description}",
            "",
            text("run.headline"),
        ]
        for metric, indent, kind in SUMMARY_ROWS:
            value = m[metric]
            shown = (f"{value:.1%}" if kind == "share" else money(value) if kind == "money" else f"{value:,.0f}")
            if not math.isfinite(float(value)):  # e.g. a survival rate with no firm at a tiny --scale
                shown = "n/a"
            label = " " * indent + metric_name(metric)
            gap = max(1, LABEL_WIDTH - _width(label)) + max(0, VALUE_WIDTH - _width(shown))
            lines.append(f"  {label}{' ' * gap}{shown}")
        if result.target_rows:
            lines += ["", text("run.targets")]
            scaled = [t.scales_with_population for t in scenario.targets]
            for i, row in enumerate(SimpleNamespace(**r) for r in result.target_rows):
                verdict = text("run.met") if row.met else text("run.missed")
                # a count target the scale makes smaller than one, or an undefined value, cannot be judged
                if (i < len(scaled) and scaled[i] and row.target != 0 and abs(row.target) < 1) or not math.isfinite(
                        float(row.simulated)):
                    verdict = "n/a   "
                label = row.label if lang == "en" else text_or(f"target.{row.metric}", row.label)
                lines.append("  " + text("run.target_line", verdict=verdict, label=label, value=f"{row.simulated:,.1f}",
                                         op=row.op, goal=f"{row.target:,.1f}"))
    return "\n".join(lines)


def cmd_run(args: argparse.Namespace) -> int:
    """Run one replication, print the summary and write the outputs."""
    from sim.experiments.resources import check_run_resources
    from sim.io.outputs import check_run_target

    scenario = load_scenario(args.scenario)
    print_scenario_warnings([args.scenario])
    out = Path(args.out) if args.out else Path("results") / scenario.name
    check_run_target(out, scenario.name)  # before the run: refuse early
    check_run_resources(scenario, args.scale, max_memory_gb=args.max_memory)

    from sim.experiments.simulate import simulate
    from sim.io.outputs import write_run

    result = simulate(scenario, seed=args.seed, scale=args.scale)
    write_run(result, out, source_file=str(args.scenario))
    print(format_summary(result, args.lang))
    from sim.locale import text

    print("\n" + text("run.wrote", args.lang, out=out))
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
    run.add_argument("--scale", type=scale_value, default=1.0,
                     help="population/capacity/budget multiplier, at most 1000 (16 ~ whole city)")
    run.add_argument("--out", help="output directory (default results/<scenario>); written as a whole, "
                     "replacing an earlier run of the same scenario")
    run.add_argument("--max-memory", type=max_gigabytes, default=None, metavar="GB",
                     help="refuse a run estimated to need more memory than this (default: 80%% of the "
                     "memory available now)")
    run.add_argument("--lang", choices=LANGUAGES, default=LANGUAGES[0],
                     help="language of the summary; Chinese writes money in 万元/亿元 (default en)")
    run.set_defaults(handler=cmd_run)

    params = sub.add_parser("params", help="print a scenario's parameters with units, ranges and sources")
    params.add_argument("scenario", help="scenario TOML file")
    params.add_argument("--csv", action="store_true", help="print CSV instead of a table")
    params.set_defaults(handler=cmd_params)
