# hostile: hangs and ignores the interrupt that ends a timed-out cell
import signal, time
signal.signal(signal.SIGINT, signal.SIG_IGN)
while True:
    time.sleep(0.1)
