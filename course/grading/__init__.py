"""What grades the course: nbgrader driving, the sandbox and guard around each grading kernel, and parallel
grading. Nothing here is imported by a chapter's notebook; ``course/`` outside this package is what they use.

- ``autograde``          drive nbgrader's autograde for self-study grading, tests and benchmarks
- ``parallel_grading``   ``./dev autograde --jobs N``: several submissions at once into the real gradebook
- ``classroom``          ``./dev class setup|start|stop``: a class on JupyterHub (its config: ``jupyterhub_config.py``)
- ``robust_execute``     nbgrader's Execute step, surviving kernels that die or hang, sandboxed and guarded
- ``kernel_client``      a kernel client (and notebook runner) whose waits never miss a message pyzmq forgot to report
- ``sandbox``            limits, another user, hidden course files and cleanup for each grading kernel
- ``kernel``             the grading kernel: ipykernel with the guard armed before student code runs
- ``guard``              notices student code tampering with the grading machinery inside the kernel
- ``submission_checks``  nbgrader preprocessors giving damaged submissions a clear, correct outcome
"""
