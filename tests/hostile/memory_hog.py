# hostile: grabs memory a GiB at a time and writes to part of it, until something stops it
# (Each GiB is reserved untouched and 64 MiB of it written: without the address-space limit this still fills a
# 24 GiB machine's memory in about ten seconds, and with the limit it fails as fast on a loaded machine as on a quiet one;
# writing every page took seconds of page faults that a loaded machine stretched past the cell's time bound.)
def load_everything():
    blocks = []
    while True:
        blocks.append(bytes(1 << 30))
        blocks.append(bytearray(1 << 26))


load_everything()
