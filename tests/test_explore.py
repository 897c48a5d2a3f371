"""The explorer: its logic (library, controls, mix, comparison, saving) and its pages rendered with Solara."""

import math
import time

import pytest

from sim.explore.comparison import run_comparison
from sim.explore.controls import lever_controls
from sim.explore.mix import COUNTERFACTUAL_NAME, MIX_NAME, apply_changes, changed_values, counterfactual, yearly_budget
from sim.explore.saving import save_scenario
from sim.scenario.files import load_scenario
from sim.scenario.parameters import iter_parameters

BASELINE = "scenarios/putuo/baseline.toml"
HOUSING = "policy.talent_housing.subsidy_yuan_per_person_month"


@pytest.fixture(scope="module")
def baseline():
    return load_scenario(BASELINE)


def test_every_policy_parameter_has_a_control_with_its_value_on_the_slider_grid(baseline):
    controls = {c.path: c for items in lever_controls(baseline).values() for c in items}
    for info in iter_parameters(baseline.policy, "policy."):
        control = controls[info.name]
        assert control.unit == info.unit
        assert control.low <= control.value <= control.high
        assert control.low <= control.documented <= control.high
        for value in (control.value, control.documented):  # a slider snaps to low + k * step
            ratio = (value - control.low) / control.step
            assert math.isclose(ratio, round(ratio), abs_tol=1e-6), (info.name, value, control.step)
    assert controls["policy.talent_housing.enabled"].kind == "switch"
    housing = controls[HOUSING]
    assert (housing.low, housing.high, housing.cited_short) == (1000.0, 3000.0, "000:47")
    assert controls["policy.incubation.mentoring_effect"].assumption


def test_mix_counterfactual_and_budget(baseline):
    mix = apply_changes(baseline, {HOUSING: 1000.0, "policy.training.enabled": False})
    assert mix.policy.talent_housing.subsidy_yuan_per_person_month == 1000.0
    assert mix.name == MIX_NAME and mix.shocks == baseline.shocks
    budget = yearly_budget(mix)
    assert "training" not in budget and budget["talent_housing"] == 20_000_000.0
    off = counterfactual(baseline)
    assert not any(getattr(off.policy, lever).enabled for lever in type(off.policy).model_fields)
    assert changed_values(baseline, {HOUSING: 2000.0, "policy.training.enabled": False}) == {
        "policy.training.enabled": False}


def test_save_writes_a_file_that_extends_the_start_and_validates(tmp_path, baseline):
    start = tmp_path / "baseline.toml"
    start.write_text(open(BASELINE, encoding="utf-8").read(), encoding="utf-8")
    path, saved = save_scenario(start, {HOUSING: 1000.0, "policy.rent_relief.enabled": False}, "housing_low")
    written = path.read_text(encoding="utf-8")
    assert 'extends = "baseline.toml"' in written
    assert saved.name == "putuo_housing_low"
    assert saved.policy.talent_housing.subsidy_yuan_per_person_month == 1000.0
    assert not saved.policy.rent_relief.enabled
    assert saved.policy.incubation == baseline.policy.incubation
    with pytest.raises(Exception, match="exists already"):
        save_scenario(start, {HOUSING: 1000.0}, "housing_low")
    with pytest.raises(Exception, match="file name"):
        save_scenario(start, {}, "../escape")


def test_comparison_equals_batch_and_compare_with_the_same_seeds(tmp_path, baseline):
    from sim.analysis.compare import compare_batch
    from sim.experiments.batch import run_batch

    seen = []
    result = run_comparison(baseline, {HOUSING: 1000.0}, tmp_path / "explore", replications=2, scale=0.02,
                                  root_seed=3, workers=1, on_progress=lambda done, total: seen.append((done, total)))
    assert seen[0] == (0, 6) and seen[-1] == (6, 6)
    mix = apply_changes(baseline, {HOUSING: 1000.0})
    run_batch([mix, baseline, counterfactual(baseline)], 2, tmp_path / "batch", workers=1, root_seed=3,
              scale=0.02, progress=False)
    table = compare_batch(tmp_path / "batch", baseline=baseline.name, counterfactual=COUNTERFACTUAL_NAME)
    expected = table[(table["section"] == "additionality") & (table["scenario"] == MIX_NAME)
                     & (table["metric"] == "additional_jobs")].iloc[0]
    got = result.estimate("additionality", "mix", "additional_jobs", reference="counterfactual")
    assert (got["estimate"], got["ci_low"], got["ci_high"]) == (expected["estimate"], expected["ci_low"],
                                                                expected["ci_high"])
    assert set(result.survival) == {MIX_NAME, baseline.name, COUNTERFACTUAL_NAME}
    assert set(result.monthly["scenario"]) == set(result.survival)
    assert len(result.targets("mix")) == len(baseline.targets)
    # the explorer's numbers include the founder-by-founder rows (the batch keeps firm tables)
    from sim.explore.results_view import result_cells

    keys = [key for key, _, _ in result_cells(result, "zh")]
    assert {"additional_firms", "deadweight_share", "committed_fiscal_cost_yuan"} <= set(keys)
    deadweight = result.estimate("additionality", "mix", "deadweight_share", reference="counterfactual")
    assert 0.0 <= deadweight["estimate"] <= 1.0


