"""Running graded code: learners' submissions and what the stages may believe about them.

- ``submissions``: what a run grades (the reference, the account, or a folder of learners' files).
- ``sandbox``: the boundary every submission runs inside (bubblewrap namespaces, limits, the kill).
- ``bridge``: the one way out of a sandbox, to its own AWS world (the grader's moto server).
- ``environment``: the variables and bootstrap a learner's process starts with.
- ``kernels``, ``runners``: a notebook, or a .py file's cells, in a Jupyter kernel.
- ``seccomp``: the system calls a sandbox refuses.
- ``evidence``, ``probes``, ``sdk``: what the stages judge, taken where the learner cannot reach.
- ``redact``: the grader's secrets, removed from whatever a learner's output carries.
"""
