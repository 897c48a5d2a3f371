"""``startup-sim sensitivity`` and ``startup-sim calibrate``."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

from sim.analysis.options import (
    ADDITIONAL_JOBS,
    CALIBRATION_METHODS,
    DEFAULT_OUTCOMES,
    NOISE_REPLICATIONS,
    SENSITIVITY_METHODS,
)
from sim.cli.types import name_list, positive_float, positive_int, scale_value, seed_int
from sim.errors import UsageError
from sim.experiments.executors import default_workers, resolve_executor
from sim.scenario.files import load_scenario


# ------------------------------------------------------------------------------- sensitivity
def cmd_sensitivity(args: argparse.Namespace) -> int:
    """Run a Morris or Sobol analysis, write its figures, print the rankings and the reversal summary."""
    from sim.analysis.design import problem_groups
    from sim.analysis.sensitivity import run_sensitivity
    from sim.present.sensitivity_figures import write_sensitivity_figures

    scenario = load_scenario(args.scenario)
    executor, workers = resolve_executor(args.executor, args.scheduler, args.workers)
    out = Path(args.out) if args.out else Path("results") / "sensitivity" / f"{scenario.name}_{args.method}"
    result = run_sensitivity(
        scenario, args.method, args.samples, out, outcomes=args.outcomes, params=args.params,
        workers=workers, executor=executor, scheduler=args.scheduler, resume=args.resume,
        root_seed=args.seed, scale=args.scale, progress=not args.quiet, scenario_file=str(args.scenario),
        groups=args.groups,
    )
    write_sensitivity_figures(result)
    design = result.design
    k = design.problem["num_vars"]
    groups = problem_groups(design.problem)
    grouped = f" in {len(set(groups))} groups" if groups else ""
    print(f"{design.method} sensitivity of {scenario.name}: {k} parameters{grouped}, {len(design.X)} design points "
          f"(N = {design.samples}), scale {design.scale:g}, common seed {design.seed}")
    key = "mu_star" if design.method == "morris" else "ST"
    for outcome, table in result.indices.items():
        top = ", ".join(f"{row.parameter} ({getattr(row, key):.3g})" for row in table.head(5).itertuples())
        print(f"  {outcome}: {top}")
    for outcome, reason in result.skipped.items():
        print(f"  {outcome}: not analysed: {reason}")
    if result.reversal is not None:
        print()
        print((out / "reversal.txt").read_text(), end="")
    print(f"\nwrote {out}/indices/*.csv, {out}/figures/*.png, {out}/oat.csv"
          + (f", {out}/reversal.csv" if result.reversal is not None else "")
          + f"; design in {out}/sensitivity.json and {out}/samples.csv")
    return 0


# ------------------------------------------------------------------------------- calibration
def cmd_calibrate(args: argparse.Namespace) -> int:
    """Fit the free behavioural parameters, validate and write the overlay scenario."""
    from sim.analysis.calibration import calibrate, validation_losses, validation_table
    from sim.analysis.calibration_data import calibration_parameters, load_calibration_data
    from sim.analysis.overlay import check_overlay_target, overlay_text, rounded_values, write_overlay
    from sim.io.atomic import write_bytes
    from sim.present.calibration_figures import plot_validation
    from sim.scenario.editing import with_parameters

    scenario_file = Path(args.scenario)
    scenario = load_scenario(scenario_file)
    data = load_calibration_data(args.data)
    settings = dict(data.settings)
    for key in ("method", "replications", "scale", "seed", "max_evaluations", "validation_replications"):
        value = getattr(args, key)
        if value is not None:
            settings[key] = value
    params = calibration_parameters(scenario, data.parameters, str(data.path))
    overlay = Path(args.out) if args.out else scenario_file.parent / "calibrated.toml"
    check_overlay_target(overlay)
    if overlay.resolve() == scenario_file.resolve():
        raise UsageError(f"{overlay}: --out: would overwrite the scenario being calibrated")
    work = Path(args.work) if args.work else Path("results") / "calibration" / scenario.name
    print(f"calibrating {len(params)} parameters of {scenario.name} to {len(data.statistics)} statistics "
          f"({data.path}); {settings['method']}, up to {settings['max_evaluations']} evaluations x "
          f"{settings['replications']} replications at scale {settings['scale']:g}")
    result = calibrate(
        scenario, data.statistics, params, work, method=settings["method"],
        replications=settings["replications"], scale=settings["scale"], seed=settings["seed"],
        max_evaluations=settings["max_evaluations"], resume=args.resume, progress=not args.quiet,
        extra_settings={"scenario_file": str(scenario_file), "data_file": str(data.path),
                        "data_sha256": data.sha256, "overlay": str(overlay)},
    )
    values = rounded_values(result.fitted, params)  # as written to the overlay
    fitted = with_parameters(scenario, values, where="calibrated values")
    table = validation_table(
        {"scenario values": scenario, "calibrated": fitted}, data.statistics,
        settings["validation_replications"], settings["scale"], settings["seed"],
        held_out_after=settings["replications"],
    )
    write_bytes(work / "validation.csv", table.to_csv(index=False).encode())
    plot_validation(table, work / "validation.png",
                    title=f"{scenario.name}: simulated ({settings['validation_replications']} held-out replications, "
                          f"scale {settings['scale']:g}) vs observed")
    date = datetime.now(UTC).date().isoformat()
    text = overlay_text(scenario, scenario_file, overlay, result, data, settings["replications"],
                        settings["scale"], settings["seed"], date)
    write_overlay(overlay, text)
    check = load_scenario(overlay)  # the overlay must load and reproduce the fitted values
    if with_parameters(check, values).model_dump() != check.model_dump():
        raise UsageError(f"{overlay}: the written overlay does not reproduce the fitted values")

    print(f"\n{result.evaluations} evaluations ({result.new_evaluations} simulated, the rest from the cache); "
          f"{result.message}")
    print(f"loss {result.loss:.3f} (scenario values: {result.start_loss:.3f})")
    width = max(len(p.name) for p in params)
    print(f"\n  {'parameter':<{width}}  {'scenario':>10}  {'fitted':>10}  range")
    for p in params:
        print(f"  {p.name:<{width}}  {result.start[p.name]:>10.4g}  {values[p.name]:>10.4g}  "
              f"[{p.low:g}, {p.high:g}]")
    print(f"\nvalidation ({settings['validation_replications']} replications on seeds the fit did not use, "
          "5-95% interval):")
    print(f"  {'statistic':<26} {'observed':>9} {'se':>7}   {'scenario values':>24}   {'calibrated':>24}")
    for stat in data.statistics:
        cells = []
        for variant in ("scenario values", "calibrated"):
            row = table[(table["variant"] == variant) & (table["statistic"] == stat.name)].iloc[0]
            cells.append(f"{row.sim_mean:.4g} [{row.sim_low:.4g}, {row.sim_high:.4g}] z={row.z:+.1f}")
        print(f"  {stat.name:<26} {stat.observed:>9.4g} {stat.standard_error:>7.3g}   {cells[0]:>24}   {cells[1]:>24}")
    losses = validation_losses(table, data.statistics)
    print("  loss of the means: " + ", ".join(f"{k} {v:.3f}" for k, v in losses.items()))
    print(f"\nwrote {overlay} (extends {scenario_file.name}), {work}/validation.csv, {work}/validation.png, "
          f"{work}/evaluations.csv, {work}/calibration.json")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``sensitivity`` and ``calibrate``."""
    sens = sub.add_parser(
        "sensitivity", help="Morris or Sobol sensitivity of outcomes to every ranged parameter",
        description="Vary every parameter with a plausible range (or --params) with SALib's Morris or Sobol "
        "design, run the design points through the batch machinery with one common seed (common random "
        "numbers), each with its no-policy counterpart (additional_jobs), and write indices, ranked figures, "
        "one-at-a-time swings and which assumptions could halve or reverse the additional jobs. "
        f"Runs: Morris N(k+1), Sobol N(k+2), plus 2k one-at-a-time and {2 * NOISE_REPLICATIONS} noise runs, and the "
        "no-policy counterparts.",
    )
    sens.add_argument("scenario", metavar="SCENARIO", help="scenario TOML file")
    sens.add_argument("--method", choices=SENSITIVITY_METHODS, required=True,
                      help="morris (screening) or sobol (variance)")
    sens.add_argument("--samples", "-N", type=positive_int, required=True,
                      help="Morris trajectories (10-50 typical) or Sobol base points (a power of two)")
    sens.add_argument("--outcomes", type=name_list, default=None,
                      help=f"comma-separated outcomes (default {','.join(DEFAULT_OUTCOMES)}); "
                      f"{ADDITIONAL_JOBS} = jobs_created minus the no-policy counterpart's")
    sens.add_argument("--params", type=name_list, default=None,
                      help="comma-separated dotted names or patterns (behaviour.*) to vary (default: every ranged "
                      "parameter except those of disabled programmes)")
    sens.add_argument("--groups", choices=("none", "block"), default="none",
                      help="Sobol only: one index per parameter (none, default) or per table of parameters "
                      "(block: behaviour, population, bank, each lever, each shock...), N(g+2) design points")
    sens.add_argument("--out", help="output directory (default results/sensitivity/<scenario>_<method>)")
    sens.add_argument("--workers", "-j", type=positive_int, default=None,
                      help=f"worker processes (default: CPU count capped, here {default_workers()})")
    sens.add_argument("--executor", choices=("local", "dask"), default=None, help="local process pool or Dask")
    sens.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler address (with --executor dask)")
    sens.add_argument("--resume", action="store_true", help="complete the analysis already in --out (same design)")
    sens.add_argument("--seed", type=seed_int, default=0, help="root seed: sampler and common run seed (default 0)")
    sens.add_argument("--scale", type=scale_value, default=1.0,
                      help="population scale of every run (default 1, max 1000)")
    sens.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    sens.set_defaults(handler=cmd_sensitivity)

    cal = sub.add_parser(
        "calibrate", help="fit the free behavioural parameters to observed statistics; validate",
        description="Fit the parameters listed in the data file (default: those whose source says "
        "'calibrated') by weighted least squares on the mean of a few replications with common random "
        "numbers, within their plausible ranges; write an overlay scenario that extends SCENARIO, and a "
        "validation table and figure. Settings default to the data file's [calibration] table.",
    )
    cal.add_argument("scenario", metavar="SCENARIO", help="scenario TOML file (its values are the start)")
    cal.add_argument("--data", required=True, metavar="FILE", help="calibration data TOML (observed statistics)")
    cal.add_argument("--out", metavar="FILE", help="overlay scenario to write (default: calibrated.toml next to "
                     "SCENARIO)")
    cal.add_argument("--work", metavar="DIR", help="evaluation cache and validation outputs "
                     "(default results/calibration/<scenario>)")
    cal.add_argument("--method", choices=CALIBRATION_METHODS, default=None, help="optimiser")
    cal.add_argument("--replications", "-n", type=positive_int, default=None, help="replications per evaluation")
    cal.add_argument("--max-evaluations", type=positive_int, default=None, help="budget of loss evaluations")
    cal.add_argument("--validation-replications", type=positive_int, default=None,
                     help="replications behind the validation intervals")
    cal.add_argument("--scale", type=positive_float, default=None, help="population scale of the runs")
    cal.add_argument("--seed", type=seed_int, default=None, help="root seed")
    cal.add_argument("--resume", action="store_true", help="reuse the cached evaluations in --work")
    cal.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    cal.set_defaults(handler=cmd_calibrate)


__all__ = ["cmd_calibrate", "cmd_sensitivity", "register"]
