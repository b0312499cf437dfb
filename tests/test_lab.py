"""`./dev lab` (python -m course lab) gives the learner working copies and serves them in a real JupyterLab
with nbgrader's extension, opened on mywork/ (not on the course folder, whose source/ holds the solutions)
with the course's quiet settings on a fresh profile; the learner's edits are never overwritten by a second
start."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from labserver import running_lab

pytestmark = pytest.mark.slow


def test_lab_serves_the_working_copies_with_nbgrader(tmp_path: Path) -> None:
    work = tmp_path / "mywork"
    with running_lab(tmp_path, work) as lab:
        assert "JupyterLab" in lab.get("/lab").decode()
        model = json.loads(lab.get("/api/contents/ch04_threads/ch04_threads.ipynb"))
        assert model["type"] == "notebook"
        assert any("SafeCounter" in "".join(c["source"]) for c in model["content"]["cells"])
        assert "nbgrader" in lab.get("/lab/api/extensions").decode(), "nbgrader's JupyterLab extension is missing"
        shown = {item["name"] for item in json.loads(lab.get("/api/contents/"))["content"]}
        assert shown == {p.name for p in work.iterdir()} and "source" not in shown, (
            f"the file browser must open on mywork/, not on the course folder with its solutions: {shown}")
        quiet = {"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
                 "@jupyterlab/notebook-extension:tracker": {"autoStartDefaultKernel": True}}
        for plugin, expected in quiet.items():  # a fresh profile: the course's overrides are the defaults
            schema = json.loads(lab.get(f"/lab/api/settings/{plugin}"))["schema"]["properties"]
            assert {k: schema[k]["default"] for k in expected} == expected, f"{plugin}: {schema}"
    mine = work / "ch04_threads" / "ch04_threads.ipynb"
    mine.write_text(mine.read_text().replace("SafeCounter", "MyCounter", 1))
    with running_lab(tmp_path, work):
        pass
    assert "MyCounter" in mine.read_text(), "a second start overwrote the learner's work"
