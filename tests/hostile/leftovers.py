# hostile: leaves a never-ending thread, a child process and a detached daemon process behind
import multiprocessing
import subprocess
import threading
import time

threading.Thread(target=lambda: time.sleep(86400), name="never-ends").start()
multiprocessing.get_context("fork").Process(target=time.sleep, args=(86400,)).start()
subprocess.Popen(["/bin/sleep", "86417"], start_new_session=True)
