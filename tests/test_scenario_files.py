"""Scenario files: inheritance, one-line errors for a corpus of bad files, the library, show round trip."""

from __future__ import annotations

import math
import subprocess
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.cli.scenarios import show_text
from sim.experiments.simulate import simulate
from sim.policy.registry import lever_names
from sim.scenario.extends import deep_merge, resolve_file
from sim.scenario.files import ScenarioError, load_resolved, load_scenario
from sim.scenario.policy_tables import TalentHousing
from sim.scenario.schema import Scenario

REPO = Path(__file__).resolve().parents[1]
LIBRARY = REPO / "scenarios"
BAD = REPO / "tests" / "bad_scenarios"
DISTRICTS = ("putuo", "yangpu")
LEVERS = lever_names()

# ------------------------------------------------------------------ helpers


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def flat(scenario: Scenario) -> dict[str, object]:
    """Dotted key -> value for every leaf of a scenario (arrays kept whole)."""
    out: dict[str, object] = {}

    def walk(value: object, prefix: str) -> None:
        if isinstance(value, dict):
            for key, sub in value.items():
                walk(sub, f"{prefix}.{key}" if prefix else str(key))
        else:
            out[prefix] = value

    walk(scenario.model_dump(), "")
    return out


def changed(a: Scenario, b: Scenario) -> set[str]:
    fa, fb = flat(a), flat(b)
    return {k for k in fa.keys() | fb.keys() if fa.get(k) != fb.get(k)}


def cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


PARENT = 'name = "p"\ndescription = "parent"\ndistrict = "putuo"\n'

# ------------------------------------------------------------------ inheritance


def test_child_overrides_and_tables_merge_deeply(tmp_path: Path) -> None:
    write(tmp_path / "parent.toml", PARENT + (
        "[policy.incubation]\nperiod_months = 36\ninitial_bases = 20\n"
        "[shocks.lockdown_2022]\nstart = \"2022-04\"\ndepth = 0.7\nrelief_package = true\n"
        "[[targets]]\nmetric = \"jobs_created\"\nvalue = 1\n[[targets]]\nmetric = \"firms_started\"\nvalue = 2\n"
    ))
    child = write(tmp_path / "child.toml", (
        'extends = "parent.toml"\nname = "c"\n'
        "[policy.incubation]\nperiod_months = 48\n"
        "[shocks.lockdown_2022]\ndepth = 0.0\n"
        "[[targets]]\nmetric = \"survival_3y\"\nvalue = 0.5\n"
    ))
    s = load_scenario(child)
    assert s.name == "c" and s.description == "parent"              # scalar override / inherited
    assert s.policy.incubation.period_months == 48                   # child wins
    assert s.policy.incubation.initial_bases == 20                   # sibling kept (deep merge)
    assert s.shocks["lockdown_2022"].depth == 0.0
    assert s.shocks["lockdown_2022"].relief_package is True          # merged inside a dict entry
    assert "outbreak_2020" not in s.shocks                           # parent's table replaced defaults
    assert [t.metric for t in s.targets] == ["survival_3y"]          # arrays replaced whole
    assert "extends" not in resolve_file(child)


def test_chain_of_three_across_directories(tmp_path: Path) -> None:
    write(tmp_path / "lib" / "root.toml",
          PARENT + "[policy.training]\nplaces_per_year = 100\ncost_per_trainee_yuan = 2000.0\n")
    write(tmp_path / "lib" / "mid" / "middle.toml",
          'extends = "../root.toml"\nname = "m"\n[policy.training]\nplaces_per_year = 200\n')
    leaf = write(tmp_path / "other" / "leaf.toml",
                 'extends = "../lib/mid/middle.toml"\nname = "leaf"\n[policy.training]\nskill_gain = 0.05\n')
    s, resolved = load_resolved(leaf)
    assert (s.name, s.description) == ("leaf", "parent")
    assert s.policy.training.places_per_year == 200
    assert s.policy.training.cost_per_trainee_yuan == 2000.0
    assert s.policy.training.skill_gain == 0.05
    assert [Path(p).name for p in resolved.chain] == ["leaf.toml", "middle.toml", "root.toml"]
    assert resolved.origin(("policy", "training", "places_per_year")).endswith("middle.toml")
    assert resolved.origin(("policy", "training", "cost_per_trainee_yuan")).endswith("root.toml")


