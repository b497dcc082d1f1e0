"""The course's autograder: nbgrader, with every verdict reached outside the student's kernel.

nbgrader runs a submission in one kernel and grades a test cell by whether it raised, so a student
cell that patches ``np.allclose``, swallows exceptions or kills the kernel changes the grades of
every part. Here each autograded test cell is run by a fresh *judge* process (trusted: the
instructor's test code, the oracles), and the student's code runs in a separate *sandbox* process
that the judge calls through proxies: arguments and results cross the boundary as plain data (JSON
and ``.npy``, never pickle). A sandbox that dies, hangs or misbehaves costs only the test cell it
served. See ``IsolatedExecute`` for the nbgrader side and the instructors' guide for the details.
"""
