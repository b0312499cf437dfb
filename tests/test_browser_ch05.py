"""Chapter 5's widget in a real browser: in JupyterLab, in headless Chromium, run only the two cells the
start-method widget needs (the imports, then the widget), click another start method, and see the figure
replaced by a new measurement."""
from __future__ import annotations

from pathlib import Path

import pytest
from labserver import running_lab
from playwright.sync_api import Page, expect
from test_browser import _open_notebook, page  # noqa: F401 -- the browser fixture and the wait for an idle kernel

pytestmark = pytest.mark.slow

NOTEBOOK = "ch05_processes/ch05_processes.ipynb"


def _run_cell(page: Page, containing: str) -> None:  # noqa: F811 -- `page` is the fixture imported above
    """Select the code cell whose source contains ``containing`` and run it (Shift+Enter), as a learner does."""
    cell = page.locator(".jp-CodeCell", has=page.locator(".jp-InputArea", has_text=containing)).first
    cell.scroll_into_view_if_needed()
    cell.locator(".jp-InputPrompt").click()
    page.keyboard.press("Shift+Enter")


def test_choosing_a_start_method_measures_again_and_redraws(page: Page, tmp_path: Path) -> None:  # noqa: F811
    with running_lab(tmp_path, tmp_path / "mywork") as lab:
        _open_notebook(page, lab.url, NOTEBOOK)
        _run_cell(page, "from course.start_methods import inheritance_explorer")
        _run_cell(page, "inheritance_explorer()")
        widget_cell = page.locator(".jp-CodeCell", has=page.locator(".widget-toggle-buttons")).first
        figure = widget_cell.locator(".jp-OutputArea-output img").first
        expect(figure).to_be_visible(timeout=90_000)
        before = figure.get_attribute("src")
        other = widget_cell.locator(".widget-toggle-button:not(.mod-active)").first
        chosen = other.inner_text()
        other.click()
        expect(widget_cell.locator(".widget-toggle-button.mod-active")).to_have_text(chosen, timeout=10_000)
        expect(figure).not_to_have_attribute("src", before, timeout=60_000)
        page.screenshot(path=str(tmp_path / "ch05_widget.png"))
