"""Issue 13: no silent corruption, no internal error on a user's mistake, guards on memory and disk.

Each numbered case of the issue is reproduced with its command (in this process through
``sim.cli.main`` where possible, in subprocesses where processes must race or die).
"""

from __future__ import annotations

import errno
import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.experiments import resources
from sim.experiments.batch import run_jobs
from sim.experiments.jobs import RunJob, batch_jobs, execute_job
from sim.experiments.simulate import simulate
from sim.io.store import BatchStore
from sim.scenario.files import load_scenario, validate_dict

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "putuo" / "baseline.toml"
NO_POLICY = ROOT / "scenarios" / "putuo" / "no_policy.toml"
SCALE = "0.05"


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    """Run the CLI in this process; return (exit code, stdout, stderr)."""
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def one_line_error(err: str) -> str:
    lines = [line for line in err.strip().splitlines() if not line.startswith(("warning:", "note:"))]
    assert len(lines) == 1, err
    assert lines[0].startswith("error: "), err
    assert "Traceback" not in err and "internal error" not in err
    return lines[0]


@pytest.fixture(scope="module")
def batch_dir(tmp_path_factory) -> Path:
    """A small finished batch (2 scenarios x 2 replications at scale 0.05), never modified."""
    out = tmp_path_factory.mktemp("batch") / "b"
    assert main(["batch", str(BASELINE), str(NO_POLICY), "-n", "2", "--scale", SCALE, "-j", "1", "-q",
                 "--out", str(out)]) == 0
    return out


def copy_batch(batch_dir: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy"
    shutil.copytree(batch_dir, target)
    return target


# ---------------------------------------------------------------------- case 1: concurrent runs
def test_case1_concurrent_runs_never_mix(tmp_path):
    out = tmp_path / "same"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    commands = [
        [sys.executable, "-m", "sim", "run", str(BASELINE), "--seed", "1", "--scale", SCALE, "--out", str(out)],
        [sys.executable, "-m", "sim", "run", str(NO_POLICY), "--seed", "2", "--scale", SCALE, "--out", str(out)],
    ]
    procs = [subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
             for c in commands]
    results = [(p.wait(), p.stderr.read()) for p in procs]
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    codes = sorted(code for code, _ in results)
    # the first to finish writes; the other is refused (another scenario's run), one line, exit 2
    assert codes in ([0, 2], [0, 0]), results
    for code, err in results:
        if code == 2:
            assert "another scenario" in one_line_error(err)
    manifest = json.loads((out / "manifest.json").read_text())
    scenario = load_scenario(BASELINE if manifest["scenario"] == "putuo_baseline" else NO_POLICY)
    expected = simulate(scenario, seed=manifest["seed"], scale=float(SCALE))
    pd.testing.assert_frame_equal(pd.read_parquet(out / "monthly.parquet"), expected.monthly)
    assert len(pd.read_parquet(out / "firms.parquet")) == len(expected.firms)
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["monthly.parquet", "firms.parquet", "metrics.csv", "targets.csv", "manifest.json", "scenario.toml"])
    assert [p.name for p in tmp_path.iterdir()] == ["same"]  # no temporary directory left


def test_case1_failed_write_keeps_the_earlier_run(tmp_path, capsys, monkeypatch):
    out = tmp_path / "run"
    assert cli(capsys, "run", BASELINE, "--scale", SCALE, "--out", out)[0] == 0
    before = (out / "manifest.json").read_bytes()

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(out))

    monkeypatch.setattr("sim.io.outputs._write_file", full)  # every file of a run goes through it
    code, _, err = cli(capsys, "run", BASELINE, "--seed", "3", "--scale", SCALE, "--out", out)
    assert code == 2 and "no space left" in one_line_error(err)
    assert (out / "manifest.json").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


