"""Settings of an explorer server, passed from ``startup-sim explore`` through the environment.

The Solara server imports the app module in its own process, so the command line's options reach
the app as environment variables (:data:`ENV`); the app reads them once with :func:`from_env`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from sim.locale import DEFAULT_LANGUAGE, check_language

DEFAULT_REPLICATIONS = 10
"""Paired replications of a comparison (issue 12: 10 at scale 0.2 answer in about a minute on two
cores; the 95% interval of additional jobs is then about +/-5% of the estimate)."""
DEFAULT_SCALE = 0.2
"""Population scale of a comparison (see :data:`DEFAULT_REPLICATIONS`)."""

ENV = {
    "lang": "STARTUP_SIM_EXPLORE_LANG",
    "scenarios": "STARTUP_SIM_EXPLORE_SCENARIOS",
    "workers": "STARTUP_SIM_EXPLORE_WORKERS",
    "replications": "STARTUP_SIM_EXPLORE_REPLICATIONS",
    "scale": "STARTUP_SIM_EXPLORE_SCALE",
    "seed": "STARTUP_SIM_EXPLORE_SEED",
    "out": "STARTUP_SIM_EXPLORE_OUT",
}


@dataclass(frozen=True)
class Settings:
    """What an explorer session starts with.

    Attributes:
        lang: Language of the page (``en`` or ``zh``; the page can switch).
        scenarios: Scenario library directory (None: ``./scenarios``).
        workers: Worker processes of a comparison (None: the batch default; 1 runs in the server).
        replications: Default paired replications.
        scale: Default population scale.
        seed: Default root seed.
        out: Directory for the comparisons' batch directories (None: a temporary directory).
    """

    lang: str = DEFAULT_LANGUAGE
    scenarios: str | None = None
    workers: int | None = None
    replications: int = DEFAULT_REPLICATIONS
    scale: float = DEFAULT_SCALE
    seed: int = 0
    out: str | None = None

    def to_env(self) -> dict[str, str]:
        """The settings as environment variables (unset values are left out)."""
        values = {
            "lang": self.lang, "scenarios": self.scenarios, "workers": self.workers,
            "replications": self.replications, "scale": self.scale, "seed": self.seed, "out": self.out,
        }
        return {ENV[key]: str(value) for key, value in values.items() if value is not None}


def from_env(environ: dict[str, str] | None = None) -> Settings:
    """Settings from the environment (defaults for unset variables)."""
    env = os.environ if environ is None else environ

    def get(key: str) -> str | None:
        value = env.get(ENV[key], "")
        return value or None

    workers = get("workers")
    return Settings(
        lang=check_language(get("lang") or DEFAULT_LANGUAGE),
        scenarios=get("scenarios"),
        workers=int(workers) if workers else None,
        replications=int(get("replications") or DEFAULT_REPLICATIONS),
        scale=float(get("scale") or DEFAULT_SCALE),
        seed=int(get("seed") or 0),
        out=get("out"),
    )


__all__ = ["DEFAULT_REPLICATIONS", "DEFAULT_SCALE", "ENV", "Settings", "from_env"]
