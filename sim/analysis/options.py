"""Options of the analyses that the command line offers, kept light.

The CLI builds its ``sensitivity`` and ``calibrate`` parsers from these names without importing
numpy, pandas, scipy or SALib (see :mod:`sim.cli.analysis`).
"""

from __future__ import annotations

SENSITIVITY_METHODS = ("morris", "sobol")
CALIBRATION_METHODS = ("nelder-mead", "differential-evolution")
ADDITIONAL_JOBS = "additional_jobs"
"""Derived sensitivity outcome: ``jobs_created`` minus that of the no-policy counterpart."""
DEFAULT_OUTCOMES = (
    "jobs_created",
    ADDITIONAL_JOBS,
    "survival_1y",
    "survival_3y",
    "firms_started",
    "founders_helped",
    "fiscal_cost_yuan",
)
"""Outcomes a sensitivity analysis reports unless told otherwise."""
NOISE_REPLICATIONS = 4
"""Replications of the unchanged scenario (and its no-policy counterpart) to measure seed noise:
assumption, range 3-10 (4 gives a rough standard deviation at the cost of 8 runs)."""

__all__ = ["ADDITIONAL_JOBS", "CALIBRATION_METHODS", "DEFAULT_OUTCOMES", "NOISE_REPLICATIONS", "SENSITIVITY_METHODS"]
