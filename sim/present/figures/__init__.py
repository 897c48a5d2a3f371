"""Figures a planner reads: survival, firms and jobs, targets, levers, spending and loans.

Every figure compares the scenarios of one batch directory (see :mod:`sim.io.store`) and answers one
question; its title says which, in plain words. Each function takes a batch (a directory or a
:class:`Batch`) and returns a :class:`matplotlib.figure.Figure` on its own Agg canvas, built
without pyplot (no global figure registry, and the process's backend is left alone, so notebooks
keep theirs; a notebook shows a returned figure by evaluating it). :func:`plot_all` writes every
figure as PNG and SVG under ``OUT/figures/``.

Conventions shared by all figures:

* each scenario keeps one colour in every figure (:func:`scenario_colours`: tab20 in scenario
  order, the ten strong colours first);
* time axes are calendar years; money is shown in million yuan (Chinese: 万元 / 亿元);
* every word comes from the catalogue of the current language (:mod:`sim.locale`);
* intervals over replications are the 5th-95th percentile band (time series), 95% confidence
  intervals from :mod:`sim.analysis.compare` (headline metrics and differences) or 95% Kaplan-Meier /
  Wilson intervals (survival curves, default rates);
* legends sit outside the plot and long scenario names are wrapped, so a batch of 12 scenarios
  stays readable; figure size grows with the number of scenarios.

Modules: :mod:`~sim.present.figures.style` (labels, colours, helpers) and one module per figure
family: ``survival``, ``time_series``, ``targets``, ``levers``, ``spend``, ``loans``. The batch is
read with :func:`sim.io.batch_reader.load_batch`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from matplotlib.figure import Figure

from sim.io.atomic import write_figure
from sim.io.batch_reader import Batch, load_batch
from sim.locale import current_language, language, text
from sim.locale.fonts import use_cjk_font
from sim.present.figures.levers import fig_levers
from sim.present.figures.loans import fig_loans
from sim.present.figures.spend import fig_spend_by_programme
from sim.present.figures.survival import fig_survival_by_group, fig_survival_by_scenario
from sim.present.figures.targets import fig_target_attainment
from sim.present.figures.time_series import fig_active_firms_and_jobs


@dataclass(frozen=True)
class FigureSpec:
    """A figure of the set: file stem and function; title and caption in the current language."""

    stem: str
    function: Callable[[Batch], Figure]

    @property
    def title(self) -> str:
        """The figure's title (catalogue ``figure.title_<stem>``)."""
        return text(f"figure.title_{self.stem}")

    @property
    def caption(self) -> str:
        """The caption the report shows (catalogue ``figure.caption_<stem>``)."""
        return text(f"figure.caption_{self.stem}")


FIGURES: tuple[FigureSpec, ...] = (
    FigureSpec("survival_by_scenario", fig_survival_by_scenario),
    FigureSpec("survival_by_group", fig_survival_by_group),
    FigureSpec("active_firms_and_jobs", fig_active_firms_and_jobs),
    FigureSpec("target_attainment", fig_target_attainment),
    FigureSpec("levers", fig_levers),
    FigureSpec("spend_by_programme", fig_spend_by_programme),
    FigureSpec("loans", fig_loans),
)


def build_figures(batch: Batch | str | Path, lang: str | None = None) -> list[tuple[FigureSpec, Figure]]:
    """Every figure of the set for one batch, in report order, in ``lang`` (default: the current language).

    Chinese figures use the CJK font (:func:`sim.locale.fonts.use_cjk_font`).
    """
    batch = load_batch(batch)
    lang = lang or current_language()
    if lang != "en":
        use_cjk_font()
    with language(lang):
        return [(spec, spec.function(batch)) for spec in FIGURES]


def plot_all(out: str | Path, batch: Batch | None = None, lang: str | None = None) -> list[Path]:
    """Write every figure as PNG and SVG under ``OUT/figures/``.

    Args:
        out: Batch directory.
        batch: An already opened batch (to reuse its cached tables), optional.
        lang: Language of the figures' words (default: the current language, English).

    Returns:
        Paths written, PNG and SVG of each figure in :data:`FIGURES` order.

    Raises:
        UsageError: If ``out`` holds no finished run.
    """
    batch = batch or load_batch(out)
    folder = batch.out / "figures"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for spec, fig in build_figures(batch, lang):
        for suffix in ("png", "svg"):
            path = folder / f"{spec.stem}.{suffix}"
            write_figure(fig, path, dpi=130 if suffix == "png" else 100)
            written.append(path)
    return written


__all__ = [
    "FIGURES",
    "FigureSpec",
    "build_figures",
    "fig_active_firms_and_jobs",
    "fig_levers",
    "fig_loans",
    "fig_spend_by_programme",
    "fig_survival_by_group",
    "fig_survival_by_scenario",
    "fig_target_attainment",
    "plot_all",
]
