"""Runs of one seed share their firm shocks and founders (:mod:`sim.core.shared_draws`) and get
the numbers they would compute alone."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.core import lookahead
from sim.core.context import CORE_STREAMS, spawn_streams
from sim.core.firm_shocks import DRAW_ROWS, FirmShocks, stream_key
from sim.core.model import StartupEcosystem
from sim.core.shared_draws import KeptShocks, SharedDraws
from sim.experiments.executors import PAIRED_GROUP_MAX, paired_groups
from sim.experiments.jobs import RunJob, execute_job, execute_paired_jobs
from sim.experiments.simulate import simulate
from sim.scenario.editing import no_policy
from sim.scenario.files import load_scenario

SCALE = 0.2
SEED = 11


@pytest.fixture(scope="module")
def baseline():
    return load_scenario("scenarios/putuo/baseline.toml")


def ending(scenario, end: str):
    return scenario.model_copy(update={"period": scenario.period.model_copy(update={"end": end})})


def assert_same_run(shared, alone) -> None:
    assert shared.metrics == alone.metrics
    assert shared.monthly_records == alone.monthly_records
    pd.testing.assert_frame_equal(shared.firms, alone.firms, check_exact=True)


def test_runs_sharing_a_seeds_draws_equal_runs_alone(baseline, monkeypatch):
    monkeypatch.setattr(lookahead.LOOKAHEAD, "enabled", False)
    more_founders = baseline.model_copy(update={"population": baseline.population.model_copy(
        update={"arrivals_per_month": baseline.population.arrivals_per_month * 1.1})})
    sequence = [
        ending(baseline, "2019-06"),   # keeps 18 months of founders
        no_policy(baseline),           # takes them, then continues its own generators from month 18
        more_founders,                 # other founders (not shared), the same shocks
        baseline,                      # every month kept by now
    ]
    shared = SharedDraws(SEED)
    for scenario in sequence:
        assert_same_run(simulate(scenario, seed=SEED, scale=SCALE, shared=shared),
                        simulate(scenario, seed=SEED, scale=SCALE))


def test_a_later_run_takes_the_kept_founders_and_shocks(baseline, monkeypatch):
    monkeypatch.setattr(lookahead.LOOKAHEAD, "enabled", False)
    drawn = {"founders": 0, "shock_columns": 0}
    draw_founders, fill = StartupEcosystem._draw_founders, FirmShocks._fill

    def counted_founders(self):
        drawn["founders"] += 1
        return draw_founders(self)

    def counted_fill(self, out, first, slots, month):
        drawn["shock_columns"] += slots.size
        return fill(self, out, first, slots, month)

    monkeypatch.setattr(StartupEcosystem, "_draw_founders", counted_founders)
    monkeypatch.setattr(FirmShocks, "_fill", counted_fill)
    scenario = ending(baseline, "2018-12")
    shared = SharedDraws(SEED)
    simulate(scenario, seed=SEED, scale=SCALE, shared=shared)
    first = dict(drawn)
    assert first["founders"] == 12 and first["shock_columns"] > 0
    simulate(scenario, seed=SEED, scale=SCALE, shared=shared)
    assert drawn == first  # the same scenario again: nothing drawn or computed
    simulate(no_policy(scenario), seed=SEED, scale=SCALE, shared=shared)
    assert drawn["founders"] == 12  # founders shared; only slots alive in this run alone computed
    assert drawn["shock_columns"] - first["shock_columns"] < first["shock_columns"] / 2


def test_kept_arrays_are_read_only_and_another_seed_is_refused(baseline):
    scenario = ending(baseline, "2018-03")
    shared = SharedDraws(SEED)
    simulate(scenario, seed=SEED, scale=SCALE, shared=shared)
    founders = shared.arrivals((SCALE, scenario.population, scenario.behaviour, scenario.bank), ()).kept.months
    assert len(founders) == 3
    with pytest.raises(ValueError, match="read-only"):
        founders[0]["own_capital"][0] = 1.0
    with pytest.raises(ValueError, match="seed 11"):
        simulate(scenario, seed=SEED + 1, scale=SCALE, shared=shared)


def test_kept_shocks_equal_direct_ones_for_any_slots_in_any_order_of_asking():
    generator = FirmShocks(stream_key(spawn_streams(5, CORE_STREAMS)["dynamics"]))
    kept = KeptShocks(generator.key, DRAW_ROWS)
    rng = np.random.default_rng(0)
    month = 2019 * 12
    for size in (10, 3_000, 500, 6_000):  # later asks reach beyond the kept slots
        slots = np.sort(rng.choice(size * 2, size=size, replace=False))
        got = kept.draws(slots, month, lambda out, some: generator._fill(out, 0, some, month))
        np.testing.assert_array_equal(got, FirmShocks(generator.key).draws(slots, month))
    assert kept.draws(np.zeros(0, dtype=np.int64), month, None).shape == (DRAW_ROWS, 0)


def test_shocks_over_the_memory_limit_are_not_kept_and_the_run_is_unchanged(baseline, monkeypatch):
    monkeypatch.setattr(lookahead.LOOKAHEAD, "enabled", False)
    scenario = ending(baseline, "2018-12")
    small = SharedDraws(SEED, max_shock_bytes=1_000)
    assert small.shocks(1, DRAW_ROWS, slot_months=1_000) is None
    assert small.shocks(1, DRAW_ROWS, slot_months=10) is not None
    assert_same_run(simulate(scenario, seed=SEED, scale=SCALE, shared=small),
                    simulate(scenario, seed=SEED, scale=SCALE))
    kept = KeptShocks(1, DRAW_ROWS, max_bytes=1_000)  # a month beyond the limit is computed, not kept
    assert kept.draws(np.arange(100), 5, lambda out, some: out.fill(0.5)) is None


def test_paired_groups_bring_a_seeds_jobs_together_and_spread_small_batches(baseline):
    def job(name: str, replication: int, seed: int, scale: float = 1.0) -> RunJob:
        return RunJob(name, baseline, replication, seed, scale)

    jobs = [job(name, r, 100 + r) for r in range(50) for name in "abcdef"]
    groups = paired_groups(jobs, workers=2)
    assert [j for g in groups for j in g] == jobs
    assert all(len({(j.seed, j.scale) for j in g}) == 1 for g in groups)
    assert max(len(g) for g in groups) == 6 and len(groups) == 50
    one_seed = [job(f"s{i}", 0, 7) for i in range(100)]
    assert max(len(g) for g in paired_groups(one_seed, workers=2)) == PAIRED_GROUP_MAX
    few = [job(name, 0, 7) for name in "abcdef"]
    assert len(paired_groups(few, workers=2)) == 6  # every worker gets work
    scales = [job("a", 0, 7, 1.0), job("b", 0, 7, 2.0)]
    assert len(paired_groups(scales, workers=1)) == 2
    mix_by_mix = [job(f"mix{m}", r, 100 + r) for m in range(4) for r in range(3)]  # the optimiser's order
    groups = paired_groups(mix_by_mix, workers=1)  # groups of 3: each worker gets 4 groups or more
    assert [[j.scenario_name for j in g] for g in groups] == [["mix0", "mix1", "mix2"], ["mix3"]] * 3
    assert [g[0].seed for g in groups] == [100, 100, 101, 101, 102, 102]


def test_paired_jobs_give_the_outcomes_of_single_jobs(baseline):
    scenario = ending(baseline, "2018-12")
    jobs = [RunJob(s.name, s, 0, SEED, SCALE, tables=False) for s in (scenario, no_policy(scenario))]
    paired = execute_paired_jobs(jobs, beside_others=False)
    single = [execute_job(job) for job in jobs]
    assert [o.metrics for o in paired] == [o.metrics for o in single]
    assert [o.files for o in paired] == [o.files for o in single]
    with pytest.raises(ValueError, match="one seed and scale"):
        execute_paired_jobs([jobs[0], RunJob("x", scenario, 1, SEED + 1, SCALE)], beside_others=False)


def test_the_batch_memory_estimate_counts_the_kept_draws(baseline, tmp_path):
    from sim.core.shared_draws import FOUNDER_BYTES, kept_bytes
    from sim.experiments.resources import (
        BASE_MEMORY_BYTES,
        arrivals,
        check_batch_resources,
        run_memory_bytes,
        shared_draws_bytes,
    )

    founders = arrivals(baseline, 1.0)
    assert shared_draws_bytes(baseline, 1.0) == kept_bytes(founders, 60, DRAW_ROWS)
    assert kept_bytes(founders, 60, DRAW_ROWS) > founders * FOUNDER_BYTES  # shocks kept at scale 1
    assert kept_bytes(founders * 16, 60, DRAW_ROWS) == founders * 16 * FOUNDER_BYTES  # not at 16
    memory, _ = check_batch_resources([(baseline, 1.0)] * 4, workers=2, out=tmp_path,
                                      max_memory_gb=1e3, max_disk_gb=1e3)
    assert memory == BASE_MEMORY_BYTES + 2 * (run_memory_bytes(baseline, 1.0) + shared_draws_bytes(baseline, 1.0))