# ---------------------------------------------------------------------- case 2: run vs batch directories
def test_case2_run_refuses_a_batch_and_batch_refuses_a_run(batch_dir, tmp_path, capsys):
    batch = copy_batch(batch_dir, tmp_path)
    manifest = (batch / "manifest.json").read_bytes()
    code, _, err = cli(capsys, "run", BASELINE, "--scale", SCALE, "--out", batch)
    assert code == 2 and "holds a batch" in one_line_error(err)
    assert (batch / "manifest.json").read_bytes() == manifest
    assert cli(capsys, "batch", BASELINE, NO_POLICY, "-n", "2", "--scale", SCALE, "-j", "1", "-q",
               "--out", batch, "--resume")[0] == 0

    run = tmp_path / "run"
    assert cli(capsys, "run", BASELINE, "--scale", SCALE, "--out", run)[0] == 0
    for extra in ([], ["--resume"]):
        code, _, err = cli(capsys, "batch", BASELINE, "-n", "1", "--scale", SCALE, "-q", "--out", run, *extra)
        assert code == 2 and "holds a run" in one_line_error(err)
    code, _, err = cli(capsys, "run", NO_POLICY, "--scale", SCALE, "--out", run)
    assert code == 2 and "another scenario" in one_line_error(err)
    stranger = tmp_path / "stranger"
    stranger.mkdir()
    (stranger / "notes.txt").write_text("mine")
    code, _, err = cli(capsys, "run", BASELINE, "--scale", SCALE, "--out", stranger)
    assert code == 2 and "not a run's" in one_line_error(err)
    assert (stranger / "notes.txt").read_text() == "mine"


