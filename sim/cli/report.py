"""``startup-sim plot`` (every figure as PNG and SVG) and ``startup-sim report`` (one HTML file)."""

from __future__ import annotations

import argparse

from sim.locale import LANGUAGES


def cmd_plot(args: argparse.Namespace) -> int:
    """Write every figure of a batch under ``OUT/figures/``."""
    from sim.io.batch_reader import load_batch
    from sim.present.figures import plot_all

    batch = load_batch(args.out, baseline=args.baseline, counterfactual=args.counterfactual)
    paths = plot_all(args.out, batch=batch, lang=args.lang)
    print(f"wrote {len(paths)} files ({len(paths) // 2} figures as PNG and SVG) to {batch.out / 'figures'}/")
    for path in paths:
        if path.suffix == ".png":
            print(f"  {path.name}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Write the self-contained HTML report of a batch."""
    from sim.present.report import write_report

    path = write_report(args.out, args.html, baseline=args.baseline, counterfactual=args.counterfactual,
                        lang=args.lang)
    print(f"wrote {path}")
    return 0


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("out", metavar="OUT", help="batch directory (written by startup-sim batch)")
    parser.add_argument("--baseline", metavar="NAME",
                        help="scenario the others are compared with (default: the name ending in 'baseline')")
    parser.add_argument("--counterfactual", metavar="NAME",
                        help="scenario with every programme off (default: a name containing 'no_policy')")
    parser.add_argument("--lang", choices=LANGUAGES, default=LANGUAGES[0],
                        help="language of every word, money in 万元/亿元 in Chinese (default en)")


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``plot`` and ``report``."""
    plot = sub.add_parser("plot", help="write every figure of a batch as PNG and SVG under OUT/figures/")
    _common(plot)
    plot.set_defaults(handler=cmd_plot)

    report = sub.add_parser("report", help="write one self-contained HTML report comparing a batch's scenarios")
    _common(report)
    report.add_argument("--html", metavar="FILE", help="output file (default OUT/report.html)")
    report.set_defaults(handler=cmd_report)
