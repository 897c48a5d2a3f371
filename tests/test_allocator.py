"""Freed temporaries are reused instead of fresh pages (glibc only; see sim.core.allocator)."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

PROBE = """
import resource, sys
import numpy as np
from sim.core.allocator import keep_freed_memory
if sys.argv[1] == "keep":
    assert keep_freed_memory() and keep_freed_memory()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for i in range(100):
    x = np.ones(300_000 + 3_000 * i)  # a growing population's temporaries (2.4-4.8 MB)
    a = x * 2.0
    b = a + x
    kept = b[::2].copy()
    del a, b
    c = x * kept.sum()
    del x, c
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def page_faults(mode: str) -> int:
    done = subprocess.run([sys.executable, "-c", PROBE, mode], capture_output=True, text=True, check=True)
    return int(done.stdout.strip())


@pytest.mark.skipif(not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
                    reason="mallopt thresholds are glibc's")
def test_temporaries_reuse_memory_instead_of_fresh_pages():
    default, kept = page_faults("default"), page_faults("keep")
    # by default most temporaries are mapped afresh (~1,000 page faults each, ~240,000 in all);
    # kept, they reuse the heap
    assert default > 50_000
    assert kept < default / 10


def test_model_sets_the_thresholds():
    script = ("import sim.core.allocator as a\n"
              "from sim.core.model import StartupEcosystem\n"
              "from sim.scenario.files import load_scenario\n"
              "StartupEcosystem(load_scenario('scenarios/putuo/baseline.toml'), seed=0, scale=0.01)\n"
              "import platform, sys\n"
              "glibc = sys.platform.startswith('linux') and platform.libc_ver()[0] == 'glibc'\n"
              "assert a._done == glibc\n")
    from pathlib import Path

    subprocess.run([sys.executable, "-c", script], check=True, cwd=Path(__file__).resolve().parents[1])
