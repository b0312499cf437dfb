# hostile: every test of the exercise waits out the cell timeout
import time


def run_pipeline(items, worker, n_consumers=3, maxsize=2):
    while True:
        time.sleep(0.1)
