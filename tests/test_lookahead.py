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

    def counted(self, work, name, **worker):
        started.append(name)
        start(self, work, name, **worker)

    monkeypatch.setattr(lookahead.Ahead, "__init__", counted)
    ahead = simulate(scenario, seed=3, scale=0.5)
    assert len(ahead.monthly) == 24
    # every month but the last prepares the next month's shocks and arrivals; every month splits
    # the firm rules in two halves
    assert sorted(set(started)) == ["arrivals-ahead", "firm-shocks-ahead", "second half"]
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


def test_two_halves_cover_the_items_once_the_second_in_the_background(monkeypatch):
    import threading

    calls: list[tuple[slice, str]] = []

    def work(part: slice) -> None:
        calls.append((part, threading.current_thread().name))

    monkeypatch.setattr(lookahead.LOOKAHEAD, "enabled", False)
    lookahead.in_two_halves(9, work)
    assert calls == [(slice(0, 9), threading.current_thread().name)]
    calls.clear()
    monkeypatch.setattr(lookahead.LOOKAHEAD, "enabled", True)
    monkeypatch.setattr(lookahead, "LOOKAHEAD_MIN_ITEMS", 10)
    lookahead.in_two_halves(9, work)  # too few items for a thread
    assert calls == [(slice(0, 9), threading.current_thread().name)]
    calls.clear()
    lookahead.in_two_halves(11, work)
    assert sorted(calls, key=lambda call: call[0].start) == [
        (slice(0, 5), threading.current_thread().name), (slice(5, 11), "second-half")]


def test_an_error_in_either_half_reaches_the_caller_after_both_are_done(monkeypatch):
    import threading

    monkeypatch.setattr(lookahead.LOOKAHEAD, "enabled", True)
    monkeypatch.setattr(lookahead, "LOOKAHEAD_MIN_ITEMS", 1)
    second_done = threading.Event()

    def failing_second(part: slice) -> None:
        if part.start:
            raise ValueError("second half failed")

    with pytest.raises(ValueError, match="second half failed"):
        lookahead.in_two_halves(4, failing_second)

    def failing_first(part: slice) -> None:
        if part.start == 0:
            raise KeyError("first half failed")
        second_done.wait(timeout=0.2)  # slower than the first half
        second_done.set()

    with pytest.raises(KeyError, match="first half failed"):
        lookahead.in_two_halves(4, failing_first)
    assert second_done.is_set()  # waited for: no half writes on after the call


def test_the_look_ahead_gives_way_to_a_second_half_until_both_halves_are_done(monkeypatch):
    monkeypatch.setattr(lookahead.LOOKAHEAD, "enabled", True)
    monkeypatch.setattr(lookahead, "LOOKAHEAD_MIN_ITEMS", 1)
    order: list[str] = []
    pieces = []

    def ahead_piece() -> None:
        lookahead.give_way()
        order.append("look-ahead")

    def work(part: slice) -> None:
        if part.start == 0:
            pieces.append(lookahead.Ahead(ahead_piece, name="ahead while halves run"))
            pieces[0]._done.wait(timeout=0.2)  # it may not pass give_way meanwhile
        order.append(f"half {part.start}")

    lookahead.in_two_halves(2, work)
    pieces[0].result()
    assert sorted(order[:2]) == ["half 0", "half 1"] and order[2:] == ["look-ahead"]
    lookahead.give_way()  # free again