# ------------------------------------------------------------------ pages, rendered without a browser
def _walk(widget):
    yield widget
    for child in getattr(widget, "children", None) or []:
        if hasattr(child, "keys"):
            yield from _walk(child)


def _classes(widget):
    own = (getattr(widget, "class_", "") or "").split()
    attributes = getattr(widget, "attributes", None) or {}
    return own + str(attributes.get("class", "")).split()


def _by_class(root, name):
    return [w for w in _walk(root) if name in _classes(w)]


@pytest.fixture
def explorer(monkeypatch):
    import solara

    from sim.explore import app, session

    monkeypatch.setattr(session, "SETTINGS", session.SETTINGS.__class__(workers=1, replications=2, scale=0.02))
    box, rc = solara.render(app.Explorer(), handle_error=False)
    app.replications.value, app.scale.value, app.seed.value = 2, 0.02, 0
    yield app, box
    rc.close()


def test_explorer_moves_a_slider_compares_and_shows_the_batch_numbers(explorer):
    import ipyvuetify as v

    from sim.locale import interval

    app, box = explorer
    app.lang.value = "en"
    wrapper = _by_class(box, f"control-{HOUSING.replace('.', '-')}")[0]
    slider = next(w for w in _walk(wrapper) if isinstance(w, v.Slider))
    assert slider.v_model == 2000.0
    slider.v_model = 1000.0
    assert app.changes.value == {HOUSING: 1000.0}
    _by_class(box, "compare-button")[0].click()
    hang_guard = time.monotonic() + 600  # not a performance limit: only stops a hung comparison
    while not _by_class(box, "results-table") and time.monotonic() < hang_guard:
        time.sleep(0.1)
    assert _by_class(box, "done-text") and not app.failure.value, app.failure.value
    result = app.result.value
    row = result.estimate("additionality", "mix", "additional_jobs", reference="counterfactual")
    table = _by_class(box, "results-table")[0].unsafe_innerHTML
    assert interval(row["estimate"], row["ci_low"], row["ci_high"], "en") in table
    assert "Incubation bases" in str([w.children for w in _walk(box) if hasattr(w, "children")])
    # the Chinese report of this comparison, from the page
    app.lang.value = "zh"
    _by_class(box, "report-button")[0].click()
    message = _by_class(box, "report-message")[0].children[0]
    assert message.startswith("报告已生成")
    report = result.out / "report_zh.html"
    html = report.read_text(encoding="utf-8")
    assert "情景报告" in html and "一、问题" in html and "万元" in html
    app.lang.value = "en"


def test_explorer_in_chinese_shows_the_documents_words_and_money_in_wan_yuan(explorer):
    app, box = explorer
    app.lang.value = "zh"
    words = str([getattr(w, "children", "") for w in _walk(box)])
    for word in ("人才公寓和租房补贴", "创业孵化基地", "创业贷款及贷款贴息", "创业培训", "年度预算"):
        assert word in words
    budget = _by_class(box, "budget-total")[0].children[0]
    assert "1.11亿元" in budget  # 30 + 20 + 15 + 20 + 1.5 + 25 (job retention) M yuan a year
    app.lang.value = "en"


def test_month_by_month_model_collects_series():
    from sim.explore.month import SERIES, RecordedEcosystem

    scenario = load_scenario(BASELINE)
    model = RecordedEcosystem(scenario.model_dump_json(), scale=0.02, seed=1, lang="zh")
    for _ in range(3):
        model.step()
    frame = model.datacollector.get_model_vars_dataframe()
    assert len(frame) == 3 and len(frame.columns) == len(SERIES)
    assert "在营企业数" in frame.columns
    assert (frame["在营企业数"] == [r["active_firms"] for r in model.records]).all()


def test_month_page_renders_solaraviz_and_steps(explorer):
    import ipyvuetify as v
    import solara

    app, _ = explorer
    app.scale.value = 0.02
    box, rc = solara.render(app.Layout(children=[app.MonthPage()]), handle_error=False)
    try:
        step = [w for w in _walk(box) if isinstance(w, v.Btn) and w.children == ["Step"]]
        assert step, "SolaraViz's Step button is missing"
        step[0].click()
        texts = [str(w.children) for w in _walk(box) if hasattr(w, "children")]
        assert any("Step: 1" in t for t in texts)
    finally:
        rc.close()
