"""Helpers for the Python concurrency course (进程、线程、协程).

Everything a notebook or a hidden test would otherwise paste into a cell lives here, one idea per module:

- ``course.bounded``   run code with a time bound; report where every thread is stuck; leftover threads
- ``course.amplify``   make the races and deadlocks the course teaches show up every time
- ``course.timeline``  record which thread ran when, and draw it
- ``course.timing``    small timing helpers for measured (never asserted) speed claims
- ``course.workloads`` importable worker functions (so they also work under spawn/forkserver)
- ``course.checks``    the visible checks and hidden tests of each chapter's exercises
- ``course.autograde`` drive nbgrader's autograde for self-study grading, tests and benchmarks
"""
