"""End to end in a real headless Chromium: open the explorer, move a slider, compare, check the numbers.

Runs Debian's ``chromium`` through Playwright (``executable_path``; Playwright's own browser
download is not used). Skipped only when no chromium executable is found (CI installs it).
Set ``STARTUP_SIM_SCREENSHOTS=DIR`` to also keep the screenshots in DIR (the README's
``docs/img/explorer_zh.png`` is made that way).
"""

import os
import shutil
import socket
import time
import urllib.request
from pathlib import Path

import pytest

from sim.explore.comparison import ComparisonResult
from sim.explore.mix import COUNTERFACTUAL_NAME, apply_changes, counterfactual
from sim.explore.settings import Settings
from sim.scenario.files import load_scenario

CHROMIUM = next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser")) if p), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium executable (Debian package chromium)")
BASELINE = "scenarios/putuo/baseline.toml"
HOUSING = "policy.talent_housing.subsidy_yuan_per_person_month"
REPLICATIONS, SCALE, SEED = 2, 0.05, 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from sim.explore.runner import start_server

    out = tmp_path_factory.mktemp("explore")
    port = _free_port()
    library = out / "scenarios"  # a copy: "Save as scenario" writes beside the starting file
    shutil.copytree(Path(BASELINE).parents[1], library)
    settings = Settings(lang="zh", scenarios=str(library), workers=1,
                        replications=REPLICATIONS, scale=SCALE, seed=SEED, out=str(out))
    log = open(out / "server.log", "wb")
    process = start_server(settings, port, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}/"
    hang_guard = time.monotonic() + 120  # not a performance limit: only stops a server that never starts
    while True:
        try:
            with urllib.request.urlopen(url) as response:
                if response.status == 200:
                    break
        except OSError:
            if process.poll() is not None or time.monotonic() > hang_guard:
                process.kill()
                pytest.fail(f"explorer server did not start: {(out / 'server.log').read_text()[-2000:]}")
            time.sleep(0.3)
    yield url, library
    process.terminate()
    process.wait()
    log.close()


@pytest.fixture(scope="module")
def expected(tmp_path_factory):
    """The comparison computed without the app: run_batch + compare_batch with the same seeds."""
    from sim.analysis.compare import compare_batch
    from sim.experiments.batch import run_batch

    out = tmp_path_factory.mktemp("expected") / "batch"
    start = load_scenario(BASELINE)
    mix = apply_changes(start, {HOUSING: 1000.0})
    run_batch([mix, start, counterfactual(start)], REPLICATIONS, out, workers=1, root_seed=SEED, scale=SCALE,
              progress=False)
    names = {"mix": mix.name, "start": start.name, "counterfactual": COUNTERFACTUAL_NAME}
    table = compare_batch(out, baseline=start.name, counterfactual=COUNTERFACTUAL_NAME)
    return ComparisonResult(names, table, REPLICATIONS, SCALE)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_browser_slider_compare_numbers_and_screenshot(server, expected, lang, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    from sim.explore.results_view import result_cells, target_cells

    url, library = server
    requests: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1500})
            page.on("request", lambda request: requests.append(request.url))
            page.goto(url)
            page.wait_for_selector(".compare-button", timeout=60_000)
            if lang == "en":  # the server starts in Chinese (--lang zh); switch on the page
                page.locator(".lang-en").click()
                page.wait_for_selector("text=Incubation bases", timeout=30_000)
            thumb = page.locator(f".control-{HOUSING.replace('.', '-')} [role=slider]")
            assert thumb.get_attribute("aria-valuenow") == "2000"
            thumb.focus()
            thumb.press("Home")  # the slider's low end: 1,000 yuan per person per month
            page.wait_for_function(
                f"document.querySelector('.control-{HOUSING.replace('.', '-')} [role=slider]')"
                ".getAttribute('aria-valuenow') === '1000'")
            page.locator(".compare-button").click()
            page.wait_for_selector(".results-table", timeout=300_000)
            page.wait_for_timeout(500)
            shot = tmp_path / f"explorer_{lang}.png"
            page.screenshot(path=str(shot), full_page=False)
            keep = os.environ.get("STARTUP_SIM_SCREENSHOTS")
            if keep:
                Path(keep).mkdir(parents=True, exist_ok=True)
                shutil.copy(shot, Path(keep) / shot.name)
            shown = {(key, column): page.locator(f".result-{key}-{column}").inner_text()
                     for key, _, cells in result_cells(expected, lang) for column in cells}
            targets = {(key, column): page.locator(f".target-{key}-{column}").inner_text()
                       for key, _, cells in target_cells(expected, lang) for column in cells}
            text = page.inner_text("body")
            if lang == "zh":  # save the mix: a file that extends the starting scenario and validates
                page.locator(".save-name input").fill("housing_1000_saved")
                page.locator(".save-button").click()
                page.wait_for_selector(".save-message", timeout=30_000)
                saved_message = page.locator(".save-message").inner_text()
        finally:
            browser.close()
    for key, _, cells in result_cells(expected, lang):
        for column, value in cells.items():
            assert shown[(key, column)].strip() == value, (key, column)
    for key, _, cells in target_cells(expected, lang):
        for column, value in cells.items():
            assert targets[(key, column)].strip() == value, (key, column)
    if lang == "zh":
        assert "人才公寓和租房补贴" in text and "万元" in text
        saved = library / "putuo" / "housing_1000_saved.toml"
        assert "已保存" in saved_message and saved.is_file()
        assert 'extends = "baseline.toml"' in saved.read_text(encoding="utf-8")
        assert load_scenario(saved).policy.talent_housing.subsidy_yuan_per_person_month == 1000.0
    else:
        assert "Talent housing subsidy" in text
    assert shot.stat().st_size > 10_000
    local = ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")
    assert [u for u in requests if not u.startswith(local)] == [], "the page contacted another server"
