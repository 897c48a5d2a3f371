"""Figures and the HTML report: matplotlib objects, report contents, CLI errors."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.patches import Rectangle

from sim.analysis.compare import compare_batch
from sim.cli import main
from sim.core.population import PROGRAMMES
from sim.errors import UsageError
from sim.experiments.batch import run_batch
from sim.experiments.metrics import survival_at
from sim.io.batch_reader import load_batch
from sim.io.store import BatchStore
from sim.present.figures import (
    FIGURES,
    fig_active_firms_and_jobs,
    fig_levers,
    fig_loans,
    fig_spend_by_programme,
    fig_survival_by_group,
    fig_survival_by_scenario,
    fig_target_attainment,
    plot_all,
)
from sim.present.figures.style import scenario_colours, scenario_palette, wrap
from sim.present.report import write_report
from sim.scenario.files import load_scenario
from sim.scenario.parameters import parameter_table

ROOT = Path(__file__).resolve().parents[1]
SCALE = 0.1
REPS = 3
LONG_NAME = "putuo_loans_and_rent_relief_for_all_young_firms_variant"
BROKEN = "putuo_broken_variant"


@pytest.fixture(scope="module")
def batch_dir(tmp_path_factory) -> Path:
    """Putuo baseline, its no-policy counterfactual and a variant; 3 replications at scale 0.1.

    Plus one failed replication of the variant and a scenario whose only run failed.
    """
    out = tmp_path_factory.mktemp("figures") / "batch"
    base = load_scenario(ROOT / "scenarios/putuo/baseline.toml")
    no_policy = load_scenario(ROOT / "scenarios/putuo/no_policy.toml")
    variant = base.model_copy(deep=True)
    variant.name = LONG_NAME
    variant.description = "Baseline with rent relief for every young firm and a doubled loan budget."
    variant.policy.rent_relief.incubated_only = False
    variant.policy.loan_interest_subsidy.annual_budget_yuan *= 2
    run_batch([base, no_policy, variant], REPS, out, workers=1, scale=SCALE, progress=False)
    store = BatchStore(out)
    store.write_failure(LONG_NAME, REPS, 99, "RuntimeError: worker ran out of memory")
    store.write_failure(BROKEN, 0, 7, "ValueError: broken on purpose")
    return out


@pytest.fixture(scope="module")
def batch(batch_dir):
    return load_batch(batch_dir)


def _bands(ax) -> list[PolyCollection]:
    return [c for c in ax.collections if isinstance(c, PolyCollection)]


def _shock_patches(ax) -> list:
    return [p for p in ax.patches if isinstance(p, Rectangle) and p.get_alpha() == 0.25]


# ------------------------------------------------------------------------- batch loading
def test_load_batch_roles_order_and_colours(batch):
    assert batch.scenarios == ["putuo_baseline", "putuo_no_policy", LONG_NAME]
    assert batch.baseline == "putuo_baseline"
    assert batch.counterfactual == "putuo_no_policy"
    assert set(batch.resolved) == set(batch.scenarios)
    assert BROKEN in batch.all_scenarios and BROKEN not in batch.scenarios
    assert scenario_palette(batch) == scenario_colours(batch.all_scenarios)
    assert batch.period() == "2018-2022"
    assert "0.1" in batch.scale_note()


def test_colours_deterministic_and_distinct_for_12():
    names = [f"scenario_{i}" for i in range(12)]
    colours = scenario_colours(names)
    tab20 = matplotlib.colormaps["tab20"]
    # scenario order, the ten strong tab20 colours first: the first scenario gets tab20's first
    # colour, the tenth its 19th, the eleventh its second (light) shade
    assert colours["scenario_0"] == tab20(0) and colours["scenario_9"] == tab20(18)
    assert colours["scenario_10"] == tab20(1)
    assert len(set(colours.values())) == 12


def test_wrap_breaks_long_names_at_underscores():
    wrapped = wrap(LONG_NAME, 28)
    lines = wrapped.split("\n")
    assert len(lines) > 1 and all(len(line) <= 28 for line in lines)
    assert wrapped.replace("\n", "") == LONG_NAME
    assert wrap("short_name") == "short_name"


@pytest.mark.parametrize("make", ["missing", "empty", "no_runs", "file"])
def test_unusable_out_is_a_usage_error(tmp_path, make, capsys):
    out = tmp_path / "out"
    if make == "empty":
        out.mkdir()
    elif make == "no_runs":
        out.mkdir()
        (out / "manifest.json").write_text("{}")
        (out / "runs" / "a").mkdir(parents=True)
    elif make == "file":
        out.write_text("not a batch")
    with pytest.raises(UsageError):
        load_batch(out)
    for command in (["plot", str(out)], ["report", str(out)]):
        assert main(command) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and err.count("\n") == 1 and str(out) in err


def test_unknown_baseline_is_a_usage_error(batch_dir, capsys):
    assert main(["report", str(batch_dir), "--baseline", "nosuch", "--html", str(batch_dir / "x.html")]) == 2
    assert "nosuch" in capsys.readouterr().err
    assert not (batch_dir / "x.html").exists()


# ------------------------------------------------------------------------- figures
def test_survival_by_scenario(batch):
    fig = fig_survival_by_scenario(batch)
    ax, dots = fig.axes
    curves = [line for line in ax.get_lines() if line.get_drawstyle() == "steps-post"]
    assert len(curves) == 3 and len(_bands(ax)) == 3
    assert "years" in ax.get_xlabel() and "%" in ax.get_ylabel()
    assert "survive" in fig.get_suptitle()
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels == [wrap(name) for name in batch.scenarios]
    for line, name in zip(curves, batch.scenarios, strict=True):
        y = line.get_ydata()
        assert y[0] == 100 and np.all(np.diff(y) <= 1e-12) and y[-1] > 0  # survival falls from 100%
        assert line.get_color() == scenario_palette(batch)[name]
    # right panel: 3-year survival per scenario, the same number as sim.experiments.metrics.survival_at
    firms = batch.firms(["lifetime_months", "censored"], ["putuo_baseline"])
    points = [line for line in dots.get_lines() if line.get_marker() == "o"]
    assert len(points) == 3
    expected = survival_at(firms["lifetime_months"], firms["censored"], 36) * 100
    assert points[0].get_xdata()[0] == pytest.approx(expected)
    assert "3 years (%)" in dots.get_xlabel()
    # the legend sits outside the plot
    fig.draw_without_rendering()  # runs the constrained layout
    legend_box = fig.legends[0].get_window_extent()
    assert legend_box.x0 >= dots.get_window_extent().x1


def test_survival_by_group(batch):
    fig = fig_survival_by_group(batch)
    axes = [ax for ax in fig.axes if ax.get_lines()]
    assert len(axes) == 3
    for ax in axes:
        assert len(ax.get_lines()) == 2 and len(_bands(ax)) == 2
        assert "years" in ax.get_xlabel()
    legends = " ".join(t.get_text() for ax in axes for t in ax.get_legend().get_texts())
    for word in ("incubated", "with a loan", "without a loan", "young graduates", "other founders"):
        assert word in legends
    assert "putuo_baseline" in fig.get_suptitle()


def test_active_firms_and_jobs_with_shocks(batch):
    fig = fig_active_firms_and_jobs(batch)
    assert len(fig.axes) == 4  # levels (left) and differences from the counterfactual (right)
    levels, diffs = fig.axes[0::2], fig.axes[1::2]
    for ax in levels:
        assert len(ax.get_lines()) == 3 and len(_bands(ax)) == 3
        assert len(_shock_patches(ax)) == 2  # the 2020 outbreak and the 2022 lockdown
    for ax in diffs:  # the two scenarios other than the counterfactual, and its zero line
        assert len(ax.get_lines()) == 3 and len(_bands(ax)) == 2
        assert "putuo_no_policy" in ax.get_ylabel()
    assert "(firms)" in levels[0].get_ylabel() and "(jobs)" in levels[1].get_ylabel()
    assert levels[1].get_xlabel() == "Year"
    texts = [t.get_text() for t in levels[0].texts]
    assert "outbreak 2020" in texts and "lockdown 2022" in texts
    # the median line of the baseline is the median over replications of active firms
    monthly = batch.monthly()
    expected = monthly[monthly["scenario"] == "putuo_baseline"].groupby("date")["active_firms"].median()
    np.testing.assert_allclose(levels[0].get_lines()[0].get_ydata(), expected.to_numpy())
    # the difference line is the median over replications of the paired difference
    base = monthly[monthly["scenario"] == "putuo_baseline"].set_index(["replication", "date"])["jobs"]
    cf = monthly[monthly["scenario"] == "putuo_no_policy"].set_index(["replication", "date"])["jobs"]
    paired = (base - cf).groupby(level="date").median()
    np.testing.assert_allclose(diffs[1].get_lines()[0].get_ydata(), paired.to_numpy())


def test_active_firms_without_resolved_scenarios_says_so(batch_dir, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(batch_dir, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest.pop("scenarios")
    (copy / "manifest.json").write_text(json.dumps(manifest))
    bare = load_batch(copy)
    assert bare.resolved == {} and bare.shocks() is None
    fig = fig_active_firms_and_jobs(bare)
    assert all(len(_shock_patches(ax)) == 0 for ax in fig.axes)
    assert any("not shaded" in t.get_text() for t in fig.axes[0].texts)
    text = write_report(bare).read_text()  # the report still works and says what it cannot show
    assert "holds no resolved definition" in text and "description is not in the manifest" in text


def test_target_attainment(batch):
    fig = fig_target_attainment(batch)
    targets = batch.targets()
    keys = targets[["metric", "op"]].drop_duplicates()
    assert len(fig.axes) == len(keys) == 5  # Putuo: both readings of the two helped targets, the bases
    for ax, metric in zip(fig.axes, keys["metric"], strict=True):
        assert ax.get_xlabel().endswith(")")  # a unit in parentheses
        texts = [t.get_text() for t in ax.texts if t.get_text().startswith("P(meet)")]
        assert len(texts) == 3
        rows = targets[(targets["metric"] == metric) & (targets["scenario"] == "putuo_baseline")]
        met = int(rows["met"].astype(bool).sum())
        assert texts[0].endswith(f"({met}/{len(rows)})")
    assert "scale 0.1" in fig.get_suptitle()


def test_levers_match_compare(batch):
    fig = fig_levers(batch)
    left, right = fig.axes[:2]
    table = compare_batch(batch.out)
    add = table[(table["section"] == "additionality") & (table["metric"] == "additional_jobs")]
    add = add.set_index("scenario")["estimate"]
    plotted = [line.get_ydata()[0] for line in left.get_lines() if line.get_marker() == "o"]
    expected = [add[name] for name in batch.scenarios if name != batch.counterfactual]
    np.testing.assert_allclose(plotted, expected)
    assert "jobs" in left.get_ylabel() and "yuan" in left.get_xlabel()
    assert "per job" in right.get_xlabel()
    assert len(right.get_yticklabels()) == 2


def test_levers_without_counterfactual_says_so(batch):
    bare = dataclasses.replace(batch, counterfactual=None, _cache={})
    fig = fig_levers(bare)
    assert "no counterfactual" in fig.get_suptitle()
    left = fig.axes[0]
    assert not left.get_ylabel().startswith("Additional")
    plotted = [line.get_ydata()[0] for line in left.get_lines() if line.get_marker() == "o"]
    jobs = batch.metrics().groupby("scenario")["jobs_created"].mean()
    np.testing.assert_allclose(plotted, [jobs[name] for name in batch.scenarios])


def test_spend_by_programme_gives_each_programme_its_own_axis(batch):
    from sim.present.figures.spend import quarterly_spending

    fig = fig_spend_by_programme(batch)
    panels = [ax for ax in fig.axes if ax.get_visible() and ax.axison]
    quarters = quarterly_spending(batch)
    spending = [p for p in PROGRAMMES if any(quarters[n][f"spend_{p}_yuan"].sum() > 0 for n in batch.scenarios)]
    assert len(panels) == len(spending) >= 4  # one panel per programme that spends
    for ax, programme in zip(panels, spending, strict=True):
        lines = ax.get_lines()
        assert len(lines) == len(batch.scenarios)
        top = max(float(np.nanmax(line.get_ydata())) for line in lines)
        assert top >= 0.5 * ax.get_ylim()[1]  # own axis: even a small programme fills its panel
        unit = ax.get_ylabel()
        factor = {"million": 1e-6, "thousand": 1e-3}.get(unit.split()[0], 1.0)
        np.testing.assert_allclose(lines[0].get_ydata(),
                                   quarters["putuo_baseline"][f"spend_{programme}_yuan"].to_numpy() * factor)
    monthly = batch.monthly()
    base = monthly[monthly["scenario"] == "putuo_baseline"]
    total = sum(quarters["putuo_baseline"][f"spend_{p}_yuan"].sum() for p in PROGRAMMES)
    assert total == pytest.approx(base.groupby("replication")["spend_total_yuan"].sum().mean(), rel=1e-9)
    assert len(fig.legends[0].get_texts()) == len(batch.scenarios)  # one entry per scenario


def test_loans(batch):
    fig = fig_loans(batch)
    assert len(fig.axes) == 4
    for ax in fig.axes[:3]:
        assert "million yuan" in ax.get_ylabel() and len(ax.get_lines()) == 3
    bars = fig.axes[3]
    assert "% of loans" in bars.get_ylabel()
    assert len(bars.get_xticklabels()) == 3


def test_plot_all_writes_png_and_svg(batch_dir):
    paths = plot_all(batch_dir)
    assert len(paths) == 2 * len(FIGURES)
    for path in paths:
        assert path.parent == batch_dir / "figures" and path.stat().st_size > 1000
    png = paths[0].read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in paths[1].read_text()


# ------------------------------------------------------------------------- report
@pytest.fixture(scope="module")
def english_report(batch_dir, tmp_path_factory) -> tuple[Path, str]:
    """The English report written by the CLI into a new sub-directory, and what the CLI printed.

    One report serves the content test and the language test (a report draws every figure: ~10 s).
    """
    import contextlib
    import io

    target = tmp_path_factory.mktemp("report") / "sub" / "report.html"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["report", str(batch_dir), "--html", str(target)]) == 0
    return target, printed.getvalue()


def test_report_contents(batch_dir, english_report):
    target, printed = english_report
    assert str(target) in printed
    text = target.read_text()
    assert text.count('src="data:image/png;base64,') == len(FIGURES)
    for spec in FIGURES:
        assert spec.title in text
    for section in ("summary", "scenarios", "comparison", "figures", "targets", "parameters", "failures"):
        assert f'<section id="{section}">' in text
    # the comparison table with intervals, additionality and every target
    assert text.count("<small>[") > 30 and "Additionality against the counterfactual putuo_no_policy" in text
    for label in load_batch(batch_dir).targets()["label"].unique():
        assert label in text
    # deadweight founder by founder, both readings of the helped targets, inputs marked as such
    assert "Deadweight and additional firms, founder by founder" in text
    assert "narrow reading: start-up services only" in text and "reading of the documents: any public support" in text
    assert "policy input: set by the scenario" in text
    # failed runs are named
    assert "RuntimeError: worker ran out of memory" in text and BROKEN in text
    # nothing is loaded from elsewhere
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", text, flags=re.I)
    assert "<script" not in text.lower() and "<link" not in text.lower()
    # the baseline's parameters in full, the others only where they differ
    text = text.replace("<wbr>", "")
    base = load_scenario(ROOT / "scenarios/putuo/baseline.toml")
    for name in parameter_table(base)["name"]:
        assert f">{name}<" in text
    sections = text.split("what differs from the baseline")
    assert len(sections) == 1 + 3  # no_policy, the variant, the broken scenario
    no_policy, variant = sections[1], sections[2]
    assert "policy.training.enabled" in no_policy
    assert "policy.rent_relief.incubated_only" in variant
    assert "policy.loan_interest_subsidy.annual_budget_yuan" in variant
    assert "population.arrivals_per_month" not in variant


def test_default_report_path(batch_dir):
    path = write_report(batch_dir)
    assert path == batch_dir / "report.html" and path.stat().st_size > 10_000


# ------------------------------------------------------------------------- kinds and languages
def test_states_of_the_world_are_shown_but_not_ranked(batch):
    import dataclasses

    from sim.analysis.levers import lever_table

    world = batch.resolved[LONG_NAME].model_copy(update={"kind": "world"})
    marked = dataclasses.replace(batch, resolved={**batch.resolved, LONG_NAME: world}, _cache={})
    table = lever_table(marked)
    assert dict(zip(table["scenario"], table["kind"], strict=True)) == {"putuo_baseline": "policy",
                                                                          LONG_NAME: "world"}
    fig = fig_levers(marked)
    left, right = fig.axes[:2]
    ranked = [tick.get_text().replace("\n", "") for tick in right.get_yticklabels()]
    assert ranked == ["putuo_baseline"]  # the state of the world is not ranked as a lever
    assert any("state of the world" in t.get_text() for t in left.texts)  # but it is shown


def test_lever_labels_do_not_overlap(batch):
    fig = fig_levers(batch)
    left = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in left.texts if "counterfactual" not in t.get_text()]
    assert len(boxes) == 2
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not a.overlaps(b)


def test_chinese_figures_and_report(batch_dir, english_report, tmp_path):
    import warnings

    from sim.present.figures import build_figures

    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*missing from font.*")
        figures = build_figures(load_batch(batch_dir), lang="zh")
        for _, fig in figures:
            fig.savefig(tmp_path / "f.png", dpi=40)  # drawing resolves every glyph
    titles = " ".join(fig.get_suptitle() for _, fig in figures)
    assert "新创企业能存活多久" in titles and "财政资金用在哪里" in titles
    spend = dict((spec.stem, fig) for spec, fig in figures)["spend_by_programme"]
    assert "人才公寓和租房补贴" in [ax.get_title() for ax in spend.axes]
    path = write_report(batch_dir, tmp_path / "report_zh.html", lang="zh")
    html = path.read_text(encoding="utf-8")
    for words in ("情景报告", "一、问题", "相对反事实情景", "万元", "2018-2022年帮助2500名以上劳动者成功创业",
                  '<html lang="zh">'):
        assert words in html
    assert "The question" not in html
    english = english_report[0].read_text(encoding="utf-8")
    assert "1. The question" in english and "情景" not in english
