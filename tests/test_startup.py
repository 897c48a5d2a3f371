"""Fast start: the light commands import no heavy library (checked in a fresh interpreter)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "putuo" / "baseline.toml"
HEAVY = ("mesa", "pandas", "scipy", "matplotlib", "dask", "pyarrow", "SALib")

PROBE = """
import contextlib, io, sys
from sim.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    try:
        code = main({args!r})
    except SystemExit as exc:
        code = exc.code
print(code)
print(",".join(sorted(m for m in {heavy!r} if m in sys.modules)))
"""


def imported_after(args: list[str]) -> tuple[str, list[str]]:
    done = subprocess.run([sys.executable, "-c", PROBE.format(args=args, heavy=HEAVY)], capture_output=True,
                          text=True, check=True, cwd=ROOT)
    code, heavy = done.stdout.splitlines()[-2:]
    return code, [m for m in heavy.split(",") if m]


@pytest.mark.parametrize("args", [
    ["--help"],
    ["run", "--help"],
    ["batch", "--help"],
    ["sensitivity", "--help"],
    ["validate", str(BASELINE)],
    ["validate", str(ROOT / "scenarios")],
    ["show", str(BASELINE)],
])
def test_light_commands_import_no_heavy_library(args):
    code, heavy = imported_after(args)
    assert code in ("0", "None"), code
    assert heavy == [], f"{args} imported {heavy}"


def test_probe_sees_heavy_imports():
    # the check can fail: `params` builds a pandas table, so pandas must show up
    code, heavy = imported_after(["params", str(BASELINE)])
    assert code == "0" and "pandas" in heavy


def test_import_sim_is_light_and_lazy_names_resolve():
    script = ("import sys, sim\n"
              f"assert not any(m in sys.modules for m in {HEAVY!r}), 'heavy import at import sim'\n"
              "from sim import load_scenario, simulate\n"
              "assert simulate.__module__ == 'sim.experiments.simulate'\n"
              "assert 'mesa' in sys.modules\n")
    subprocess.run([sys.executable, "-c", script], check=True, cwd=ROOT)
