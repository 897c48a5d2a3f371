"""The generated SLURM job script: valid bash and Python, a worker job script dask-jobqueue accepts,
and a driver that runs the batch (here against a stand-in for SLURMCluster: no SLURM needed)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from sim.errors import UsageError
from sim.experiments.batch import run_batch
from sim.experiments.cluster import SlurmSettings, slurm_cluster_options, slurm_script

ROOT = Path(__file__).resolve().parents[1]
BASELINE = str(ROOT / "scenarios" / "putuo" / "baseline.toml")
NO_POLICY = str(ROOT / "scenarios" / "putuo" / "no_policy.toml")
SCALE = 0.05


def driver_source(script: str) -> str:
    start = script.index("<<'STARTUP_SIM_DRIVER'\n") + len("<<'STARTUP_SIM_DRIVER'\n")
    return script[start : script.index("\nSTARTUP_SIM_DRIVER", start)]


def test_script_is_valid_bash_and_python_with_the_requested_resources(tmp_path):
    settings = SlurmSettings(jobs=3, cores=4, walltime="01:30:00", queue="normal", account="econ")
    script = slurm_script([BASELINE, "--replications", "20", "--out", "results/x y"], settings)
    path = tmp_path / "job.sh"
    path.write_text(script)
    subprocess.run(["bash", "-n", str(path)], check=True)
    compile(driver_source(script), "driver", "exec")
    lines = script.splitlines()
    assert lines[0] == "#!/bin/bash"
    for line in ("#SBATCH --time=01:30:00", "#SBATCH --partition=normal", "#SBATCH --account=econ"):
        assert line in lines
    assert "cluster.scale(jobs=3)" in script
    assert '"--workers", "12"' in script
    assert "'results/x y'" in script  # arguments are passed as a Python list, spaces intact


def test_settings_and_arguments_the_script_would_override_are_refused():
    with pytest.raises(UsageError, match="--executor"):
        slurm_script([BASELINE, "-n", "2", "--executor", "local"])
    with pytest.raises(UsageError, match="walltime"):
        slurm_script([BASELINE, "-n", "2"], SlurmSettings(walltime="2h"))
    with pytest.raises(UsageError, match="jobs and cores"):
        slurm_script([BASELINE, "-n", "2"], SlurmSettings(jobs=0))


def test_dask_jobqueue_renders_the_worker_job_script():
    from dask_jobqueue import SLURMCluster

    settings = SlurmSettings(jobs=2, cores=4, walltime="00:45:00", queue="short", account="econ")
    cluster = SLURMCluster(
        **slurm_cluster_options(settings), scheduler_options={"host": "127.0.0.1", "dashboard_address": None}
    )
    try:
        job = cluster.job_script()
    finally:
        cluster.close()
    assert "#SBATCH -p short" in job
    assert "#SBATCH -A econ" in job
    assert "#SBATCH -t 00:45:00" in job
    assert "#SBATCH --cpus-per-task=4" in job
    assert "--nworkers 4" in job and "--nthreads 1" in job
    assert sys.executable in job


STUB = '''
"""Stand-in for dask_jobqueue: a LocalCluster instead of SLURM jobs, recording what was asked."""
import json
import os

from dask.distributed import LocalCluster


class SLURMCluster:
    def __init__(self, **options):
        with open(os.environ["STUB_RECORD"], "w") as f:
            json.dump(options, f)
        self._cluster = LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None)
        self.scheduler_address = self._cluster.scheduler_address

    def scale(self, jobs):
        self.jobs = jobs

    def job_script(self):
        return "(stub)"

    def close(self):
        self._cluster.close()
'''


def test_generated_script_runs_the_batch_like_a_local_batch(tmp_path):
    stub = tmp_path / "stub" / "dask_jobqueue"
    stub.mkdir(parents=True)
    (stub / "__init__.py").write_text(textwrap.dedent(STUB))
    script = tmp_path / "job.sh"
    args = [BASELINE, NO_POLICY, "--replications", "2", "--scale", str(SCALE), "--out", "cluster_out"]
    script.write_text(slurm_script(args, SlurmSettings(jobs=1, cores=2, python=sys.executable)))
    env = dict(os.environ, PYTHONPATH=str(tmp_path / "stub"), STUB_RECORD=str(tmp_path / "record.json"),
               SLURM_SUBMIT_DIR=str(tmp_path))
    done = subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert '"processes": 2' in (tmp_path / "record.json").read_text()
    local = run_batch([BASELINE, NO_POLICY], 2, tmp_path / "local", workers=1, scale=SCALE, progress=False)
    remote = pd.read_csv(tmp_path / "cluster_out" / "summary.csv")
    pd.testing.assert_frame_equal(remote, pd.read_csv(tmp_path / "local" / "summary.csv"))
    assert len(local) == 4


def test_cli_writes_the_script_instead_of_running(tmp_path, capsys):
    from sim.cli import main

    path = tmp_path / "job.sh"
    out = tmp_path / "never"
    code = main(["batch", BASELINE, NO_POLICY, "-n", "20", "--out", str(out), "--metrics-only",
                 "--slurm-script", str(path), "--slurm-jobs", "2", "--slurm-cores", "16", "--slurm-account", "econ"])
    assert code == 0 and "sbatch" in capsys.readouterr().out
    script = path.read_text()
    assert "cluster.scale(jobs=2)" in script and '"--workers", "32"' in script
    assert "#SBATCH --account=econ" in script and "'--metrics-only'" in script and "'20'" in script
    assert not out.exists()  # nothing ran
    assert main(["batch", BASELINE, "-n", "2", "--workers", "2", "--slurm-script", str(path)]) == 2
    assert "--slurm-jobs" in capsys.readouterr().err
    assert main(["batch", BASELINE, "-n", "2", "--slurm-script", str(path), "--slurm-walltime", "3h"]) == 2
    assert "HH:MM:SS" in capsys.readouterr().err
