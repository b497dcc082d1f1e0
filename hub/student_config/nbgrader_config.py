"""nbgrader as a student of the course hub sees it: the course and the exchange it fetches from and submits to."""

import os

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file
c.CourseDirectory.course_id = os.environ.get("NBGRADER_COURSE_ID", "dnn-course")
c.Exchange.root = os.environ.get("NBGRADER_EXCHANGE", "/srv/nbgrader/exchange")
# Validate runs the whole notebook in the student's kernel; a cell that runs longer than this fails.
c.Execute.timeout = 60
