# hostile: floods the grader through display_data: 1,000 displays of 1 MB each, and updates of a display by id
from IPython.display import display

chunk = "y" * 1_000_000
for _ in range(1000):
    display({"text/plain": chunk}, raw=True)
handle = display({"text/plain": "0"}, raw=True, display_id=True)
for _ in range(300):
    handle.update({"text/plain": chunk, "text/html": chunk}, raw=True)


def run_pipeline(items, worker, n_consumers=3, maxsize=2):
    raise NotImplementedError("no answer")
