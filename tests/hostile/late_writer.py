# hostile: a detached process that keeps writing into /tmp after the kernel has gone
import os
import time

child = os.fork()
if child == 0:
    os.setsid()
    if os.fork() == 0:
        for n in range(300):
            for folder in ("/tmp", "/var/tmp", "/dev/shm"):
                with open(f"{folder}/pyconc-86413-late-{n}", "w") as late:
                    late.write("still here")
            time.sleep(0.2)
    os._exit(0)
os.waitpid(child, 0)
print("a writer runs on")
