"""One browser session of the explorer: its state and the comparison task that fills it.

Solara's reactive variables are per session: the language, the scenario library, the district and starting
file picked, the planner's changes (the mix), the comparison's settings, its result, progress and failure,
and the save form. :func:`current_value` and :func:`set_value` read and edit one control in the mix;
:func:`compare_task` runs the comparison in a thread. The pages are :mod:`sim.explore.app`.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Any

import solara
import solara.lab

from sim.explore.comparison import ComparisonResult, run_comparison
from sim.explore.controls import Control
from sim.explore.library import list_scenarios
from sim.explore.settings import from_env
from sim.scenario.files import load_scenario

SETTINGS = from_env()
lang = solara.reactive(SETTINGS.lang)
library = solara.reactive(list_scenarios(SETTINGS.scenarios))
district = solara.reactive("putuo" if "putuo" in library.value else next(iter(library.value)))
start_file = solara.reactive(str(library.value[district.value][0]))
changes: solara.Reactive[dict[str, Any]] = solara.reactive({})
replications = solara.reactive(SETTINGS.replications)
scale = solara.reactive(SETTINGS.scale)
seed = solara.reactive(SETTINGS.seed)
result: solara.Reactive[ComparisonResult | None] = solara.reactive(None)
progress = solara.reactive((0, 0))
failure = solara.reactive("")
save_name = solara.reactive("my_mix")
save_message = solara.reactive("")


def current_value(control: Control) -> Any:
    """The control's value in the mix (changed, or the starting scenario's)."""
    return changes.value.get(control.path, control.value)


def set_value(control: Control, value: Any) -> None:
    """Set one control in the mix (a value equal to the starting scenario's is dropped)."""
    updated = dict(changes.value)
    if control.kind == "int":
        value = int(round(value))
    elif control.kind == "float":
        value = round(float(value), 10)  # a slider's low + k * step carries binary round-off
    if value == control.value or (control.kind == "float" and math.isclose(value, control.value, abs_tol=1e-9)):
        updated.pop(control.path, None)
    else:
        updated[control.path] = value
    changes.value = updated


@solara.lab.task(prefer_threaded=True)
def compare_task() -> None:
    """Run the comparison of the current mix (in a thread; progress is reported as runs finish)."""
    failure.value = ""
    try:
        start = load_scenario(start_file.value)
        out = Path(tempfile.mkdtemp(prefix="explore-", dir=SETTINGS.out)) / "batch"

        def report(done: int, total: int) -> None:
            progress.value = (done, total)

        result.value = run_comparison(
            start, dict(changes.value), out, replications=int(replications.value), scale=float(scale.value),
            root_seed=int(seed.value), workers=SETTINGS.workers, on_progress=report)
    except Exception as exc:  # shown on the page, one line
        failure.value = " ".join(str(exc).split()) or type(exc).__name__
        raise
