"""Work for next month computed ahead in a background thread, while this month goes on.

Two pieces of a month depend on nothing the month before it changes: next month's firm shocks of
this month's survivors (a function of run, slot and month, :mod:`sim.core.firm_shocks`) and next
month's arrivals (drawn from the run's own arrival generators, which nothing else uses). In a
single large run the model starts each as soon as it can (:class:`Ahead`) and picks the result up
when the month needs it, so a second processor works meanwhile: numpy releases the interpreter
lock inside its loops. The numbers are the same with or without it, in the same order.

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
from typing import Generic, TypeVar

Result = TypeVar("Result")

LOOKAHEAD_MIN_ITEMS = 40_000
"""Fewest array elements (firms, or founder attributes) worth a thread (a performance setting,
results do not depend on it). Measured on 2 cores for the firm shocks (Putuo baseline, wall time
of ``simulate``): at scale 1 (about 8,000 live firms) the thread costs a third more, at scale 4
(about 32,000) it breaks even, at scale 8 it saves 13%: with small arrays the two threads mostly
take turns holding the interpreter lock."""


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
    """The process's one look-ahead thread, started on first use, taking work in submission order.

    One thread that lives as long as the process, rather than a thread per piece of work: starting
    a thread waits until the new thread holds the interpreter lock, which the thread computing
    the other piece may hold (about 1% of a 16x run went to such waits), and two background
    threads only took turns with each other on the second processor. A child process forked from
    this one has no such thread (fork copies only the calling thread): it starts its own.
    """

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[Ahead] = queue.SimpleQueue()
        self._pid: int | None = None
        self._lock = threading.Lock()

    def submit(self, ahead: Ahead) -> None:
        """Queue ``ahead`` for the thread (starting the thread if this process has none)."""
        with self._lock:
            if self._pid != os.getpid():
                self._queue = queue.SimpleQueue()
                threading.Thread(target=self._serve, args=(self._queue,), name="look-ahead", daemon=True).start()
                self._pid = os.getpid()
            self._queue.put(ahead)

    @staticmethod
    def _serve(work: queue.SimpleQueue[Ahead]) -> None:
        while True:
            work.get()._run()


_WORKER = _Worker()


class Ahead(Generic[Result]):
    """``work()`` running in the background thread; :meth:`result` waits for it."""

    def __init__(self, work: Callable[[], Result], name: str) -> None:
        """Args:
        work: The computation (must not touch what the main thread changes meanwhile, and must
            not wait for another :class:`Ahead`: the thread takes one piece at a time).
        name: What the work is (shown in error messages and by debuggers).
        """
        self._work = work
        self.name = name
        self._value: Result | None = None
        self._error: BaseException | None = None
        self._done = threading.Event()
        _WORKER.submit(self)

    def _run(self) -> None:
        try:
            self._value = self._work()
        except BaseException as error:  # handed to the main thread by result()
            self._error = error
        finally:
            self._work = None  # type: ignore[assignment]  # free what the work holds
            self._done.set()

    def result(self) -> Result:
        """The work's value once the thread is done (raises the work's error, if any)."""
        self._done.wait()
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]
