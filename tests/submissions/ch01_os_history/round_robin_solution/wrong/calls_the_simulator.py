# wrong: hands the work to the course's own simulator instead of computing the schedule
from course.scheduling import time_sharing


def round_robin(jobs, quantum):
    return time_sharing(jobs, quantum).completion
