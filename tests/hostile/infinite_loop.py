# hostile: loops forever at the top of a cell (the interrupt at the cell timeout ends it)
while True:
    pass
