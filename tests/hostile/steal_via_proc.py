# hostile: finds the grader's course folder through /proc (other processes' working folders) and runs its solution
import json
import os

found = None
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        with open(f"/proc/{pid}/cwd/source/ch04_threads/ch04_threads.ipynb") as notebook:
            cells = json.load(notebook)["cells"]
    except (OSError, ValueError, KeyError):
        continue
    for cell in cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "pipeline_solution":
            found = "".join(cell["source"])
    if found:
        break
if found:
    exec(found)
else:
    print("no copy of the course found")
