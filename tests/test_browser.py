"""A learner's view, in a real browser: JupyterLab (started by `python -m course lab`) opens the working
copies in headless Chromium; Run All executes the teaching cells and draws their figures, the first
exercise stops with its NotImplementedError until the learner writes an answer, and a slider of an
ipywidgets control, moved from the keyboard, redraws its figure."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from labserver import TOKEN, running_lab
from playwright.sync_api import Page, expect, sync_playwright

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"]


@pytest.fixture
def page(tmp_path: Path):
    assert Path(CHROMIUM).exists(), "Chromium is missing: .ci/run installs it (apt-get install chromium)"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        yield context.new_page()
        context.close()
        browser.close()


def _open_notebook(page: Page, url: str, path: str) -> None:
    page.goto(f"{url}/lab/tree/{path}?token={TOKEN}")
    # The status bar says Idle only once the kernel is really ready (FIELD-NOTES: the toolbar says so too early).
    expect(page.locator(".jp-StatusBar-TextItem", has_text="Idle")).to_be_visible(timeout=60_000)


def _run_all(page: Page) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()


def test_run_all_draws_the_figures_and_stops_at_the_first_exercise(page: Page, tmp_path: Path) -> None:
    with running_lab(tmp_path, tmp_path / "mywork") as lab:
        _open_notebook(page, lab.url, "ch04_threads/ch04_threads.ipynb")
        # A fresh profile: no "Select Kernel" dialog, no news popup (the course's settings, not the test's).
        assert page.locator(".jp-Dialog").count() == 0, page.locator(".jp-Dialog").first.inner_text()
        assert page.locator(".jp-toast-message, .Toastify__toast").count() == 0, "a notification popped up"
        _run_all(page)
        error = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']",
                             has_text="NotImplementedError").first
        expect(error).to_be_attached(timeout=120_000)
        # Run All goes past the checkpoints (answer = None) and stops at the first exercise's answer cell.
        assert page.locator(".jp-RenderedImage img").count() >= 6, "the teaching cells should draw their figures"
        page.screenshot(path=str(tmp_path / "ch04_in_jupyterlab.png"))


def _run_cells(page: Page, *texts: str) -> None:
    """Run, in order, the code cells that show these texts: only the cells a test needs (Run All would also
    stop at the first checkpoint a learner has not answered yet)."""
    for text in texts:
        page.locator(".jp-CodeCell", has_text=text).first.locator(".jp-InputPrompt").click()
        page.keyboard.press("Control+Enter")


def test_a_slider_redraws_the_schedules(page: Page, tmp_path: Path) -> None:
    with running_lab(tmp_path, tmp_path / "mywork") as lab:
        _open_notebook(page, lab.url, "ch01_os_history/ch01_os_history.ipynb")
        _run_cells(page, "from course import scheduling", "schedule_explorer()")
        widget = page.locator(".widget-interact").first
        figure = widget.locator(".jp-OutputArea-output img").first
        expect(figure).to_be_visible(timeout=120_000)
        before = figure.get_attribute("src")
        quantum = widget.locator(".widget-slider", has_text="quantum")
        quantum.locator(".noUi-handle").focus()
        page.keyboard.press("ArrowRight")
        expect(quantum.locator(".widget-readout")).to_have_text("3", timeout=10_000)
        expect(figure).not_to_have_attribute("src", before, timeout=30_000)
        page.screenshot(path=str(tmp_path / "ch01_widget.png"))
