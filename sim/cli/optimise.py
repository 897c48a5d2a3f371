"""``startup-sim optimise`` (best mixes under a budget) and ``startup-sim discover`` (PRIM boxes)."""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.cli.types import name_list, positive_float, positive_int, seed_int

OPTIMISE_DEFAULTS = {"samples": 4, "replications": 1, "population": 24, "generations": 10, "scale": 0.2}
"""Defaults sized for a usable Putuo front in under 15 minutes on 2 cores (README, "Budget optimiser")."""


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text!r}")
    return value


def _executor(args: argparse.Namespace) -> str:
    """The executor the options ask for, checked by the batch machinery's one executor check."""
    from sim.experiments.executors import resolve_executor

    return resolve_executor(args.executor, args.scheduler, args.workers)[0]


def cmd_optimise(args: argparse.Namespace) -> int:
    """Search the front, write pareto.csv, the mixes, the figures and report.md; print the front."""
    from sim.analysis.optimise import DEFAULT_OBJECTIVES, SearchSettings, optimise, write_outputs
    from sim.analysis.robust import DEFAULT_UNCERTAIN
    from sim.present.optimisation import fig_frontier, fig_parallel, label, optimisation_section, save
    from sim.scenario.files import load_scenario

    scenario = load_scenario(args.scenario)
    settings = SearchSettings(
        budget_yuan=args.budget_yuan, objectives=tuple(args.objectives or DEFAULT_OBJECTIVES),
        uncertain=tuple(args.uncertain or DEFAULT_UNCERTAIN), samples=args.samples,
        replications=args.replications, statistic=args.statistic, min_probability=args.min_probability,
        population=args.population, generations=args.generations, scale=args.scale, root_seed=args.seed,
        levers=tuple(args.levers) if args.levers else None, intensities=not args.no_intensities,
        fully_funded=not args.allow_rationing,
    )
    out = Path(args.out) if args.out else Path("results") / "optimise" / scenario.name
    result = optimise(scenario, settings, out, workers=args.workers, executor=_executor(args),
                      scheduler=args.scheduler, resume=args.resume, progress=not args.quiet)
    written = write_outputs(result, scenario, args.scenario, out)
    years = scenario.period.n_months / 12.0
    figures = [save(fig_frontier(result, years=years), out / "figures" / "frontier.png")]
    if len(result.pareto):
        figures.append(save(fig_parallel(result), out / "figures" / "pareto_parallel.png"))
    report = out / "report.md"
    from sim.io.atomic import write_bytes as atomic_write_bytes

    atomic_write_bytes(report, optimisation_section(result, scenario.name, years=years).encode())
    print(f"{scenario.name}: {len(result.evaluations)} mixes evaluated, {int(result.evaluations['feasible'].sum())} "
          f"meet every target with p >= {settings.min_probability:g}"
          f"{' and are fully funded' if settings.fully_funded else ''}, front of {len(result.pareto)} "
          f"(whole-district values, {settings.statistic} over the draws)")
    if result.pareto.empty:
        print("  no mix meets every target with that probability: see evaluations.csv (p_met:* columns), "
              "lower --min-probability, or search longer")
    for _, row in result.pareto.head(10).iterrows():
        values = ", ".join(f"{label(o)} {row[o] / settings.scale:,.0f}" for o in settings.objectives)
        cost = row["fiscal_cost_yuan_mean"] / settings.scale / years / 1e6
        print(f"  {row['tag']}: {values}; cost {cost:,.1f} M yuan/year")
    mixes = [p for p in written if p.suffix == ".toml"]
    print(f"wrote {out}/pareto.csv, {out}/evaluations.csv, {len(mixes)} mixes in {out}/mixes/, "
          f"{', '.join(str(f) for f in figures)}, {report}")
    return 0


def cmd_discover(args: argparse.Namespace) -> int:
    """Sample the assumptions, run the mix, find PRIM boxes; write CSVs, the figure and report.md."""
    from sim.analysis.discover import DEFAULT_UNCERTAIN, discover
    from sim.io.atomic import write_bytes as atomic_write_bytes
    from sim.present.optimisation import discovery_section, fig_boxes, save
    from sim.scenario.files import load_scenario

    scenario = load_scenario(args.scenario)
    out = Path(args.out) if args.out else Path("results") / "discover" / scenario.name
    result = discover(scenario, out, uncertain=args.uncertain or DEFAULT_UNCERTAIN, samples=args.samples,
                      scale=args.scale, root_seed=args.seed, jobs_threshold=args.jobs_threshold,
                      workers=args.workers, executor=_executor(args), scheduler=args.scheduler, resume=args.resume)
    atomic_write_bytes(out / "discovery.csv", result.draws.to_csv(index=False).encode())
    atomic_write_bytes(out / "boxes.csv", result.boxes.to_csv(index=False).encode())
    save(fig_boxes(result.boxes, result.parameters), out / "figures" / "prim_boxes.png")
    text = discovery_section(result, scenario.name, args.scale)
    atomic_write_bytes(out / "report.md", text.encode())
    print(text)
    print(f"wrote {out}/discovery.csv, {out}/boxes.csv, {out}/figures/prim_boxes.png, {out}/report.md")
    return 0