# ---------------------------------------------------------------------- case 3: memory, disk, bounds
def test_case3_memory_estimate_refuses_with_the_flag(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(resources, "available_memory_bytes", lambda: 8e9)
    code, _, err = cli(capsys, "run", BASELINE, "--scale", "1000", "--out", tmp_path / "big")
    line = one_line_error(err)
    assert code == 2 and "GB of memory" in line and "limit of 6.40 GB" in line and "--max-memory" in line
    assert not (tmp_path / "big").exists()

    huge = tmp_path / "huge.toml"
    huge.write_text(f'extends = "{BASELINE}"\nname = "huge"\n[population]\narrivals_per_month = 1e6\n')
    code, _, err = cli(capsys, "run", huge, "--out", tmp_path / "huge")
    assert code == 2 and "--max-memory" in one_line_error(err)
    # the override works (refused again only because the limit given is still too small)
    code, _, err = cli(capsys, "run", huge, "--out", tmp_path / "huge", "--max-memory", "1")
    assert code == 2 and "limit of 1.00 GB" in one_line_error(err)


def test_case3_bounds_on_scale_and_replications(tmp_path, capsys):
    for argv in (["run", BASELINE, "--scale", "1001"],
                 ["batch", BASELINE, "--replications", "1000000000", "--out", tmp_path / "b"]):
        with pytest.raises(SystemExit) as stop:
            main([str(a) for a in argv])
        assert stop.value.code == 2
        assert "at most" in capsys.readouterr().err
    code, _, err = cli(capsys, "batch", BASELINE, "-n", "100000", "--out", tmp_path / "b", "--max-disk", "1")
    line = one_line_error(err)
    assert code == 2 and "of disk" in line and "--max-disk" in line
    assert not (tmp_path / "b").exists()
    code, _, err = cli(capsys, "batch", BASELINE, "-n", "4", "-j", "4", "--scale", "40", "--out", tmp_path / "b",
                       "--max-memory", "2")
    assert code == 2 and "--workers" in one_line_error(err)


def test_case3_out_of_memory_in_a_run_is_a_failed_run(tmp_path, monkeypatch):
    import sim.experiments.jobs as jobs_module

    scenario = load_scenario(BASELINE)
    jobs = batch_jobs([scenario], 3, 0, float(SCALE))
    real = jobs_module.simulate

    def simulate_or_oom(scenario, seed, scale, shared=None, firm_columns=None):
        if seed == jobs[1].seed:
            raise MemoryError()
        return real(scenario, seed=seed, scale=scale, firm_columns=firm_columns)

    monkeypatch.setattr(jobs_module, "simulate", simulate_or_oom)
    outcome = execute_job(jobs[1])
    assert outcome.status == "failed" and "out of memory" in outcome.error and "\n" not in outcome.error
    summary = run_jobs(jobs, tmp_path / "b", workers=1, progress=False)
    assert list(summary["status"]) == ["ok", "failed", "ok"]


# ---------------------------------------------------------------------- case 4: OS and data errors
def test_case4_out_below_a_file_is_exit_2(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    for argv in (["run", BASELINE, "--scale", SCALE, "--out", blocker / "sub"],
                 ["batch", BASELINE, "-n", "1", "--scale", SCALE, "-q", "--out", blocker / "sub"]):
        code, _, err = cli(capsys, *argv)
        assert code == 2, err
        assert str(blocker) in one_line_error(err)


def test_case4_corrupted_parquet_is_exit_2_with_resume_hint(batch_dir, tmp_path, capsys):
    batch = copy_batch(batch_dir, tmp_path)
    target = batch / "runs" / "putuo_baseline" / "r0001" / "firms.parquet"
    target.write_bytes(b"not parquet at all")
    for command in ("plot", "report", "compare"):
        code, _, err = cli(capsys, command, batch)
        line = one_line_error(err)
        assert code == 2 and "putuo_baseline/r0001" in line and "--resume" in line, line
    # the command it gives redoes the run
    assert cli(capsys, "batch", BASELINE, NO_POLICY, "-n", "2", "--scale", SCALE, "-j", "1", "-q",
               "--out", batch, "--resume")[0] == 0
    assert cli(capsys, "compare", batch)[0] == 0


def test_case4_pyarrow_error_and_internal_error(tmp_path, capsys, monkeypatch):
    import pyarrow as pa

    from sim.cli import report_exception

    assert report_exception(pa.lib.ArrowInvalid("Parquet magic bytes not found"), []) == 2
    assert "--resume" in one_line_error(capsys.readouterr().err)
    assert report_exception(OSError(errno.EROFS, "Read-only file system", "/x"), []) == 2
    assert "read-only" in one_line_error(capsys.readouterr().err)
    monkeypatch.setenv("STARTUP_SIM_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.delenv("STARTUP_SIM_DEBUG", raising=False)
    import sim.cli.run as run_module

    def bug(args):
        raise RuntimeError("a bug")

    monkeypatch.setattr(run_module, "cmd_run", bug)
    assert main(["run", str(BASELINE)]) == 3
    err = capsys.readouterr().err
    assert err.startswith("internal error: RuntimeError: a bug") and err.count("\n") == 1
    logs = list((tmp_path / "logs").iterdir())
    assert len(logs) == 1 and str(logs[0]) in err and "Traceback" in logs[0].read_text()


@pytest.fixture
def read_only(tmp_path):
    """Make a directory read-only: a read-only tmpfs remount as root, else chmod; skip if neither works."""
    mounted: list[Path] = []

    def make(source: Path) -> Path:
        if os.geteuid() == 0:
            point = tmp_path / "ro"
            point.mkdir()
            if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(point)],
                              capture_output=True).returncode != 0:
                pytest.skip("cannot mount a tmpfs here")
            mounted.append(point)
            shutil.copytree(source, point / source.name)
            if subprocess.run(["mount", "-o", "remount,ro", str(point)], capture_output=True).returncode != 0:
                pytest.skip("cannot remount read-only here")
            return point / source.name
        for path in [source, *source.rglob("*")]:
            path.chmod(path.stat().st_mode & ~0o222)
        return source

    yield make
    for point in mounted:
        subprocess.run(["umount", str(point)], check=True)


# ---------------------------------------------------------------------- case 5: compare
def test_case5_compare_on_read_only_batch(batch_dir, tmp_path, capsys, read_only):
    batch = read_only(copy_batch(batch_dir, tmp_path))
    code, out, err = cli(capsys, "compare", batch)
    line = one_line_error(err)
    assert code == 2 and "--out FILE" in line and "mean" in out
    csv = tmp_path / "comparison.csv"
    code, out, _ = cli(capsys, "compare", batch, "--out", csv)
    assert code == 0 and str(csv) in out and len(pd.read_csv(csv)) > 0
    code, _, err = cli(capsys, "plot", batch)
    assert code == 2 and "read-only" in one_line_error(err)


def test_case5_compare_names_a_truncated_run(batch_dir, tmp_path, capsys):
    batch = copy_batch(batch_dir, tmp_path)
    target = batch / "runs" / "putuo_no_policy" / "r0000" / "monthly.parquet"
    with open(target, "r+b") as handle:
        handle.truncate(10)
    code, _, err = cli(capsys, "compare", batch)
    line = one_line_error(err)
    assert code == 2 and "putuo_no_policy/r0000 (monthly.parquet has 10 bytes" in line and "--resume" in line


# ---------------------------------------------------------------------- case 6: resume
def test_case6_resume_never_shrinks_and_refuses_non_batch(batch_dir, tmp_path, capsys):
    batch = copy_batch(batch_dir, tmp_path)
    summary = (batch / "summary.csv").read_bytes()
    code, _, err = cli(capsys, "batch", BASELINE, NO_POLICY, "-n", "1", "--scale", SCALE, "-q",
                       "--out", batch, "--resume")
    line = one_line_error(err)
    assert code == 2 and "--replications 2 or more" in line
    assert (batch / "summary.csv").read_bytes() == summary
    assert json.loads((batch / "manifest.json").read_text())["replications"] == 2

    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "data.csv").write_text("a,b\n")
    code, _, err = cli(capsys, "batch", BASELINE, "-n", "1", "--scale", SCALE, "-q", "--out", folder)
    assert code == 2 and "not empty" in one_line_error(err)
    code, _, err = cli(capsys, "batch", BASELINE, "-n", "1", "--scale", SCALE, "-q", "--out", folder, "--resume")
    assert code == 2 and "completes a batch only" in one_line_error(err)
    assert sorted(p.name for p in folder.iterdir()) == ["data.csv"]


