"""``startup-sim explore``: the planners' web explorer (see :mod:`sim.explore`)."""

from __future__ import annotations

import argparse

from sim.explore.settings import DEFAULT_REPLICATIONS, DEFAULT_SCALE
from sim.locale import LANGUAGES


def cmd_explore(args: argparse.Namespace) -> int:
    """Start the explorer's web server."""
    from sim.explore.library import scenario_library
    from sim.explore.runner import serve
    from sim.explore.settings import Settings
    from sim.locale import check_language

    settings = Settings(lang=check_language(args.lang), scenarios=str(scenario_library(args.scenarios)),
                        workers=args.workers, replications=args.replications, scale=args.scale, seed=args.seed)
    return serve(settings, port=args.port, host=args.host)


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``explore``."""
    parser = sub.add_parser("explore", help="open the planners' explorer (a web app) to try and compare policy mixes")
    parser.add_argument("--port", type=int, default=8765, help="port of the web server (default 8765)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine)")
    parser.add_argument("--lang", choices=LANGUAGES, default=LANGUAGES[0], help="language of the page (default en)")
    parser.add_argument("--scenarios", metavar="DIR", help="scenario library (default ./scenarios)")
    parser.add_argument("--replications", type=int, default=DEFAULT_REPLICATIONS,
                        help=f"default paired replications of a comparison (default {DEFAULT_REPLICATIONS})")
    parser.add_argument("--scale", type=float, default=DEFAULT_SCALE,
                        help=f"default population scale of a comparison (default {DEFAULT_SCALE:g})")
    parser.add_argument("--seed", type=int, default=0, help="default root seed (default 0)")
    parser.add_argument("--workers", type=int, help="worker processes of a comparison (default: CPU count)")
    parser.set_defaults(handler=cmd_explore)
