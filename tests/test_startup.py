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


def test_model_loads_only_mesas_agent_and_model_and_the_rest_of_mesa_on_use():
    # sim.core.mesa_core skips Mesa's package __init__ (pandas, networkx, scipy.spatial, tqdm:
    # about 1 s); whatever else of Mesa is used later is loaded then, and is the real thing
    script = (
        "import sys\n"
        "from sim.core.model import StartupEcosystem\n"
        "skipped = ('pandas', 'networkx', 'scipy.spatial', 'scipy.stats', 'tqdm', 'mesa.space')\n"
        "loaded = [m for m in skipped if m in sys.modules]\n"
        "assert not loaded, loaded\n"
        "import mesa, mesa.agent, mesa.model\n"
        "assert issubclass(StartupEcosystem, mesa.Model) and mesa.Agent is mesa.agent.Agent\n"
        "assert mesa.Model is mesa.model.Model\n"
        "assert mesa.__version__ and callable(mesa.batch_run)\n"
        "from mesa import DataCollector\n"
        "assert DataCollector.__module__ == 'mesa.datacollection' and 'mesa.space' in sys.modules\n"
        "assert mesa.Agent is mesa.agent.Agent\n"
        "try:\n"
        "    mesa.no_such_name\n"
        "except AttributeError:\n"
        "    pass\n"
        "else:\n"
        "    raise AssertionError('missing names must raise AttributeError')\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, cwd=ROOT)


def test_mesas_logger_and_logged_methods_are_named_as_mesa_names_them_without_reading_sources():
    # Mesa finds the calling module and class with inspect.stack() and inspect.getouterframes();
    # the loader gives Mesa's logging the frames' own names instead, and gives it back inspect
    script = (
        "import inspect, logging, sys\n"
        "calls = []\n"
        "for name in ('stack', 'getouterframes', 'getmodule'):\n"
        "    real = getattr(inspect, name)\n"
        "    setattr(inspect, name, lambda *a, real=real, **k: calls.append(1) or real(*a, **k))\n"
        "from sim.core.model import StartupEcosystem\n"
        "assert calls == [], 'inspect read the stack'\n"
        "import mesa.mesa_logging as ml, mesa.model\n"
        "assert mesa.model._mesa_logger.name == 'MESA.mesa.model'\n"
        "assert ml.inspect is inspect\n"
        "seen = []\n"
        "handler = logging.Handler()\n"
        "handler.emit = lambda record: seen.append(record.getMessage())\n"
        "logger = logging.getLogger('MESA.mesa.model')\n"
        "logger.addHandler(handler)\n"
        "logger.setLevel(logging.DEBUG)\n"
        "mesa.model.Model(rng=1)\n"
        "assert seen and seen[0].startswith('calling Model.__init__ with'), seen\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, cwd=ROOT)


def test_mesa_imported_first_is_left_alone():
    script = (
        "import mesa\n"
        "from sim.core.mesa_core import load_mesa\n"
        "assert load_mesa() is mesa and 'mesa.space' in __import__('sys').modules\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, cwd=ROOT)


def test_run_and_a_metrics_only_job_import_no_pandas(tmp_path):
    # `run` writes its Parquet tables and CSVs with pyarrow from the run's numpy columns
    # (sim/io/arrow.py); the probe can fail: `params` imports pandas (test above)
    code, heavy = imported_after(["run", str(BASELINE), "--scale", "0.05", "--out", str(tmp_path / "run")])
    assert code == "0" and (tmp_path / "run" / "firms.parquet").exists()
    assert heavy == ["mesa", "pyarrow"], heavy  # the inverse CDFs are numpy (sim/core/distributions.py)
    script = (
        "import sys\n"
        "from sim.experiments.jobs import batch_jobs, execute_job, load_scenarios\n"
        f"scenario = load_scenarios([{str(BASELINE)!r}])[0][0]\n"
        "for tables in (False, True):\n"
        "    outcome = execute_job(batch_jobs([scenario], 1, scale=0.05, tables=tables)[0])\n"
        "    assert outcome.status == 'ok', outcome.error\n"
        "assert 'pandas' not in sys.modules and 'scipy' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, cwd=ROOT)
