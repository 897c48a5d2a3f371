"""The second processor in a single large run: next month's work computed ahead, and the month's
elementwise firm rules split in two halves.

Two pieces of a month depend on nothing the month before it changes: next month's firm shocks of
this month's survivors (a function of run, slot and month, :mod:`sim.core.firm_shocks`) and next
month's arrivals (drawn from the run's own arrival generators, which nothing else uses). In a
single large run the model starts each as soon as it can (:class:`Ahead`) and picks the result up
when the month needs it, so a second processor works meanwhile: numpy releases the interpreter
lock inside its loops. The numbers are the same with or without it, in the same order.

The month's account, its closing and hiring (:mod:`sim.core.firms`) compute each firm's numbers from
that firm's inputs alone: :func:`in_two_halves` gives the second half of the firms to another
background thread while this one does the first, and the look-ahead gives way meanwhile
(:func:`give_way`). Sums across firms stay whole, in one thread, so no number changes either.

:data:`LOOKAHEAD` says whether to use a thread at all: on where the process may use more than one
processor; batch workers, which between them keep every processor busy, turn it off
(:func:`sim.experiments.jobs.execute_paired_jobs`). Small runs go without
(:data:`LOOKAHEAD_MIN_ITEMS`).
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable
from functools import partial
from typing import Generic, TypeVar

Result = TypeVar("Result")

LOOKAHEAD_MIN_ITEMS = 40_000
"""Fewest array elements (firms, or founder attributes) worth a thread (a performance setting,
results do not depend on it). Measured on 2 cores for the firm shocks (Putuo baseline, wall time
of ``simulate``): at scale 1 (about 8,000 live firms) the thread costs a third more, at scale 4
(about 32,000) it breaks even, at scale 8 it saves 13%: with small arrays the two threads mostly
take turns holding the interpreter lock. For the firm rules in two halves (:func:`in_two_halves`),
on top of the look-ahead: at scale 8 (63,000 live firms on average) 1.10 s with halves from 40,000
firms, 1.11 s from 60,000, 1.12 s without; at scale 16 (127,000) 0.91x the time without."""


class Lookahead:
    """Whether :class:`Ahead` computes in a background thread (attribute ``enabled``)."""

    def __init__(self) -> None:
        usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        self.enabled = usable > 1

    def worth_it(self, items: int) -> bool:
        """Whether work over ``items`` array elements should go to a thread."""
        return self.enabled and items >= LOOKAHEAD_MIN_ITEMS


LOOKAHEAD = Lookahead()
"""The process's look-ahead setting."""


class _Worker:
    """A background thread of the process (one for the look-ahead, one for second halves),
    started on first use, taking work in submission order.

    One thread that lives as long as the process, rather than a thread per piece of work: starting
    a thread waits until the new thread holds the interpreter lock, which the thread computing
    the other piece may hold (about 1% of a 16x run went to such waits), and two background
    threads only took turns with each other on the second processor. A child process forked from
    this one has no such thread (fork copies only the calling thread): it starts its own.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._queue: queue.SimpleQueue[Ahead] = queue.SimpleQueue()
        self._pid: int | None = None
        self._lock = threading.Lock()

    def submit(self, ahead: Ahead) -> None:
        """Queue ``ahead`` for the thread (starting the thread if this process has none)."""
        with self._lock:
            if self._pid != os.getpid():
                self._queue = queue.SimpleQueue()
                threading.Thread(target=self._serve, args=(self._queue,), name=self.name, daemon=True).start()
                self._pid = os.getpid()
            self._queue.put(ahead)

    @staticmethod
    def _serve(work: queue.SimpleQueue[Ahead]) -> None:
        while True:
            work.get()._run()


_WORKER = _Worker("look-ahead")
_HALF_WORKER = _Worker("second-half")  # its own thread: a half must not queue behind next month's work


class Ahead(Generic[Result]):
    """``work()`` running in the background thread; :meth:`result` waits for it."""

    def __init__(self, work: Callable[[], Result], name: str, worker: _Worker = _WORKER) -> None:
        """Args:
        work: The computation (must not touch what the main thread changes meanwhile, and must
            not wait for another :class:`Ahead`: the thread takes one piece at a time).
        name: What the work is (shown in error messages and by debuggers).
        worker: The thread to run it (the look-ahead's, unless :func:`in_two_halves`).
        """
        self._work = work
        self.name = name
        self._value: Result | None = None
        self._error: BaseException | None = None
        self._done = threading.Event()
        worker.submit(self)

    def _run(self) -> None:
        try:
            self._value = self._work()
        except BaseException as error:  # handed to the main thread by result()
            self._error = error
        finally:
            self._work = None  # type: ignore[assignment]  # free what the work holds
            self._done.set()

    def wait(self) -> None:
        """Wait until the thread is done with the work (its value or error stay unread)."""
        self._done.wait()

    def result(self) -> Result:
        """The work's value once the thread is done (raises the work's error, if any)."""
        self.wait()
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]


_SECOND_PROCESSOR_FREE = threading.Event()
_SECOND_PROCESSOR_FREE.set()


def give_way() -> None:
    """Wait while the month's rules run a second half (:func:`in_two_halves`).

    Look-ahead work calls it between its pieces (the firm shocks between blocks): the second half
    is on the month's path, the look-ahead is not needed before next month, and with both at once
    each got half of the second processor.
    """
    _SECOND_PROCESSOR_FREE.wait()


def in_two_halves(n: int, work: Callable[[slice], None]) -> None:
    """Do elementwise ``work`` over ``n`` items as ``work(slice(0, n))``, or, when that is worth a
    thread (:meth:`Lookahead.worth_it`), as two halves at once: the second in a background thread,
    the first here.

    ``work(part)`` must compute each item from that item's inputs alone and write only that item's
    outputs (no sums across items, no shared cache it fills), so both ways give the same numbers.
    """
    if not LOOKAHEAD.worth_it(n):
        work(slice(0, n))
        return
    half = n // 2
    _SECOND_PROCESSOR_FREE.clear()
    try:
        second = Ahead(partial(work, slice(half, n)), name="second half", worker=_HALF_WORKER)
        try:
            work(slice(0, half))
        except BaseException:
            second.wait()  # the second half must not write on after this returns
            raise
        second.result()
    finally:
        _SECOND_PROCESSOR_FREE.set()
