"""The io layer: the one atomic writer, the resume-identity protocol and the outcome declarations."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest

from sim.errors import UsageError
from sim.experiments.outcomes import HEADLINE_METRICS, OUTCOMES, SUMMARY_METRICS, display, is_share
from sim.io import atomic
from sim.io.resume import check_identity, directory_kind, identity_matches, read_marker
from sim.io.store import BatchStore


# ------------------------------------------------------------------------------ atomic writer
def test_write_bytes_text_parquet_and_figure(tmp_path):
    atomic.write_bytes(tmp_path / "a" / "x.bin", b"\x00\x01")
    assert (tmp_path / "a" / "x.bin").read_bytes() == b"\x00\x01"
    atomic.write_text(tmp_path / "t.txt", "héllo")
    assert (tmp_path / "t.txt").read_text(encoding="utf-8") == "héllo"
    frame = pd.DataFrame({"a": [1, 2], "b": [0.5, float("nan")]})
    atomic.write_parquet(frame, tmp_path / "f.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "f.parquet"), frame)
    from matplotlib.figure import Figure

    fig = Figure(figsize=(2, 2))
    fig.add_subplot().plot([0, 1], [1, 0])
    atomic.write_figure(fig, tmp_path / "fig.png", dpi=50)
    atomic.write_figure(fig, tmp_path / "fig.svg")
    assert (tmp_path / "fig.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in (tmp_path / "fig.svg").read_bytes()[:500]
    assert not [p for p in tmp_path.rglob("*") if atomic.is_temporary(p)]


def test_failed_writer_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "keep.txt"
    target.write_text("old")

    def broken(handle):
        handle.write(b"half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        atomic.write_with(target, broken)
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["keep.txt"]


def test_clean_temporary_finds_temporaries_of_every_writer(tmp_path):
    store = BatchStore(tmp_path)
    leftovers = [atomic.temporary_name(tmp_path / "summary.csv"),
                 atomic.temporary_name(tmp_path / "figures" / "levers.png"),
                 atomic.temporary_name(tmp_path / "runs" / "baseline" / "r0003")]
    for path in leftovers:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"partial")
    (tmp_path / "figures" / "levers.png").write_bytes(b"kept")
    assert all(atomic.is_temporary(p) for p in leftovers)
    assert store.clean_temporary() == 3
    assert not any(p.exists() for p in leftovers)
    assert (tmp_path / "figures" / "levers.png").read_bytes() == b"kept"


# ------------------------------------------------------------------------------ resume protocol
def test_check_identity_names_the_first_difference(tmp_path):
    where = tmp_path / "manifest.json"
    check_identity(where, {"seed": 1, "scale": 1.0, "extra": "ignored"}, {"seed": 1, "scale": 1.0})
    with pytest.raises(UsageError, match=r"manifest.json: scale \(--scale\): this batch used 1.0, the command "
                                         r"gives 2.0; use another --out"):
        check_identity(where, {"seed": 1, "scale": 1.0}, {"seed": 1, "scale": 2.0}, labels={"scale": "scale (--scale)"})
    assert identity_matches({"a": 1}, None) and identity_matches({"a": 1, "b": 2}, {"a": 1})
    assert not identity_matches({"a": 1}, {"a": 1, "b": 2}) and not identity_matches(None, {"a": 1})


def test_directory_kind_and_markers(tmp_path):
    assert directory_kind(tmp_path / "absent") is None
    assert directory_kind(tmp_path) is None
    (tmp_path / "notes.txt").write_text("x")
    assert directory_kind(tmp_path) == "other"
    run, batch, cal = tmp_path / "run", tmp_path / "batch", tmp_path / "cal"
    for path, name, data in ((run, "manifest.json", {"scenario": "b", "seed": 0}),
                             (batch, "manifest.json", {"format": "startup-sim-batch/1"}),
                             (cal, "calibration.json", {"identity": {"format": "startup-sim-calibration/1"}})):
        path.mkdir()
        (path / name).write_text(json.dumps(data))
    assert [directory_kind(p) for p in (run, batch, cal)] == ["run", "batch", "calibration"]
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(UsageError, match="bad.json: cannot read it"):
        read_marker(tmp_path / "bad.json")
    assert read_marker(tmp_path / "missing.json") is None


# ------------------------------------------------------------------------------ outcomes
def test_outcomes_are_declared_once_and_complete():
    names = [o.name for o in OUTCOMES]
    assert len(names) == len(set(names)) == len(SUMMARY_METRICS)
    assert len(HEADLINE_METRICS) == 11 and "surviving_firms" in SUMMARY_METRICS
    assert {o.better for o in OUTCOMES} <= {"higher", "lower"}
    shares = [o.name for o in OUTCOMES if o.is_share]
    assert shares == ["survival_1y", "survival_3y", "loan_default_rate"] and is_share("survival_1y")
    assert display("fiscal_cost_yuan") == ("Fiscal cost of the programmes", "million yuan", 1e-6)
    assert display("not_declared") == ("not declared", "", 1.0)


def test_a_run_reports_every_outcome_in_order():
    from sim.experiments.simulate import simulate
    from sim.scenario.files import load_scenario

    root = Path(__file__).resolve().parents[1]
    result = simulate(load_scenario(root / "scenarios" / "putuo" / "baseline.toml"), seed=3, scale=0.05)
    assert list(result.metrics) == list(SUMMARY_METRICS)
    assert result.metrics["surviving_firms"] == float(result.firms["censored"].sum())


def test_numpy_kaplan_meier_is_bit_identical_to_scipy():
    import numpy as np

    from sim.experiments.metrics import kaplan_meier, survival_at, survival_at_each

    rng = np.random.default_rng(np.random.SeedSequence(11))
    for trial in range(300):
        n = int(rng.integers(1, 300))
        life = rng.integers(0, 60, n).astype(float) if trial % 3 else rng.exponential(30.0, n)
        censored = rng.random(n) < (rng.random() if trial % 4 else 0.0)  # every fourth: none censored
        if censored.all():
            continue
        reference = kaplan_meier(life, censored).sf
        every = (0, 1, 11.5, 12, 36, 59, 100)
        for months in every:
            assert survival_at(life, censored, months) == float(reference.evaluate(months))
        assert survival_at_each(life, censored, every) == [float(reference.evaluate(m)) for m in every]
    assert np.isnan(survival_at_each(np.zeros(0), np.zeros(0, dtype=bool), (12, 36))).all()
    assert survival_at_each(np.array([3.0, 40.0]), np.array([True, True]), (12, 36)) == [1.0, 1.0]


def test_pyarrow_writers_give_the_tables_pandas_would_write():
    # sim.io.arrow writes a run's tables without pandas; they must be what pandas' writer stored
    import pyarrow as pa

    from sim.experiments.metrics import TARGET_COLUMNS
    from sim.experiments.simulate import simulate
    from sim.io.arrow import arrow_table, csv_text, rows_table
    from sim.scenario.files import load_scenario

    root = Path(__file__).resolve().parents[1]
    for file, scale in (("putuo/baseline.toml", 0.2), ("yangpu/lever_loans.toml", 0.01)):
        result = simulate(load_scenario(root / "scenarios" / file), seed=4, scale=scale)
        expected = {
            "firms": (arrow_table(result.firm_columns), result.firms),
            "monthly": (arrow_table(result.monthly_columns), result.monthly),
            "targets": (rows_table(result.target_rows, TARGET_COLUMNS, {"scenario": "s", "replication": 3}),
                        result.targets.assign(scenario="s", replication=3)),
            "metrics": (rows_table([result.metrics], list(result.metrics)), pd.DataFrame([result.metrics])),
        }
        for name, (table, frame) in expected.items():
            reference = pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(None)
            assert table.schema.equals(reference.schema), (file, name)
            assert table.equals(reference), (file, name)
        assert csv_text(result.target_rows, TARGET_COLUMNS) == result.targets.to_csv(index=False)
    rows = [{"a": 1.5, "b": None, "c": True, "d": "x,\"y\""}, {"a": float("nan"), "b": None, "c": False, "d": None}]
    frame = pd.DataFrame(rows, columns=["a", "b", "c", "d"]).assign(e=2)
    reference = pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(None)
    assert rows_table(rows, ["a", "b", "c", "d"], {"e": 2}).equals(reference)
    assert csv_text(rows, ["a", "b", "c", "d"]) == frame.drop(columns="e").to_csv(index=False)
    empty = pd.DataFrame([], columns=list(TARGET_COLUMNS)).assign(scenario="s", replication=3)
    reference = pa.Table.from_pandas(empty, preserve_index=False).replace_schema_metadata(None)
    assert rows_table([], TARGET_COLUMNS, {"scenario": "s", "replication": 3}).schema.equals(reference.schema)


def test_parquet_files_read_back_equal_and_carry_no_column_statistics():
    # nothing reads the statistics (one row group per file, read whole); they cost a quarter of
    # the encoding
    import io

    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from sim.core.population import CodedColumn
    from sim.io.arrow import arrow_table, parquet_bytes

    months = CodedColumn(np.array([0, 1, -1]), ("2018-01", "2018-02"), ordered=True)
    table = arrow_table({"firm_id": np.arange(3), "start_month": months, "cash_yuan": np.array([1.5, -2.0, 0.0])})
    data = parquet_bytes(table)
    metadata = pq.ParquetFile(io.BytesIO(data)).metadata
    assert metadata.num_row_groups == 1
    assert [metadata.row_group(0).column(i).is_stats_set for i in range(metadata.num_columns)] == [False] * 3
    assert pq.read_table(io.BytesIO(data)).to_pylist() == table.to_pylist()
    assert isinstance(table.column("start_month").type, pa.DictionaryType)
