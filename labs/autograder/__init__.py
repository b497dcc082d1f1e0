"""The course's autograder: nbgrader, with every verdict reached outside the student's kernel.

nbgrader runs a submission in one kernel and grades a test cell by whether it raised, so a student
cell that patches ``np.allclose``, swallows exceptions or kills the kernel changes the grades of
every part. Here each notebook's autograded test cells are run by a fresh *judge* process (trusted:
the instructor's test code, the oracles) that hands its verdicts to nbgrader on a pipe, and the
student's code runs in a *sandbox* (a bubblewrap container: its own unprivileged user, PID, network
and mount namespaces, nothing of the course visible, memory, processes and time capped) that the
judge calls through proxies: arguments and results cross the boundary as plain data (JSON and raw
numeric arrays, never pickle). A sandbox that dies, hangs or misbehaves costs only the test cell it
served. See ``IsolatedExecute`` for the nbgrader side and the instructors' guide for the details.
"""
