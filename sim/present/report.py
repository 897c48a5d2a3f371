"""The scenario report: one self-contained HTML file comparing the scenarios of a batch.

:func:`write_report` writes ``OUT/report.html`` (or another path) holding, in order: the question
and an "at a glance" summary, failed runs (if any), the scenarios and their descriptions, the
comparison table with confidence intervals (from :func:`sim.analysis.compare.compare_batch`), every figure
of :mod:`sim.present.figures` (embedded as base64 PNG), target attainment, and the parameters with their
sources (the baseline's table in full; for every other scenario only what differs from the
baseline).

Every word comes from the catalogue of the current language (:mod:`sim.locale`; ``lang="zh"``
writes it in Chinese with money in 万元 / 亿元); scenario descriptions and parameter meanings are
those of the scenario files and the registry (English).

The sections are built in :mod:`sim.present.report_overview` (question, glance, failures, scenarios),
:mod:`sim.present.report_comparison`, :mod:`sim.present.report_targets` and
:mod:`sim.present.report_parameters`, from the HTML building blocks of :mod:`sim.present.html`; this module
adds the figures and assembles the page.

The file needs nothing else: no scripts, no style sheets or images from elsewhere, no links out of
the page (only ``#section`` anchors), so it can be mailed or archived as it is.
"""

from __future__ import annotations

from pathlib import Path

from sim.errors import UsageError
from sim.io.atomic import write_bytes
from sim.io.batch_reader import Batch, load_batch
from sim.locale import current_language, language
from sim.locale import text as t
from sim.present.figures import build_figures
from sim.present.figures.style import batch_comparison
from sim.present.html import CSS, esc, figure_png
from sim.present.report_comparison import comparison_section
from sim.present.report_overview import failures_section, scenarios_section, summary_section
from sim.present.report_parameters import parameters_section
from sim.present.report_targets import targets_section


def _figures_section(batch: Batch) -> str:
    parts = [f'<section id="figures"><h2>{esc(t("report.h_figures"))}</h2>']
    for index, (spec, fig) in enumerate(build_figures(batch), start=1):
        heading = t("report.figure_heading", n=index, title=spec.title)
        parts.append(
            f'<figure id="fig-{esc(spec.stem)}"><h3>{esc(heading)}</h3>'
            f'<img src="{figure_png(fig)}" alt="{esc(spec.title)}">'
            f"<figcaption>{esc(spec.caption)}</figcaption></figure>"
        )
    parts.append("</section>")
    return "".join(parts)


def build_report(batch: Batch) -> str:
    """The report's HTML text for an opened batch."""
    comparison = batch_comparison(batch)
    title = t("report.title", name=batch.out.resolve().name)
    links = [("summary", "nav_summary"), ("scenarios", "nav_scenarios"), ("comparison", "nav_comparison"),
             ("figures", "nav_figures"), ("targets", "nav_targets"), ("parameters", "nav_parameters")]
    if len(batch.failures()):
        links.append(("failures", "nav_failures"))
    items = "".join(f'<li><a href="#{anchor}">{esc(t("report." + key))}</a></li>' for anchor, key in links)
    nav = f"<nav><ol>{items}</ol></nav>"
    body = "".join([
        f"<h1>{esc(title)}</h1>",
        nav,
        summary_section(batch, comparison),
        failures_section(batch),
        scenarios_section(batch),
        comparison_section(batch, comparison),
        _figures_section(batch),
        targets_section(batch, comparison),
        parameters_section(batch),
    ])
    return (f'<!DOCTYPE html>\n<html lang="{current_language()}"><head><meta charset="utf-8">'
            f"<title>{esc(title)}</title><style>{CSS}</style></head><body>{body}</body></html>\n")


def write_report(out: str | Path, html_path: str | Path | None = None, baseline: str | None = None,
                 counterfactual: str | None = None, lang: str | None = None) -> Path:
    """Write the self-contained HTML report of a batch (in ``lang``; default the current language, English).

    Args:
        out: Batch directory.
        html_path: Where to write (default ``OUT/report.html``); parent directories are created.
        baseline: Scenario the others are compared with (default as :func:`sim.io.batch_reader.load_batch`).
        counterfactual: Scenario without programmes (default: a name containing ``no_policy``).
        lang: Language of every word (``en`` or ``zh``; Chinese money in 万元 / 亿元).

    Returns:
        The path written.

    Raises:
        UsageError: ``out`` missing, empty or without finished runs; ``html_path`` is a directory.
    """
    batch = load_batch(out, baseline=baseline, counterfactual=counterfactual)
    path = Path(html_path) if html_path is not None else batch.out / "report.html"
    if path.is_dir():
        raise UsageError(f"{path}: --html: is a directory; give a file name")
    with language(lang or current_language()):
        write_bytes(path, build_report(batch).encode("utf-8"))
    return path
