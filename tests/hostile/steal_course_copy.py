# hostile: looks for an instructor's copy of the course anywhere on disk and runs its solution
import json
import os
import time


def solution_in(path):
    """The instructor's solution to this exercise, if ``path`` is a source notebook that holds it."""
    try:
        with open(path) as notebook:
            cells = json.load(notebook)["cells"]
    except (OSError, ValueError, KeyError):
        return None
    for cell in cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "pipeline_solution":
            source = "".join(cell["source"])
            return source if "BEGIN SOLUTION" in source else None
    return None


def find_solution(seconds=3):
    deadline = time.monotonic() + seconds
    for top in ("/work", "/root", "/home", "/srv", "/opt", "/usr/local", "/var", "/mnt", "/tmp"):
        for folder, subfolders, files in os.walk(top):
            subfolders[:] = [s for s in subfolders if s not in {".git", "site-packages", "node_modules", "proc"}]
            if "ch04_threads.ipynb" in files and (found := solution_in(os.path.join(folder, "ch04_threads.ipynb"))):
                return found
            if time.monotonic() > deadline:
                return None
    return None


stolen = find_solution()
if stolen:
    exec(stolen)
else:
    print("no copy of the course found")
