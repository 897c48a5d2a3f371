"""Upper bounds on ``--scale`` and ``--replications`` (light: the CLI reads them when it parses)."""

from __future__ import annotations

MAX_SCALE = 1000.0
"""Largest ``--scale``: 1,000 times a district (about 60 times Shanghai at 16 per city) is far past
any question the model answers; the memory estimate refuses most such runs earlier anyway."""
MAX_REPLICATIONS = 100_000
"""Largest ``--replications``: intervals narrow as 1/sqrt(n), so past ~1,000 replications they
no longer change a conclusion; 100,000 keeps the job list and the manifest (about 60 bytes a
run) in memory comfortably."""

__all__ = ["MAX_REPLICATIONS", "MAX_SCALE"]
