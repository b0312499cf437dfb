"""Helpers for the Python concurrency course (进程、线程、协程).

Everything a notebook or a hidden test would otherwise paste into a cell lives here, one idea per module:

- ``course.bounded``        run student code with a time bound; say where every thread is stuck; leftovers
- ``course.fair_clock``     time for bounds that a busy machine does not shorten (run-queue waits left out)
- ``course.amplify``        make the races and deadlocks the course teaches happen on every run
- ``course.interleave``     run threads one at a time under a scheduler: search interleavings, replay one
- ``course.timeline``       record which thread ran when, and draw it
- ``course.scheduler_game`` be the scheduler: step threads by hand to break a program (Chapter 4)
- ``course.threads_demo``   small helpers for Chapter 4's demonstrations (scripts run in a fresh interpreter)
- ``course.scheduling``     the CPU-scheduling simulator of Chapter 1
- ``course.gil``            measurements of Chapter 3 (speedups, switch interval, convoy effect)
- ``course.processes``      process helpers of Chapter 5 (children left behind, importable copies of cells)
- ``course.coroutines``     the generator scheduler and task measurements of Chapter 6
- ``course.widgets``        interactive controls that re-run a simulation or a measurement
- ``course.workloads``      importable worker functions (so they also work under spawn/forkserver)
- ``course.checks``         the visible checks and hidden tests of each chapter's exercises
- ``course.grading``       what grades the notebooks: nbgrader driving, sandbox, guard, kernel, parallel grading
- ``course.benchmark``      the figures printed by ``./dev bench``
"""
