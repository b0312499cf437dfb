# wrong: processes for everything, even for waiting
def choose_tool(task):
    """'threads' or 'processes': what runs many calls of ``task`` at once faster."""
    return "processes"