@pytest.mark.parametrize("files", [
    {"a.toml": 'extends = "b.toml"\nname = "a"\n', "b.toml": 'extends = "c.toml"\nname = "b"\n',
     "c.toml": 'extends = "a.toml"\nname = "c"\n'},
    {"a.toml": 'extends = "./a.toml"\nname = "a"\n'},
])
def test_cycles_are_caught(tmp_path: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        write(tmp_path / name, text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / "a.toml")
    assert info.value.key == "extends" and "cycle" in info.value.problem
    assert "\n" not in str(info.value)


def test_error_in_parent_names_parent_and_child(tmp_path: Path) -> None:
    write(tmp_path / "parent.toml", PARENT + "[policy.training]\ncost_per_trainee_yuan = -1.0\n")
    child = write(tmp_path / "child.toml", 'extends = "parent.toml"\nname = "c"\n')
    with pytest.raises(ScenarioError) as info:
        load_scenario(child)
    assert info.value.file == str(tmp_path / "parent.toml")
    assert info.value.key == "policy.training.cost_per_trainee_yuan"
    assert f"in the extends chain of {child}" in str(info.value)
    # ... and a child that fixes the key is fine
    write(child, 'extends = "parent.toml"\nname = "c"\n[policy.training]\ncost_per_trainee_yuan = 10.0\n')
    assert load_scenario(child).policy.training.cost_per_trainee_yuan == 10.0


def test_deep_merge_leaves_inputs_alone() -> None:
    parent = {"a": {"b": 1, "c": [1, 2]}, "d": 1}
    child = {"a": {"b": 2}, "e": {"f": 3}}
    merged = deep_merge(parent, child)
    assert merged == {"a": {"b": 2, "c": [1, 2]}, "d": 1, "e": {"f": 3}}
    assert parent == {"a": {"b": 1, "c": [1, 2]}, "d": 1} and child == {"a": {"b": 2}, "e": {"f": 3}}
    merged["a"]["c"].append(3)
    assert parent["a"]["c"] == [1, 2]


def test_unknown_key_suggests_the_nearest(tmp_path: Path) -> None:
    bad = write(tmp_path / "typo.toml", PARENT + "[policy.talent_housing]\nsubsidy_yuan_per_person_mnth = 2000.0\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(bad)
    assert info.value.key == "policy.talent_housing.subsidy_yuan_per_person_mnth"
    assert "did you mean 'subsidy_yuan_per_person_month'?" in info.value.problem


# ------------------------------------------------------------------ the corpus of bad files

# file -> key named in the message (and, for errors found in a parent, the file that holds it)
BAD_FILES: dict[str, tuple[str, str | None]] = {
    "syntax_unclosed_string.toml": ("-", None),
    "syntax_duplicate_key.toml": ("-", None),
    "unknown_top_key.toml": ("descripton", None),
    "unknown_nested_key.toml": ("policy.talent_housing.subsidy_yuan_per_person_mnth", None),
    "unknown_shock_key.toml": ("shocks.lockdown_2022.deph", None),
    "unknown_lever.toml": ("policy.loan_subsidy", None),
    "wrong_type_string_number.toml": ("policy.training.cost_per_trainee_yuan", None),
    "wrong_type_bool.toml": ("policy.incubation.enabled", None),
    "wrong_type_fractional_months.toml": ("policy.incubation.period_months", None),
    "negative_budget.toml": ("policy.rent_relief.annual_budget_yuan", None),
    "share_above_one.toml": ("policy.loan_interest_subsidy.interest_subsidy_share", None),
    "subsidy_cap_negative.toml": ("policy.talent_housing.subsidy_yuan_per_person_month", None),
    "loan_limit_negative.toml": ("policy.loan_interest_subsidy.individual_limit_yuan", None),
    "end_before_start.toml": ("period.end", None),
    "missing_name.toml": ("name", None),
    "missing_shock_start.toml": ("shocks.flood_2021.start", None),
    "missing_parent.toml": ("extends", None),
    "cycle_a.toml": ("extends", "cycle_b.toml"),
    "cycle_b.toml": ("extends", "cycle_a.toml"),
    "self_cycle.toml": ("extends", None),
    "empty.toml": ("-", None),
    "comments_only.toml": ("-", None),
    "binary_junk.toml": ("-", None),
    "huge_number.toml": ("policy.growth_grants.innovation_grant_yuan", None),
    "huge_integer.toml": ("policy.incubation.initial_bases", None),
    "inf_value.toml": ("behaviour.wage_yuan_month", None),
    "nan_value.toml": ("policy.training.skill_gain", None),
    "bad_month.toml": ("period.start", None),
    "bad_month_format.toml": ("shocks.lockdown_2022.start", None),
    "month_as_date.toml": ("period.end", None),
    "unknown_target_metric.toml": ("targets.0.metric", None),
    "bad_target_op.toml": ("targets.0.op", None),
    "bad_district.toml": ("district", None),
    "bad_extends_type.toml": ("extends", None),
    "bad_parent.toml": ("-", "syntax_duplicate_key.toml"),
    "unsafe_name.toml": ("name", None),
    "multiline_description.toml": ("description", None),
    "unknown_source_key.toml": ("sources.policy.incubation.period_month", None),
    "shares_exceed_one.toml": ("population.share_young_graduates", None),
    "shocks_not_table.toml": ("shocks", None),
    "shock_depth_above_one.toml": ("shocks.lockdown_2022.depth", None),
    "lpr_key_typo.toml": ("bank.lpr_schedule.0.rate", None),
}


# files whose message must also suggest the nearest valid key or value
SUGGESTIONS = {
    "unknown_top_key.toml": "did you mean 'description'?",
    "unknown_nested_key.toml": "did you mean 'subsidy_yuan_per_person_month'?",
    "unknown_shock_key.toml": "did you mean 'depth'?",
    "unknown_lever.toml": "did you mean 'loan_interest_subsidy'?",
    "unknown_target_metric.toml": "did you mean 'firms_started'?",
    "unknown_source_key.toml": "did you mean 'policy.incubation.period_months'?",
    "lpr_key_typo.toml": "did you mean 'rate_pct'?",
    "syntax_unclosed_string.toml": "line 3",
    "syntax_duplicate_key.toml": "line 4",
    "month_as_date.toml": 'quoted strings like "2018-01"',
}


def test_corpus_table_covers_every_bad_file() -> None:
    on_disk = {p.name for p in BAD.iterdir() if p.is_file()}
    assert on_disk == set(BAD_FILES)
    assert len(on_disk) >= 20


def check_message(err: str, name: str) -> None:
    key, holder = BAD_FILES[name]
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    line = lines[0]
    assert "Traceback" not in err
    assert line.startswith("error: "), line
    path = BAD / name
    if holder is None:
        assert line.startswith(f"error: {path}: {key}: "), line
    else:  # the problem sits in a parent: the message names the parent first, then this file
        assert line.startswith(f"error: {BAD / holder}: {key}: "), line
        assert f"in the extends chain of {path}" in line, line
    if name in SUGGESTIONS:
        assert SUGGESTIONS[name] in line, line


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_validate_and_run_fail_with_one_line(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = BAD / name
    code, out, err = cli(["validate", str(path)], capsys)
    assert code == 2
    assert "OK" not in out
    check_message(err, name)

    out_dir = tmp_path / "out"
    code, out, err = cli(["run", str(path), "--scale", "0.1", "--out", str(out_dir)], capsys)
    assert code == 2
    check_message(err, name)
    assert not out_dir.exists()  # nothing run, nothing written


def test_corpus_through_the_installed_command() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "validate", str(BAD)], capture_output=True, text=True, cwd=REPO,
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == len(BAD_FILES)
    assert all(line.startswith("error: ") for line in lines)
    assert "Traceback" not in proc.stderr
    assert f"0 of {len(BAD_FILES)} scenario files valid" in proc.stdout


def test_validate_mixes_good_and_bad_and_reports_each(capsys: pytest.CaptureFixture[str]) -> None:
    good = LIBRARY / "putuo" / "baseline.toml"
    code, out, err = cli(["validate", str(good), str(BAD / "negative_budget.toml")], capsys)
    assert code == 2
    assert f"OK     {good}  (putuo_baseline)" in out
    assert "1 of 2 scenario files valid" in out
    assert len(err.strip().splitlines()) == 1


def test_validate_flags_duplicate_names(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = LIBRARY / "putuo" / "baseline.toml"
    a = write(tmp_path / "a.toml", f'extends = "{base}"\nname = "same"\n')
    b = write(tmp_path / "b.toml", f'extends = "{base}"\nname = "same"\n')
    code, out, err = cli(["validate", str(a), str(b)], capsys)
    assert code == 2
    assert err.strip() == (
        f"error: {b}: name: 'same' is also the name of {a}; names must be unique (batches key results by name)"
    )


def test_missing_file_and_empty_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(["validate", str(tmp_path / "nope.toml")], capsys)
    assert code == 2 and err.strip() == f"error: {tmp_path / 'nope.toml'}: -: file not found"
    code, _, err = cli(["scenarios", str(tmp_path)], capsys)
    assert code == 2 and "holds no .toml scenario files" in err
    code, _, err = cli(["scenarios", str(tmp_path / "missing")], capsys)
    assert code == 2 and "scenario directory not found" in err


# ------------------------------------------------------------------ the library


def library_files() -> list[Path]:
    return sorted(LIBRARY.rglob("*.toml"))


def test_every_library_file_validates_with_a_unique_name(capsys: pytest.CaptureFixture[str]) -> None:
    files = library_files()
    code, out, err = cli(["validate", *map(str, files)], capsys)
    assert code == 0, err
    assert err == ""
    assert f"{len(files)} of {len(files)} scenario files valid" in out
    names = [load_scenario(f).name for f in files]
    assert len(set(names)) == len(names)


def test_scenarios_command_lists_the_library(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(["scenarios", str(LIBRARY)], capsys)
    assert code == 0 and err == ""
    for f in library_files():
        s = load_scenario(f)
        row = next(line for line in out.splitlines() if line.startswith(str(f.relative_to(LIBRARY)) + " "))
        assert s.name in row and s.description in row


def test_readme_lists_every_scenario() -> None:
    readme = (LIBRARY / "README.md").read_text(encoding="utf-8")
    rows = [line for line in readme.splitlines() if line.startswith("| `")]
    files = library_files()
    assert len(rows) == len(files)
    for f in files:
        s = load_scenario(f)
        question = s.description.split("?")[0]
        assert any(f"`{f.relative_to(LIBRARY)}`" in r and f"`{s.name}`" in r and question in r for r in rows), f


@pytest.mark.parametrize("district", DISTRICTS)
def test_no_policy_switches_every_programme_off_and_nothing_else(district: str) -> None:
    base = load_scenario(LIBRARY / district / "baseline.toml")
    none = load_scenario(LIBRARY / district / "no_policy.toml")
    assert not any(getattr(none.policy, lever).enabled for lever in LEVERS)
    assert changed(base, none) <= {"name", "description"} | {f"policy.{lever}.enabled" for lever in LEVERS}


LEVER_STEMS = {lever: "lever_loans" if lever == "loan_interest_subsidy" else f"lever_{lever}" for lever in LEVERS}


@pytest.mark.parametrize("district", DISTRICTS)
@pytest.mark.parametrize("lever", LEVERS)
def test_each_lever_alone_has_the_baselines_settings(district: str, lever: str) -> None:
    base = load_scenario(LIBRARY / district / "baseline.toml")
    none = load_scenario(LIBRARY / district / "no_policy.toml")
    alone, resolved = load_resolved(LIBRARY / district / f"{LEVER_STEMS[lever]}.toml")
    assert [Path(p).name for p in resolved.chain][1:] == ["no_policy.toml", "baseline.toml"]
    assert [other for other in LEVERS if getattr(alone.policy, other).enabled] == [lever]
    assert changed(none, alone) <= {"name", "description", f"policy.{lever}.enabled"}
    settings = getattr(alone.policy, lever)
    if getattr(base.policy, lever).enabled:
        assert settings == getattr(base.policy, lever)
    else:  # the baseline has it off: schema defaults (the other district's documents), and said so
        assert settings == type(settings)(enabled=True)
        assert "schema defaults" in alone.description


HOUSING = "policy.talent_housing.subsidy_yuan_per_person_month"
VARIANTS: dict[str, dict[str, object]] = {
    "loans_subsidy_000": {"policy.loan_interest_subsidy.interest_subsidy_share": 0.0},
    "loans_subsidy_050": {"policy.loan_interest_subsidy.interest_subsidy_share": 0.5},
    "loans_subsidy_100": {"policy.loan_interest_subsidy.interest_subsidy_share": 1.0},
    "incubation_24m": {"policy.incubation.period_months": 24},
    "incubation_36m": {"policy.incubation.period_months": 36},
    "incubation_48m": {"policy.incubation.period_months": 48},
    "housing_1000": {HOUSING: 1000.0, "policy.talent_housing.enabled": True},
    "housing_2000": {HOUSING: 2000.0, "policy.talent_housing.enabled": True},
    "housing_3000": {HOUSING: 3000.0, "policy.talent_housing.enabled": True},
    "rent_share_015": {"policy.rent_relief.subsidy_share": 0.15},
    "rent_share_030": {"policy.rent_relief.subsidy_share": 0.3},
    "rent_share_060": {"policy.rent_relief.subsidy_share": 0.6},
    "rent_all_young_firms": {"policy.rent_relief.incubated_only": False},
    "lockdown_relief": {"shocks.lockdown_2022.depth": 0.7, "shocks.lockdown_2022.relief_package": True,
                        "kind": "world"},
    "lockdown_no_relief": {"shocks.lockdown_2022.depth": 0.7, "shocks.lockdown_2022.relief_package": False,
                           "kind": "world"},
    "no_lockdown": {"shocks.lockdown_2022.depth": 0.0, "shocks.lockdown_2022.relief_package": False,
                    "shocks.lockdown_2022.registration_fall": 0.0, "kind": "world"},
}


@pytest.mark.parametrize("district", DISTRICTS)
@pytest.mark.parametrize("stem", sorted(VARIANTS))
def test_variants_change_only_their_lever(district: str, stem: str) -> None:
    base = load_scenario(LIBRARY / district / "baseline.toml")
    variant = load_scenario(LIBRARY / district / f"{stem}.toml")
    values = flat(variant)
    for key, value in VARIANTS[stem].items():
        assert values[key] == value, key
    notes = {f"sources.{key}" for key in VARIANTS[stem]}  # a source note for a value it sets
    assert changed(base, variant) <= {"name", "description"} | set(VARIANTS[stem]) | notes
    assert variant.name == f"{district}_{stem}"


def test_yangpu_housing_variants_use_the_schema_defaults_otherwise() -> None:
    housing = load_scenario(LIBRARY / "yangpu" / "housing_3000.toml").policy.talent_housing
    assert housing == TalentHousing(subsidy_yuan_per_person_month=3000.0)


# ------------------------------------------------------------------ show round trip


def same_metrics(a: dict[str, float], b: dict[str, float]) -> bool:
    return a.keys() == b.keys() and all(
        (math.isnan(a[k]) and math.isnan(b[k])) if isinstance(a[k], float) and math.isnan(a[k]) else a[k] == b[k]
        for k in a
    )


@pytest.mark.parametrize("relative", ["putuo/baseline.toml", "yangpu/lever_talent_housing.toml"])
def test_show_output_runs_identically(relative: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    original_path = LIBRARY / relative
    code, out, err = cli(["show", str(original_path)], capsys)
    assert code == 0 and err == ""
    assert out == show_text(original_path)
    assert "extends" not in tomllib.loads(out)
    shown = write(tmp_path / "shown.toml", out)

    original, copy = load_scenario(original_path), load_scenario(shown)
    assert copy == original
    a = simulate(original, seed=11, scale=0.1)
    b = simulate(copy, seed=11, scale=0.1)
    assert same_metrics(a.metrics, b.metrics)
    pd.testing.assert_frame_equal(a.monthly, b.monthly)
    pd.testing.assert_frame_equal(a.targets, b.targets)


def test_show_names_the_chain(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(["show", str(LIBRARY / "putuo" / "lever_loans.toml")], capsys)
    assert code == 0
    assert "# extends chain: " in out and "lever_loans.toml -> " in out and "no_policy.toml -> " in out
    data = tomllib.loads(out)
    assert data["policy"]["loan_interest_subsidy"]["enabled"] is True
    assert data["policy"]["training"]["enabled"] is False
    assert "places_per_year" in data["policy"]["training"]  # defaults are written out


def test_show_of_a_bad_file_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(["show", str(BAD / "unknown_nested_key.toml")], capsys)
    assert code == 2 and out == ""
    check_message(err, "unknown_nested_key.toml")


def test_the_same_file_twice_counts_once(capsys: pytest.CaptureFixture[str]) -> None:
    base = LIBRARY / "putuo" / "baseline.toml"
    code, out, err = cli(["validate", str(base), str(base.parent / ".." / "putuo" / "baseline.toml")], capsys)
    assert code == 0 and err == ""
    assert out.count("OK ") == 1
