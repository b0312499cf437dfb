# hostile: floods the grader through output metadata (not output text): 500 displays with 2 MB of metadata
from IPython.display import publish_display_data

meta = {"text/plain": {"note": "z" * 2_000_000}}
for _ in range(500):
    publish_display_data({"text/plain": "."}, metadata=meta)


def run_pipeline(items, worker, n_consumers=3, maxsize=2):
    raise NotImplementedError("no answer")
