# wrong: thinks extra releases are ignored, as if the semaphore were bounded and silent
answer = 0
