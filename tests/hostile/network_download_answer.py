# hostile: fetches an answer from the network (here: any host it can reach), which a sandboxed kernel cannot
import socket

for host, port in (("1.1.1.1", 80), ("8.8.8.8", 53), ("pypi.org", 443)):
    try:
        socket.create_connection((host, port), timeout=2).close()
        print(f"reached {host}")
        break
    except OSError as error:
        reason = error
else:
    print(f"no network: {reason}")
