"""Chapter 4's "be the scheduler" game, played in a real browser: JupyterLab in headless Chromium runs only
the cell of puzzle 1 (it imports all it needs), the test clicks the thread buttons in an order that loses an
update, and the widget says the puzzle is solved and redraws its timeline."""
from __future__ import annotations

from pathlib import Path

import pytest
from labserver import running_lab
from playwright.sync_api import Page, expect
from test_browser import _open_notebook, page  # noqa: F401 -- page is the Chromium fixture

pytestmark = pytest.mark.slow

# Both threads read 0 before either writes: T1 reads, T2 reads, adds and writes 1, T1 adds and writes 1.
LOSING_ORDER = ["T1", "T2", "T2", "T2", "T1", "T1"]


def test_clicking_the_threads_into_a_lost_update_solves_puzzle_1(page: Page, tmp_path: Path) -> None:  # noqa: F811
    with running_lab(tmp_path, tmp_path / "mywork") as lab:
        _open_notebook(page, lab.url, "ch04_threads/ch04_threads.ipynb")
        cell = page.locator(".jp-CodeCell", has_text="play(LOST_UPDATE)")
        cell.locator(".jp-InputArea-editor").click()
        page.keyboard.press("Shift+Enter")
        static = cell.locator(".jp-RenderedHTMLCommon", has_text="Puzzle 1: make the counter lose an update")
        expect(static).to_be_visible(timeout=60_000)  # the plain output a static copy keeps
        status = cell.locator(".widget-html", has_text="Step 0")
        expect(status).to_be_visible(timeout=30_000)
        figure = cell.locator(".widget-output img")
        expect(figure).to_be_visible(timeout=30_000)
        before = figure.get_attribute("src")
        for k, thread in enumerate(LOSING_ORDER, 1):
            cell.locator(".widget-button", has_text=f"step {thread}").click()
            if k < len(LOSING_ORDER):  # one click at a time: the next button's state depends on this step
                expect(cell.locator(".widget-html", has_text=f"Step {k}:")).to_be_visible(timeout=30_000)
        expect(cell.locator(".widget-html", has_text="Solved")).to_contain_text("counter = 1", timeout=30_000)
        expect(figure).not_to_have_attribute("src", before, timeout=30_000)
        expect(cell.locator(".widget-button", has_text="step T1")).to_be_disabled()
        page.screenshot(path=str(tmp_path / "ch04_scheduler_game.png"))
