import tomllib
import warnings
from pathlib import Path

import pytest

from sim import locale
from sim.errors import UsageError
from sim.scenario.parameters import iter_parameters
from sim.scenario.policy_tables import Policy
from sim.scenario.schema import Scenario

LOCALE_DIR = Path(locale.__file__).parent


def test_catalogues_have_the_same_keys():
    keys = {lang: set(locale.catalogue(lang)) for lang in locale.LANGUAGES}
    assert keys["en"] == keys["zh"], {
        "only in en": sorted(keys["en"] - keys["zh"]), "only in zh": sorted(keys["zh"] - keys["en"])}


def test_placeholders_match_between_languages():
    import string

    def fields(value):
        return {name for _, name, _, _ in string.Formatter().parse(value) if name} if isinstance(value, str) else set()

    en, zh = locale.catalogue("en"), locale.catalogue("zh")
    mismatched = [key for key in en if fields(en[key]) != fields(zh[key])]
    assert mismatched == []


def test_every_lever_and_policy_parameter_has_a_name_in_both_languages():
    scenario = Scenario(name="x", description="x", district="putuo")
    for lang in locale.LANGUAGES:
        for lever in Policy.model_fields:
            assert locale.has(f"lever.{lever}", lang), lever
        for info in iter_parameters(scenario.policy, "policy."):
            _, lever, field = info.name.split(".")
            assert locale.has(f"param.{lever}.{field}", lang), info.name
            assert locale.has(f"unit.{info.unit}", lang), info.unit


def test_chinese_lever_names_are_the_documents_words():
    found = [p / "shared" / "seeds" for p in Path(__file__).resolve().parents if (p / "shared" / "seeds").is_dir()]
    if not found:
        pytest.skip("source documents (shared/seeds) not found beside the repository")
    seeds = found[0]
    documents = "".join(p.read_text(encoding="utf-8") for p in seeds.glob("*.txt"))
    for lever, word in (("loan_interest_subsidy", "创业贷款及贷款贴息"), ("incubation", "创业孵化基地"),
                        ("talent_housing", "人才公寓和租房补贴"), ("training", "创业培训")):
        assert locale.text(f"lever.{lever}", "zh") == word
        assert word in documents
    assert "小巨人" in locale.text("lever.growth_grants", "zh")


def test_money_is_written_as_each_language_writes_it():
    assert locale.money(215_000_000, "zh") == "2.15亿元"
    assert locale.money(12_500_000, "zh") == "1,250万元"
    assert locale.money(125_000, "zh") == "12.5万元"
    assert locale.money(8_000, "zh") == "8,000元"
    assert locale.money(215_000_000, "en") == "215 M yuan"
    assert locale.money(12_500_000, "en") == "12.5 M yuan"
    assert locale.money(8_000, "en") == "8,000 yuan"
    assert locale.money(float("nan"), "zh") == "-"
    assert locale.money_scale([3e8, 2e6], "zh") == (1e-8, "亿元")


def test_interval_shares_the_unit_and_formats_placeholders():
    assert locale.interval(21.5e6, 20.1e6, 22.9e6, "zh", kind="money") == "2,150万元［2,010，2,290］"
    assert locale.interval(21.5e6, 20.1e6, 22.9e6, "en", kind="money") == "21.5 M yuan [20.1, 22.9]"
    assert locale.interval(0.823, 0.81, 0.83, "en", kind="share") == "82.3% [81.0, 83.0]"
    assert locale.interval(12804.2, 12427, 13180, "en") == "12,804 [12,427, 13,180]"
    assert locale.text("explore.running", "zh", done=1, total=6) == "正在运行第 1 / 6 次模拟……"


def test_unknown_language_and_key_are_reported():
    with pytest.raises(UsageError, match="--lang"):
        locale.check_language("fr")
    with pytest.raises(KeyError, match="not in the en catalogue"):
        locale.text("explore.no_such_key", "en")
    assert locale.metric_name("brand_new_metric", "zh") == "brand new metric"


def test_catalogue_files_are_valid_toml():
    for lang in locale.LANGUAGES:
        with open(LOCALE_DIR / f"{lang}.toml", "rb") as handle:
            assert tomllib.load(handle)


def test_chinese_figure_draws_without_missing_glyphs(tmp_path):
    from matplotlib.figure import Figure

    from sim.locale.fonts import use_cjk_font

    use_cjk_font()
    fig = Figure(figsize=(5, 3))
    ax = fig.subplots()
    ax.plot([2018, 2022], [1, 2], label=locale.lever_name("talent_housing", "zh"))
    ax.set_title(locale.text("explore.monthly_title", "zh"))
    ax.set_xlabel(locale.text("common.year", "zh"))
    ax.set_ylabel(locale.money(2.15e8, "zh"))
    ax.legend()
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*missing from font.*")
        fig.savefig(tmp_path / "zh.png")
    assert (tmp_path / "zh.png").stat().st_size > 0


def test_missing_glyph_check_can_fail(tmp_path):
    """The check above would catch a missing glyph: a character outside every font warns."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(2, 2))
    fig.text(0.5, 0.5, "\U00013000")  # Egyptian hieroglyph A001: in neither DejaVu nor Noto CJK
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*missing from font.*")
        with pytest.raises(UserWarning, match="missing from font"):
            fig.savefig(tmp_path / "x.png")


def test_english_lever_names_are_the_registry_labels():
    from sim.policy.registry import lever_labels

    for lever, label in lever_labels().items():
        assert locale.text(f"lever.{lever}", "en") == label


def test_run_summary_in_chinese_writes_money_in_wan_yuan():
    from sim.cli.run import format_summary
    from sim.experiments.simulate import simulate
    from sim.scenario.files import load_scenario

    root = Path(__file__).resolve().parents[1]
    result = simulate(load_scenario(root / "scenarios/putuo/baseline.toml"), seed=1, scale=0.02)
    chinese = format_summary(result, "zh")
    assert "主要指标" in chinese and "普陀区" in chinese and "万元" in chinese
    assert "帮助成功创业人数" in chinese and "其中青年大学生1500名" in chinese
    english = format_summary(result, "en")
    assert "headline metrics" in english and "M yuan" in english
    assert "per job" not in english  # total cost / all jobs is not in the headline (invites misquoting)
