# hostile: copies the hidden tests into outputs from the compiled cells' source cache (linecache)
import linecache

from IPython.display import display

for entry in list(linecache.cache.values()):
    if "HIDDEN" in "".join(entry[2]):
        display({"text/plain": "".join(entry[2]), "text/html": "<pre>" + "".join(entry[2]) + "</pre>"}, raw=True)


def run_pipeline(items, worker, n_consumers=3, maxsize=2):
    print("".join("".join(entry[2]) for entry in linecache.cache.values()))
    raise NotImplementedError("no answer")
