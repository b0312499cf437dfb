# wrong: threads for everything, as if the GIL did not exist
def choose_tool(task):
    """'threads' or 'processes': what runs many calls of ``task`` at once faster."""
    return "threads"
