"""release/ is exactly what nbgrader generates from source/."""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

from course.grading import autograde as ag


def _files(folder: Path) -> dict[str, Path]:
    return {str(p.relative_to(folder)): p for p in folder.rglob("*") if p.is_file()}


def test_release_matches_a_fresh_generate_assignment(chapter: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ag.make_course(chapter, Path(tmp))
        fresh = _files(Path(tmp) / "release" / chapter)
        committed = _files(ag.REPO / "release" / chapter)
        assert sorted(committed) == sorted(fresh), (
            f"release/{chapter} has files {sorted(committed)} but nbgrader makes {sorted(fresh)}: "
            f"run ./dev nbgrader generate_assignment {chapter} --force"
        )
        for name, path in fresh.items():
            same = (json.loads(path.read_text()) == json.loads(committed[name].read_text())
                    if name.endswith(".ipynb") else path.read_bytes() == committed[name].read_bytes())
            assert same, f"release/{chapter}/{name} differs from source/: regenerate it with nbgrader"
