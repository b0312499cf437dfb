# hostile: grabs memory a GiB at a time, writing to every page, until something stops it
def load_everything():
    blocks = []
    while True:
        block = bytearray(1 << 30)
        block[::4096] = b"x" * (1 << 18)
        blocks.append(block)


load_everything()