# ---------------------------------------------------------------------- case 7: periods, shocks, BOM, scales
def test_case7_period_labels_shocks_and_bom(tmp_path, capsys):
    short = tmp_path / "short.toml"
    text = f'extends = "{BASELINE}"\nname = "short_period"\n[period]\nstart = "2010-01"\nend = "2012-12"\n'
    short.write_bytes(b"\xef\xbb\xbf" + text.encode())  # with a UTF-8 byte-order mark
    code, out, err = cli(capsys, "run", short, "--scale", SCALE, "--out", tmp_path / "r")
    assert code == 0 and "2010-01 to 2012-12" in out
    assert "warning:" in err and "shocks.lockdown_2022" in err  # inherited shocks outside the period
    batch = tmp_path / "b"
    assert cli(capsys, "batch", short, "-n", "2", "--scale", SCALE, "-q", "--out", batch)[0] == 0
    assert cli(capsys, "report", batch)[0] == 0
    html = (batch / "report.html").read_text()
    assert "2010-2012" in html

    code, _, err = cli(capsys, "validate", short)
    assert code == 0 and "warning:" in err and "shocks.outbreak_2020" in err

    late = tmp_path / "late.toml"
    late.write_text(f'extends = "{BASELINE}"\nname = "late"\n[shocks.late]\nstart = "2150-01"\nmonths = 2\n')
    code, _, err = cli(capsys, "validate", late)
    assert code == 2 and "shocks.late.start" in err and "outside the period" in err


def test_case7_degenerate_scale_reports_na(tmp_path, capsys):
    code, out, _ = cli(capsys, "run", BASELINE, "--scale", "1e-9", "--out", tmp_path / "tiny")
    assert code == 0
    assert "nan" not in out.lower()
    assert "n/a" in out
    assert not [line for line in out.splitlines() if "MISSED" in line and "target >= 0.0" in line]


# ---------------------------------------------------------------------- case 8: README/docs facts
def test_case8_run_lists_every_file_it_wrote(tmp_path, capsys):
    out = tmp_path / "r"
    code, stdout, _ = cli(capsys, "run", BASELINE, "--scale", SCALE, "--out", out)
    listed = stdout.strip().splitlines()[-1].split("(", 1)[1].rstrip(")").split(", ")
    assert code == 0 and sorted(listed) == sorted(p.name for p in out.iterdir())
    assert "up to 32 files" in (ROOT / "docs" / "scenarios.md").read_text()


