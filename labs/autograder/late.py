"""The course's late-submission policy, as an nbgrader plugin (``c.AssignLatePenalties.plugin_class``).

A notebook submitted after its lab's due date loses ``percent_per_day`` percent of its score for every
day or part of a day late, up to all of it. Due dates are set per lab in the gradebook (``make roster``
reads them from ``labs/due_dates.csv``); the submission's time is the ``timestamp.txt`` that
``nbgrader collect`` (or the hub's exchange) writes beside it.
"""

from __future__ import annotations

import math

from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Float


class PercentPerDay(LateSubmissionPlugin):
    """``percent_per_day`` of the score per day or part of a day late, at most the whole score."""

    percent_per_day = Float(10.0, help="Percent of the score lost per day (or part of a day) late.").tag(config=True)

    def late_submission_penalty(self, student_id: str, score: float, total_seconds_late: float) -> float:
        days = math.ceil(total_seconds_late / 86400)
        return min(score, score * self.percent_per_day / 100 * days)
