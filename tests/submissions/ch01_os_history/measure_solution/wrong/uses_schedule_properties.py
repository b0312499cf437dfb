# wrong: builds the course's Schedule object and reads its answers instead of computing them
from course.scheduling import Schedule


def cpu_utilisation(segments):
    return Schedule("mine", (), tuple(segments), {}, {}).cpu_utilisation


def average_turnaround(jobs, segments):
    ends = {}
    for s in segments:
        ends[s.job] = max(ends.get(s.job, 0), s.end)
    return Schedule("mine", tuple(jobs), tuple(segments), ends, {}).average_turnaround