def test_exit_codes_in_help(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for code in ("0 ", "1 ", "2 ", "3 "):
        assert f"\n  {code}" in out


# ---------------------------------------------------------------------- fault injection
def test_worker_killed_with_sigkill_is_a_failed_run_and_the_batch_finishes(tmp_path):
    scenario = load_scenario(BASELINE)
    data = scenario.model_dump()
    slow = validate_dict({**data, "name": "slow"})
    jobs = [RunJob("slow", slow, r, 1000 + r, 2.0) for r in range(6)]
    result: dict[str, object] = {}

    def run() -> None:
        result["summary"] = run_jobs(jobs, tmp_path / "b", workers=2, progress=False)

    thread = threading.Thread(target=run)
    thread.start()
    killed = None
    deadline = time.monotonic() + 120
    while killed is None and time.monotonic() < deadline and thread.is_alive():
        children = multiprocessing.active_children()
        busy = [c for c in children if c.pid is not None]
        if len(busy) >= 2:
            time.sleep(0.5)  # let the workers start their first runs (three runs each follow)
            try:
                os.kill(busy[0].pid, signal.SIGKILL)
                killed = busy[0].pid
            except ProcessLookupError:  # that worker has just ended: look again
                pass
        time.sleep(0.05)
    thread.join()
    assert killed is not None
    summary = result["summary"]
    assert len(summary) == 6
    # the runs in the broken pool are retried once in a new pool: all finish
    assert (summary["status"] == "ok").all(), summary[["status", "error"]]
    store = BatchStore(tmp_path / "b")
    for scenario_name, replication in store.completed_runs():
        assert store.run_problem(scenario_name, replication) is None



def test_disk_full_loses_no_finished_run(tmp_path, capsys, monkeypatch):
    calls = {"n": 0}
    real = BatchStore.write_encoded

    def fills_up(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] > 2:
            raise OSError(errno.ENOSPC, "No space left on device", str(self.root))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(BatchStore, "write_encoded", fills_up)
    out = tmp_path / "b"
    code, _, err = cli(capsys, "batch", BASELINE, NO_POLICY, "-n", "2", "--scale", SCALE, "-j", "1", "-q",
                       "--out", out)
    assert code == 2 and "no space left" in one_line_error(err) and "--resume" in err
    store = BatchStore(out)
    assert len(store.completed_runs()) == 2
    assert all(store.run_problem(*run) is None for run in store.completed_runs())
    assert len(pd.read_csv(out / "summary.csv")) == 2
    monkeypatch.setattr(BatchStore, "write_encoded", real)
    assert cli(capsys, "batch", BASELINE, NO_POLICY, "-n", "2", "--scale", SCALE, "-j", "1", "-q",
               "--out", out, "--resume")[0] == 0
    assert len(store.completed_runs()) == 4


@pytest.mark.skipif(os.geteuid() != 0 or sys.platform != "linux", reason="mounting a tmpfs needs root on Linux")
def test_real_full_disk_on_a_small_tmpfs(tmp_path, capsys):
    point = tmp_path / "small"
    point.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", str(point)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        out = point / "b"
        code, _, err = cli(capsys, "batch", BASELINE, NO_POLICY, "-n", "10", "--scale", SCALE, "-j", "1", "-q",
                           "--out", out, "--max-disk", "100")
        assert code == 2 and "no space left" in one_line_error(err)
        store = BatchStore(out)
        finished = store.completed_runs()
        assert finished and all(store.run_problem(*run) is None for run in finished)
        assert not list((out / "runs").glob("*/.*.tmp-*"))
    finally:
        subprocess.run(["umount", str(point)], check=True)



def test_metrics_only_batch_verifies_and_compares(tmp_path, capsys):
    out = tmp_path / "m"
    assert cli(capsys, "batch", BASELINE, NO_POLICY, "-n", "2", "--scale", SCALE, "-j", "1", "-q",
               "--metrics-only", "--out", out)[0] == 0
    store = BatchStore(out)
    assert all(store.run_problem(*run) is None for run in store.completed_runs())
    (out / "runs" / "putuo_baseline" / "r0000" / "metrics.parquet").write_bytes(b"x")
    code, _, err = cli(capsys, "compare", out)
    assert code == 2 and "putuo_baseline/r0000" in one_line_error(err)


def test_the_machine_is_described_in_one_line_for_the_benchmarks(monkeypatch):
    import platform

    import numpy as np

    from sim.experiments import resources

    line = resources.machine_description()
    assert "\n" not in line
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert f"{usable} processors usable" in line
    assert f"Python {platform.python_version()}" in line and f"numpy {np.__version__}" in line
    monkeypatch.setattr(os, "sysconf", lambda name: (_ for _ in ()).throw(ValueError(name)))
    assert "GiB memory" not in resources.machine_description()  # left out when it cannot be read
