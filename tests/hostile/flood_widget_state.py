# hostile: floods the grader with widget state: 150 widgets of 10 MB each (1.5 GB of comm messages)
import ipywidgets

big = "x" * 10_000_000
widgets = [ipywidgets.Text(value=big) for _ in range(150)]


def run_pipeline(items, worker, n_consumers=3, maxsize=2):
    raise NotImplementedError("no answer")
