"""Batch runs, the results store, resume after kill -9, and comparisons with intervals."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis.compare import COLUMNS, compare_batch
from sim.analysis.intervals import mean_ci, paired_diff_ci, ratio_of_means_ci
from sim.cli import main
from sim.errors import UsageError
from sim.experiments.batch import run_batch, run_jobs
from sim.experiments.jobs import RunJob, replication_seeds
from sim.experiments.simulate import simulate
from sim.io.store import RUN_FILES, BatchStore
from sim.scenario.files import load_scenario, scenario_to_toml, validate_dict
from sim.scenario.schema import Target

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "putuo" / "baseline.toml"
SCALE = 0.1
REPS = 3
NAMES = ("putuo_baseline", "putuo_no_policy")


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> list[str]:
    """The Putuo baseline and a no-policy variant (every programme disabled), as files."""
    folder = tmp_path_factory.mktemp("scenarios")
    data = load_scenario(BASELINE).model_dump()
    data["name"] = "putuo_no_policy"
    data["description"] = "counterfactual: every programme disabled"
    for programme in data["policy"].values():
        programme["enabled"] = False
    path = folder / "no_policy.toml"
    path.write_text(scenario_to_toml(validate_dict(data)))
    return [str(BASELINE), str(path)]


@pytest.fixture(scope="module")
def reference(files, tmp_path_factory) -> Path:
    """An uninterrupted batch, run in this process (1 worker)."""
    out = tmp_path_factory.mktemp("ref") / "batch"
    run_batch(files, REPS, out, workers=1, scale=SCALE, progress=False)
    return out


def summary_text(out: Path) -> str:
    return (out / "summary.csv").read_text()


# ------------------------------------------------------------------------------ batch + store
def test_summary_layout_and_common_random_numbers(reference):
    summary = pd.read_csv(reference / "summary.csv")
    for column in ("scenario", "replication", "seed", "status", "error", "founders_helped", "jobs_created",
                   "fiscal_cost_yuan", "survival_3y", "surviving_firms"):
        assert column in summary.columns
    assert len(summary) == len(NAMES) * REPS
    assert list(summary["scenario"]) == [n for n in NAMES for _ in range(REPS)]
    assert (summary["status"] == "ok").all()
    seeds = summary.pivot(index="replication", columns="scenario", values="seed")
    # common random numbers: one seed per replication, shared by every scenario, from SeedSequence
    assert (seeds[NAMES[0]] == seeds[NAMES[1]]).all()
    assert list(seeds[NAMES[0]]) == replication_seeds(0, REPS)
    assert len(set(seeds[NAMES[0]])) == REPS
    manifest = json.loads((reference / "manifest.json").read_text())
    assert manifest["root_seed"] == 0 and manifest["replications"] == REPS and manifest["scale"] == SCALE
    assert [s["name"] for s in manifest["scenarios"]] == list(NAMES)
    assert "toml" in manifest["scenarios"][0] and manifest["versions"]["numpy"]
    # the store is plain Parquet
    firms = pd.read_parquet(reference / "runs" / NAMES[0] / "r0001" / "firms.parquet")
    assert int(firms["censored"].sum()) == summary.loc[3 * 0 + 1, "surviving_firms"]


def test_the_summary_written_equals_the_summary_read_back_from_the_store(files, reference):
    from sim.experiments.jobs import batch_jobs, load_scenarios
    from sim.experiments.summary import summary_from_store

    jobs = batch_jobs([s for s, _ in load_scenarios(files)], REPS, root_seed=0, scale=SCALE)
    read_back = summary_from_store(BatchStore(reference), jobs)  # every run's metrics file read again
    assert read_back.to_csv(index=False) == summary_text(reference)


def test_recorded_seed_reproduces_the_run(reference):
    summary = pd.read_csv(reference / "summary.csv")
    row = summary.iloc[REPS + 2]  # no_policy, replication 2
    toml_text = json.loads((reference / "manifest.json").read_text())["scenarios"][1]["toml"]
    path = reference.parent / "resolved.toml"
    path.write_text(toml_text)
    result = simulate(load_scenario(path), seed=int(row["seed"]), scale=SCALE)
    assert result.metrics["jobs_created"] == row["jobs_created"]
    assert result.metrics["fiscal_cost_yuan"] == row["fiscal_cost_yuan"]
    assert result.metrics["survival_3y"] == row["survival_3y"]


def test_same_summary_with_two_workers_and_dask(files, reference, tmp_path):
    run_batch(files, REPS, tmp_path / "two", workers=2, scale=SCALE, progress=False)
    assert summary_text(tmp_path / "two") == summary_text(reference)
    run_batch(files, REPS, tmp_path / "dask", workers=2, executor="dask", scale=SCALE, progress=False)
    assert summary_text(tmp_path / "dask") == summary_text(reference)


def test_kill_minus_9_then_resume_gives_the_same_summary(files, reference, tmp_path):
    out = tmp_path / "killed"
    # the child slows each run down so it is still running when killed (the runs are identical)
    script = textwrap.dedent(f"""
        import time
        import sim.experiments.batch as batch
        import sim.experiments.jobs as jobs
        real = jobs.simulate
        def slow(*args, **kwargs):
            result = real(*args, **kwargs)
            time.sleep(0.4)
            return result
        jobs.simulate = slow
        batch.run_batch({files!r}, {REPS}, {str(out)!r}, workers=1, scale={SCALE}, progress=False)
    """)
    child = subprocess.Popen([sys.executable, "-c", script], start_new_session=True,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    first = out / "runs" / NAMES[0] / "r0000" / "done.json"
    deadline = time.monotonic() + 120
    while not first.exists() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    os.killpg(child.pid, signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL, child.stderr.read().decode()
    store = BatchStore(out)
    done_before = store.completed_runs()
    assert 1 <= len(done_before) < len(NAMES) * REPS, "the batch must be interrupted mid-way"
    stamps = {key: (store.run_dir(*key) / "done.json").stat().st_mtime_ns for key in done_before}
    with pytest.raises(UsageError, match="--resume"):
        run_batch(files, REPS, out, workers=1, scale=SCALE, progress=False)
    run_batch(files, REPS, out, workers=2, scale=SCALE, resume=True, progress=False)
    assert summary_text(out) == summary_text(reference)
    for key, stamp in stamps.items():  # a finished run is never rewritten
        assert (store.run_dir(*key) / "done.json").stat().st_mtime_ns == stamp


def test_corrupted_partial_and_leftover_runs_are_redone(files, reference, tmp_path):
    out = tmp_path / "damaged"
    shutil.copytree(reference, out)
    store = BatchStore(out)
    truncated = store.run_dir(NAMES[0], 1) / "firms.parquet"
    truncated.write_bytes(truncated.read_bytes()[:100])
    flipped = store.run_dir(NAMES[1], 2) / "metrics.parquet"
    data = bytearray(flipped.read_bytes())
    data[len(data) // 2] ^= 0xFF
    flipped.write_bytes(bytes(data))
    (store.run_dir(NAMES[1], 0) / "done.json").unlink()  # a run directory without its seal
    leftover = store.run_dir(NAMES[0], 2).parent / ".r0002.tmp-99999"
    leftover.mkdir()
    (out / "summary.csv").write_text("garbage\n")
    intact = store.run_dir(NAMES[0], 0) / "done.json"
    stamp = intact.stat().st_mtime_ns
    assert not store.is_complete(NAMES[0], 1) and not store.is_complete(NAMES[1], 2)

    run_batch(files, REPS, out, workers=1, scale=SCALE, resume=True, progress=False)
    assert summary_text(out) == summary_text(reference)
    assert all(store.is_complete(name, rep) for name in NAMES for rep in range(REPS))
    assert not leftover.exists()
    assert intact.stat().st_mtime_ns == stamp


def test_resume_must_match_and_out_must_be_free(files, reference, tmp_path):
    with pytest.raises(UsageError, match="holds a batch"):
        run_batch(files, REPS, reference, workers=1, scale=SCALE, progress=False)
    with pytest.raises(UsageError, match="root_seed"):
        run_batch(files, REPS, reference, workers=1, scale=SCALE, root_seed=1, resume=True, progress=False)
    with pytest.raises(UsageError, match="scale"):
        run_batch(files, REPS, reference, workers=1, scale=0.2, resume=True, progress=False)
    with pytest.raises(UsageError, match="scenarios"):
        run_batch(files[:1], REPS, reference, workers=1, scale=SCALE, resume=True, progress=False)
    stranger = tmp_path / "stranger"
    stranger.mkdir()
    (stranger / "notes.txt").write_text("mine")
    with pytest.raises(UsageError, match="not empty"):
        run_batch(files, REPS, stranger, workers=1, scale=SCALE, progress=False)


def test_cli_rejects_duplicate_names_and_bad_files_before_running(files, tmp_path, capsys):
    out = tmp_path / "never"
    assert main(["batch", files[0], files[0], "-n", "2", "--out", str(out), "-q"]) == 2
    err = capsys.readouterr().err
    assert "unique" in err and len(err.strip().splitlines()) == 1
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\ndistrict = "atlantis"\n')
    assert main(["batch", files[0], str(bad), "-n", "2", "--out", str(out), "-q"]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_a_run_that_raises_is_recorded_and_the_batch_goes_on(files, tmp_path):
    good = load_scenario(files[0])
    broken = good.model_copy(update={"name": "broken", "targets": [Target(metric="no_such_metric", value=1)]})
    seeds = replication_seeds(0, 2)
    jobs = [RunJob(s.name, s, rep, seeds[rep], SCALE) for rep in range(2) for s in (broken, good)]
    out = tmp_path / "failing"
    summary = run_jobs(jobs, out, workers=2, progress=False)
    assert list(summary["scenario"]) == ["broken", "broken", good.name, good.name]
    failed = summary[summary["scenario"] == "broken"]
    assert (failed["status"] == "failed").all()
    assert failed["error"].str.contains("no_such_metric").all()
    assert (summary.loc[summary["scenario"] == good.name, "status"] == "ok").all()
    record = json.loads((out / "runs" / "broken" / "r0001.failed.json").read_text())
    assert record["seed"] == seeds[1] and "Traceback" in record["traceback"]
    on_disk = pd.read_csv(out / "summary.csv", keep_default_na=False)
    assert list(on_disk["status"]) == ["failed", "failed", "ok", "ok"]
    # resume retries failed runs only
    ran = []
    run_jobs(jobs, out, workers=1, resume=True, progress=False, on_outcome=lambda job, _: ran.append(job.key))
    assert sorted(ran) == [("broken", 0), ("broken", 1)]


def test_monkeypatched_failure_in_process(files, tmp_path, monkeypatch):
    import sim.experiments.jobs as jobs

    real = jobs.simulate

    def flaky(scenario, seed=0, scale=1.0, shared=None, firm_columns=None):
        if seed == replication_seeds(0, 2)[1]:
            raise RuntimeError("disk on fire\nsecond line")
        return real(scenario, seed=seed, scale=scale, shared=shared, firm_columns=firm_columns)

    monkeypatch.setattr(jobs, "simulate", flaky)
    summary = run_batch(files[:1], 2, tmp_path / "flaky", workers=1, scale=SCALE, progress=False)
    assert list(summary["status"]) == ["ok", "failed"]
    assert summary.loc[1, "error"] == "RuntimeError: disk on fire second line"
    assert set(RUN_FILES) <= {p.name for p in (tmp_path / "flaky" / "runs" / NAMES[0] / "r0000").iterdir()}


# ------------------------------------------------------------------------------ statistics
def test_mean_ci_covers_the_true_mean_about_95_percent():
    rng = np.random.default_rng(np.random.SeedSequence(7))
    samples = rng.normal(loc=5.0, scale=2.0, size=(1000, 8))
    covered = 0
    for values in samples:
        interval = mean_ci(values)
        covered += interval.low <= 5.0 <= interval.high
    # 1,000 intervals: coverage has binomial sd sqrt(.95 * .05 / 1000) = 0.7 points; allow 3 sd
    assert 0.929 <= covered / 1000 <= 0.971
    # a normal (z) interval with n = 8 would undercover (~93%); the t-interval is wider than z
    z_half = 1.959964 * samples[0].std(ddof=1) / np.sqrt(8)
    interval = mean_ci(samples[0])
    assert interval.high - interval.estimate > z_half


def test_paired_diff_ci_covers_and_handles_degenerate_cases():
    rng = np.random.default_rng(np.random.SeedSequence(11))
    covered = 0
    for _ in range(1000):
        common = rng.normal(0.0, 10.0, size=6)  # shared noise (common random numbers)
        a = 3.0 + common + rng.normal(0.0, 1.0, size=6)
        b = common + rng.normal(0.0, 1.0, size=6)
        interval = paired_diff_ci(a, b)
        covered += interval.low <= 3.0 <= interval.high
    assert 0.929 <= covered / 1000 <= 0.971
    assert mean_ci([4.0, 4.0, 4.0])[:3] == (4.0, 4.0, 4.0)
    assert np.isnan(mean_ci([4.0]).low)
    assert mean_ci([1.0, np.nan, 3.0]).n == 2
    with pytest.raises(ValueError):
        paired_diff_ci([1.0, 2.0], [1.0])


def test_ratio_of_means_ci_is_seeded_and_centred():
    rng = np.random.default_rng(np.random.SeedSequence(3))
    jobs = rng.normal(100.0, 10.0, size=20)
    cost = 50.0 * jobs + rng.normal(0.0, 100.0, size=20)
    first, note = ratio_of_means_ci(cost, jobs)
    again, _ = ratio_of_means_ci(cost, jobs)
    assert first == again and "bootstrap" in note
    assert first.estimate == pytest.approx(cost.mean() / jobs.mean())
    assert first.low < 50.0 < first.high
    undefined, note = ratio_of_means_ci(cost, -jobs)
    assert np.isnan(undefined.estimate) and "not positive" in note


def test_paired_differences_vary_less_than_unpaired(reference):
    metrics = BatchStore(reference).metrics()
    wide = metrics.pivot(index="replication", columns="scenario")
    for metric in ("firms_started", "surviving_firms"):
        a = wide[(metric, NAMES[0])].to_numpy()
        b = wide[(metric, NAMES[1])].to_numpy()
        assert np.var(a - b, ddof=1) < np.var(a, ddof=1) + np.var(b, ddof=1)
        paired = paired_diff_ci(a, b)
        unpaired_half = 4.302653 * np.sqrt((np.var(a, ddof=1) + np.var(b, ddof=1)) / len(a))  # t(0.975, 2)
        assert paired.high - paired.estimate < unpaired_half


# ------------------------------------------------------------------------------ compare
def test_compare_table(reference, capsys):
    table = compare_batch(reference)
    assert list(table.columns) == COLUMNS
    assert {"mean", "difference", "target_probability", "additionality"} <= set(table["section"])
    diff = table[(table["section"] == "difference") & (table["metric"] == "jobs_created")]
    assert list(diff["scenario"]) == [NAMES[1]] and list(diff["reference"]) == [NAMES[0]]
    means = table[(table["section"] == "mean") & (table["metric"] == "jobs_created")].set_index("scenario")
    assert diff["estimate"].iloc[0] == pytest.approx(
        means.loc[NAMES[1], "estimate"] - means.loc[NAMES[0], "estimate"])
    assert (diff["ci_low"] <= diff["estimate"]).all() and (diff["estimate"] <= diff["ci_high"]).all()
    probability = table[table["section"] == "target_probability"]
    assert len(probability) and probability["estimate"].between(0, 1).all()
    assert (probability["n"] == REPS).all()
    self_add = table[(table["section"] == "additionality") & (table["scenario"] == NAMES[1])].set_index("metric")
    for metric in ("additional_jobs", "additional_surviving_firms", "additional_fiscal_cost_yuan"):
        assert self_add.loc[metric, ["estimate", "ci_low", "ci_high"]].tolist() == [0.0, 0.0, 0.0]
    assert np.isnan(self_add.loc["fiscal_cost_per_additional_job_yuan", "estimate"])
    policy_add = table[(table["section"] == "additionality") & (table["scenario"] == NAMES[0])]
    cost = policy_add.set_index("metric").loc["additional_fiscal_cost_yuan", "estimate"]
    assert cost > 0  # the policies cost money; the counterfactual costs nothing

    assert main(["compare", str(reference)]) == 0
    printed = capsys.readouterr().out
    assert "Additionality against the counterfactual putuo_no_policy" in printed
    written = pd.read_csv(reference / "comparison.csv")
    assert list(written.columns) == COLUMNS and len(written) == len(table)
    assert main(["compare", str(reference), "--baseline", "nope"]) == 2
