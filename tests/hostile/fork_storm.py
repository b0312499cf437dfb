# hostile: a bounded fork storm; 200 children that would sleep for a day, left behind by the kernel
import os

for _ in range(200):
    if os.fork() == 0:
        os.execv("/bin/sleep", ["sleep", "86413"])
