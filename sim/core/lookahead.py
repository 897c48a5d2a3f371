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


class Ahead(Generic[Result]):
    """``work()`` running in a background thread; :meth:`result` waits for it."""

    def __init__(self, work: Callable[[], Result], name: str) -> None:
        """Args:
        work: The computation (must not touch what the main thread changes meanwhile).
        name: The thread's name (shown by debuggers and profilers).
        """
        self._work = work
        self._value: Result | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._value = self._work()
        except BaseException as error:  # handed to the main thread by result()
            self._error = error

    def result(self) -> Result:
        """The work's value once the thread is done (raises the work's error, if any)."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]
