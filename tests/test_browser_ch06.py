"""Chapter 6's widget in a real browser: the cells it needs, taken from the released notebook, run in
JupyterLab in headless Chromium; moving the permits slider from the keyboard re-runs the downloads under the
new Semaphore and redraws the timeline."""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from labserver import running_lab
from playwright.sync_api import Page, expect
from test_browser import _open_notebook, _run_all, page  # noqa: F401 (page is a fixture)

from course.grading import autograde as ag

pytestmark = pytest.mark.slow

CHAPTER = "ch06_coroutines"
# The imports, the cell that defines limited_download (and draws the static figure), and the widget.
NEEDED = ["382fbd80", "705066c1", "ch06-permits-explorer"]


def _widget_notebook(work: Path) -> str:
    """Write a notebook of just the cells the widget needs, next to the learner's copy; return its path."""
    released = nbformat.read(ag.REPO / "release" / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
    by_id = {cell.get("id"): cell for cell in released.cells}
    missing = [cell_id for cell_id in NEEDED if cell_id not in by_id]
    assert not missing, f"the released {CHAPTER} has no cell {missing}: update NEEDED"
    released.cells = [by_id[cell_id] for cell_id in NEEDED]
    path = work / CHAPTER / "permits_widget.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(released, path)
    return f"{CHAPTER}/{path.name}"


def test_the_permits_slider_redraws_the_task_timeline(page: Page, tmp_path: Path) -> None:  # noqa: F811
    work = tmp_path / "mywork"
    notebook = _widget_notebook(work)
    with running_lab(tmp_path, work) as lab:
        _open_notebook(page, lab.url, notebook)
        _run_all(page)
        widget = page.locator(".widget-interact").first
        figure = widget.locator(".jp-OutputArea-output img").first
        expect(figure).to_be_visible(timeout=60_000)
        assert page.locator(".jp-RenderedImage img").count() >= 2, "the static Semaphore figure should be drawn too"
        before = figure.get_attribute("src")
        permits = widget.locator(".widget-slider", has_text="permits")
        permits.locator(".noUi-handle").focus()
        page.keyboard.press("ArrowRight")
        expect(permits.locator(".widget-readout")).to_have_text("3", timeout=10_000)
        expect(figure).not_to_have_attribute("src", before, timeout=30_000)
        page.screenshot(path=str(tmp_path / "ch06_widget.png"))
