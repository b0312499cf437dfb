# wrong: thinks an await after the update lets a task overdraw too
answer = 'abd'
