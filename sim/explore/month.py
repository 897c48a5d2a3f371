"""One run, month by month: the model in Mesa's SolaraViz, for researchers.

:class:`RecordedEcosystem` is the model with a ``mesa.DataCollector`` of model-level series
(active firms, jobs, births, exits, incubated firms, programme spending), collected after each
month; SolaraViz steps it, plays it and plots the series.
"""

from __future__ import annotations

import mesa
import solara
from mesa.visualization import SolaraViz, make_plot_component

from sim.core.model import StartupEcosystem
from sim.locale import metric_name, text
from sim.scenario.schema import Scenario

SERIES = ("active_firms", "jobs", "births", "exits", "incubated_firms", "spend_total_yuan")
"""Columns of the model's monthly record collected by the DataCollector."""
PLOTS = (("active_firms",), ("jobs",), ("births", "exits"), ("spend_total_yuan",))
"""Series plotted together, one plot each."""


def series_label(column: str, lang: str) -> str:
    """The collected series' name in the language (the DataCollector's column name)."""
    return metric_name(column, lang)


class RecordedEcosystem(StartupEcosystem):
    """The model with model-level series in a ``mesa.DataCollector``."""

    def __init__(self, scenario_json: str = "", scale: float = 0.2, seed: int = 0, lang: str = "en") -> None:
        """Build the model from a scenario given as JSON (SolaraViz rebuilds models from keyword arguments).

        Args:
            scenario_json: The scenario, ``Scenario.model_dump_json()``.
            scale: Population scale.
            seed: Root seed.
            lang: Language of the series' names.
        """
        super().__init__(Scenario.model_validate_json(scenario_json), seed=seed, scale=scale)
        self.datacollector = mesa.DataCollector(
            model_reporters={series_label(c, lang): self._reporter(c) for c in SERIES})

    @staticmethod
    def _reporter(column: str):
        return lambda model: model.records[-1][column] if model.records else 0

    def step(self) -> None:
        """Advance one month and collect the series."""
        super().step()
        self.datacollector.collect(self)


@solara.component
def MonthByMonth(scenario: Scenario, lang: str, scale: float = 0.2, seed: int = 0) -> None:
    """SolaraViz of one run of ``scenario``: play, step, reset; the monthly series plotted."""
    from sim.locale.fonts import use_cjk_font

    use_cjk_font()  # Mesa's plots are matplotlib figures: Chinese series names need the CJK font
    params = {"scenario_json": scenario.model_dump_json(), "scale": scale, "seed": seed, "lang": lang}
    model = solara.use_memo(lambda: RecordedEcosystem(**params),
                            dependencies=[params["scenario_json"], scale, seed, lang])
    components = [make_plot_component([series_label(c, lang) for c in group]) for group in PLOTS]
    SolaraViz(model, components=components, model_params=params, name=text("explore.month_title", lang),
              play_interval=50)


__all__ = ["PLOTS", "RecordedEcosystem", "SERIES", "MonthByMonth"]
