# hostile: prints 50 MB into one cell
for _ in range(50):
    print("x" * 1_000_000)
