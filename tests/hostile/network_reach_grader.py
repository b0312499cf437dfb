# hostile: connects to every port listening on the machine's loopback (other kernels, the grader, databases)
import contextlib
import os
import socket

own = set()  # this kernel's own sockets
for fd in os.listdir("/proc/self/fd"):
    with contextlib.suppress(OSError):
        own.add(os.readlink(f"/proc/self/fd/{fd}"))
ports = set()
for table in ("/proc/net/tcp", "/proc/net/tcp6"):
    with contextlib.suppress(OSError), open(table) as lines:
        next(lines)
        for line in lines:
            fields = line.split()
            if fields[3] == "0A" and f"socket:[{fields[9]}]" not in own:  # listening, and not this kernel's
                ports.add(int(fields[1].split(":")[-1], 16))
reached = 0
for port in sorted(ports):
    with contextlib.suppress(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        reached += 1
print(f"reached {reached} listening ports")
