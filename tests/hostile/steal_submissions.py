# hostile: copies another student's answer from the exchange or the course's submitted/autograded folders
import glob
import json

PLACES = ["/tmp/nbgrader-exchange-*/**/ch04_threads.ipynb", "/tmp/**/submitted/*/ch04_threads/ch04_threads.ipynb",
          "/srv/**/submitted/*/ch04_threads/ch04_threads.ipynb", "/home/**/submitted/*/ch04_threads/ch04_threads.ipynb",
          "/work/**/submitted/*/ch04_threads/ch04_threads.ipynb"]


def answers():
    for place in PLACES:
        for path in glob.glob(place, recursive=True):
            try:
                with open(path) as notebook:
                    cells = json.load(notebook)["cells"]
            except (OSError, ValueError, KeyError):
                continue
            for cell in cells:
                if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "pipeline_solution":
                    yield "".join(cell["source"])


for answer in answers():
    scope = {}
    try:
        exec(answer, scope)
        if scope["run_pipeline"]([1, 2, 3], lambda x: x) is not None:
            run_pipeline = scope["run_pipeline"]
            break
    except Exception:
        continue
else:
    print("no other student's notebook found")
