"""Next month's work computed ahead in a thread (:mod:`sim.core.lookahead`) changes no number."""

from __future__ import annotations

import pytest

from sim.core import lookahead
from sim.experiments.simulate import simulate
from sim.scenario.files import load_scenario


def test_ahead_returns_the_work_and_hands_its_error_to_the_caller():
    assert lookahead.Ahead(lambda: 42, name="answer").result() == 42

    def broken() -> int:
        raise ValueError("broken on purpose")

    with pytest.raises(ValueError, match="broken on purpose"):
        lookahead.Ahead(broken, name="broken").result()


def test_the_look_ahead_is_only_worth_a_thread_when_on_and_for_large_work(monkeypatch):
    monkeypatch.setattr(lookahead.LOOKAHEAD, "enabled", True)
    assert lookahead.LOOKAHEAD.worth_it(lookahead.LOOKAHEAD_MIN_ITEMS)
    assert not lookahead.LOOKAHEAD.worth_it(lookahead.LOOKAHEAD_MIN_ITEMS - 1)
    monkeypatch.setattr(lookahead.LOOKAHEAD, "enabled", False)
    assert not lookahead.LOOKAHEAD.worth_it(10 * lookahead.LOOKAHEAD_MIN_ITEMS)


def test_batch_workers_run_without_the_look_ahead(monkeypatch):
    from sim.experiments import jobs

    monkeypatch.setattr(lookahead.LOOKAHEAD, "enabled", True)
    monkeypatch.setattr(jobs, "execute_job", lambda job, shared: job.key)
    job = jobs.RunJob("a", load_scenario("scenarios/putuo/baseline.toml"), 0, 7)
    assert jobs.execute_paired_jobs([job]) == [("a", 0)]
    assert not lookahead.LOOKAHEAD.enabled


def test_a_run_with_the_look_ahead_equals_a_run_without(monkeypatch):
    baseline = load_scenario("scenarios/putuo/baseline.toml")
    scenario = baseline.model_copy(update={"period": baseline.period.model_copy(update={"end": "2019-12"})})
    monkeypatch.setattr(lookahead.LOOKAHEAD, "enabled", False)
    without = simulate(scenario, seed=3, scale=0.5)
    monkeypatch.setattr(lookahead.LOOKAHEAD, "enabled", True)
    monkeypatch.setattr(lookahead, "LOOKAHEAD_MIN_ITEMS", 1)
    started: list[str] = []
    start = lookahead.Ahead.__init__

    def counted(self, work, name):
        started.append(name)
        start(self, work, name)

    monkeypatch.setattr(lookahead.Ahead, "__init__", counted)
    ahead = simulate(scenario, seed=3, scale=0.5)
    assert len(ahead.monthly) == 24
    # every month but the last prepares the next month's shocks and arrivals
    assert sorted(set(started)) == ["arrivals-ahead", "firm-shocks-ahead"]
    assert started.count("arrivals-ahead") == started.count("firm-shocks-ahead") == 23
    for name in ("monthly", "firms"):
        assert getattr(ahead, name).equals(getattr(without, name))
    assert ahead.metrics == without.metrics


def test_founders_written_ahead_are_the_founders_added_in_their_month(monkeypatch):
    """Every population array, arrival months included, is the same with and without the look-ahead."""
    from sim.core.model import StartupEcosystem

    baseline = load_scenario("scenarios/putuo/baseline.toml")
    scenario = baseline.model_copy(update={"period": baseline.period.model_copy(update={"end": "2018-12"})})
    populations = {}
    for on in (False, True):
        monkeypatch.setattr(lookahead.LOOKAHEAD, "enabled", on)
        monkeypatch.setattr(lookahead, "LOOKAHEAD_MIN_ITEMS", 1)
        model = StartupEcosystem(scenario, seed=4, scale=0.5)
        model.run_model()
        populations[on] = model.population
    pop, ahead = populations[False], populations[True]
    assert ahead.n == pop.n
    for name in pop._FLOAT + pop._INT + pop._INT8 + pop._BOOL:
        assert (getattr(ahead, name)[: pop.n] == getattr(pop, name)[: pop.n]).all(), name


def test_pieces_of_work_run_in_order_on_one_background_thread():
    import threading

    names = [lookahead.Ahead(lambda: threading.current_thread().name, name=f"piece {i}") for i in range(3)]
    order: list[int] = []
    pieces = [lookahead.Ahead(lambda i=i: order.append(i), name=f"ordered {i}") for i in range(5)]
    for piece in pieces:
        piece.result()
    assert order == [0, 1, 2, 3, 4]
    assert {piece.result() for piece in names} == {"look-ahead"}
    assert threading.current_thread().name != "look-ahead"


def _ahead_in_child(results) -> None:
    results.put(lookahead.Ahead(lambda: 7, name="child").result())


def test_a_forked_child_starts_its_own_background_thread():
    """fork copies only the calling thread: a child waiting on the parent's thread would hang."""
    import multiprocessing

    assert lookahead.Ahead(lambda: 1, name="parent").result() == 1  # the parent's thread exists
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    child = context.Process(target=_ahead_in_child, args=(results,))
    child.start()
    child.join(timeout=30)
    if child.is_alive():
        child.kill()
        pytest.fail("the child waited for a thread it does not have")
    assert child.exitcode == 0
    assert results.get(timeout=5) == 7