def _common(parser: argparse.ArgumentParser, scale: float) -> None:
    parser.add_argument("--scale", type=positive_float, default=scale, help=f"population scale of the runs (default "
                        f"{scale:g}; counts and money are reported for the whole district)")
    parser.add_argument("--seed", type=seed_int, default=0, help="root seed of the draws, the runs and the search")
    parser.add_argument("--workers", "-j", type=positive_int, default=None, help="worker processes")
    parser.add_argument("--executor", choices=("local", "dask"), default=None, help="local process pool or Dask")
    parser.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler address (with --executor dask)")
    parser.add_argument("--out", metavar="DIR", help="output directory")
    parser.add_argument("--resume", action="store_true", help="complete the work already in --out (after a kill)")


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``optimise`` and ``discover``."""
    opt = sub.add_parser(
        "optimise", help="the best policy mixes under a yearly budget (robust NSGA-II search)",
        description="Search switches, budget shares and intensities of the levers so that the levers' budgets "
        "add up to at most --budget-yuan a year; objectives paired against the counterfactual (all programmes "
        "off, same seeds), robust over draws of uncertain assumptions; each district target met with probability "
        ">= --min-probability. Writes pareto.csv, evaluations.csv, mixes/*.toml (each extends SCENARIO), "
        "figures/frontier.png, figures/pareto_parallel.png and report.md. Runs per generation: population x "
        "samples x replications (fewer when mixes repeat).",
    )
    opt.add_argument("scenario", metavar="SCENARIO", help="scenario TOML file (its targets are the constraints)")
    opt.add_argument("--budget-yuan", type=positive_float, required=True, metavar="B",
                     help="yearly budget shared by the levers, yuan/year for the whole district")
    opt.add_argument("--objectives", type=name_list, default=None, help="comma-separated outcomes: additional_<metric> "
                     "(paired difference) or a metric (default additional_jobs,additional_surviving_firms,"
                     "youth_founders_helped)")
    opt.add_argument("--uncertain", type=name_list, default=None, metavar="PATTERNS",
                     help="uncertain assumptions (names or patterns; default the Morris screening's top five)")
    opt.add_argument("--samples", type=int, default=OPTIMISE_DEFAULTS["samples"], metavar="K",
                     help="draws of the uncertain assumptions (Latin hypercube; 0: the scenario's values)")
    opt.add_argument("--replications", type=positive_int, default=OPTIMISE_DEFAULTS["replications"],
                     help="seeds per draw")
    opt.add_argument("--statistic", choices=("mean", "p10"), default="mean",
                     help="robust objective over the draws: mean or 10th percentile")
    opt.add_argument("--min-probability", type=_share, default=0.9,
                     help="each target must be met in at least this share of the runs (default 0.9)")
    opt.add_argument("--generations", type=positive_int, default=OPTIMISE_DEFAULTS["generations"])
    opt.add_argument("--population", type=positive_int, default=OPTIMISE_DEFAULTS["population"])
    opt.add_argument("--levers", type=name_list, default=None,
                     help="levers to search (default all; the others are off)")
    opt.add_argument("--no-intensities", action="store_true",
                     help="search switches and budget shares only (intensities as in SCENARIO)")
    opt.add_argument("--allow-rationing", action="store_true",
                     help="accept mixes whose lever budgets run short (by default each lever must pay every "
                     "entitlement in full in --min-probability of the runs: a planner's choice)")
    opt.add_argument("--quiet", "-q", action="store_true", help="no progress lines")
    _common(opt, OPTIMISE_DEFAULTS["scale"])
    opt.set_defaults(handler=cmd_optimise)

    dis = sub.add_parser(
        "discover", help="scenario discovery: assumptions under which a mix misses its targets (PRIM)",
        description="Sample the uncertain assumptions over their plausible ranges (Latin hypercube), run the mix "
        "(SCENARIO: e.g. a baseline or a mix written by optimise) and its counterfactual on each draw, and find "
        "with PRIM (EMA Workbench) the boxes of assumptions where it misses a target or adds few jobs. Writes "
        "discovery.csv, boxes.csv (coverage, density), figures/prim_boxes.png and report.md.",
    )
    dis.add_argument("scenario", metavar="SCENARIO", help="scenario TOML file (the mix to examine)")
    dis.add_argument("--uncertain", type=name_list, default=None, metavar="PATTERNS",
                     help="assumptions to sample (default behaviour.*,population.*)")
    dis.add_argument("--samples", type=positive_int, default=200, metavar="N", help="draws (default 200)")
    dis.add_argument("--jobs-threshold", type=float, default=None, metavar="JOBS",
                     help="additional jobs (whole district) below which a draw counts as few (default: half the "
                     "median over the draws)")
    _common(dis, 0.2)
    dis.set_defaults(handler=cmd_discover)


__all__ = ["cmd_discover", "cmd_optimise", "register"]
