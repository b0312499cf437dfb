# wrong: returns the course's own answer instead of computing it
import course.scheduling


def missed_deadlines(tasks, segments):
    return course.scheduling.missed_deadlines(tasks, segments)
