# hostile: runs whatever answer an earlier student's kernel left in /tmp, /var/tmp or /dev/shm
import glob

for path in glob.glob("/tmp/*.py") + glob.glob("/var/tmp/*.py") + glob.glob("/dev/shm/*.py"):
    with open(path) as left:
        exec(left.read())
    if "run_pipeline" in globals():
        break
else:
    print("no earlier student's answer found")
