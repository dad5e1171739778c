"""Late submissions: the course's penalty (an nbgrader late-submission plugin) and its words.

``CourseLatePenalty`` is configured in ``exercises/nbgrader_config.py``: so many points for each
day or part of a day late, nothing for a short grace period, and the whole score after so many
days. nbgrader applies a plugin at autograde, when only the automatic checks are marked, and
caps the penalty at the score at that moment: a penalty of 2.8 points on a submission that
autograde scored 2 becomes 2, and is never recomputed after the hand marks. So the course's
feedback and export commands apply the same plugin again to the final marks
(``apply_late_penalties``) before they use them: the gradebook, the feedback page and every
export then agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Float, Integer

DAY = 24 * 60 * 60


def days_late(seconds_late: float, grace_minutes: int = 0) -> int:
    """Days or parts of a day late, after the grace period (0 if on time)."""
    late = seconds_late - grace_minutes * 60
    return math.ceil(late / DAY) if late > 0 else 0


def late_words(seconds_late: float) -> str:
    """How late, in words ("2 days 3 hours"); "" when on time."""
    if seconds_late <= 0:
        return ""
    minutes = math.ceil(seconds_late / 60)
    if minutes < 60:
        return f"{minutes} minute{'s' * (minutes != 1)}"
    hours, _ = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    words = []
    if days:
        words.append(f"{days} day{'s' * (days != 1)}")
    if hours:
        words.append(f"{hours} hour{'s' * (hours != 1)}")
    return " ".join(words) or "less than an hour"


class CourseLatePenalty(LateSubmissionPlugin):  # type: ignore[misc]
    """So many points off for each day or part of a day late, up to the whole score.

    With ``points_per_day`` and ``zero_after_days`` both 0, nbgrader's own ``penalty_method``
    applies (``none`` by default).
    """

    points_per_day = Float(
        0.0, help="Points taken off for each day, or part of a day, after the deadline."
    ).tag(config=True)
    zero_after_days = Integer(
        0, help="A submission more than this many days late scores 0 (0: no such limit)."
    ).tag(config=True)
    grace_minutes = Integer(0, help="Minutes after the deadline that still count as on time.").tag(
        config=True
    )

    def late_submission_penalty(
        self, student_id: str, score: float, total_seconds_late: float
    ) -> float | None:
        if not (self.points_per_day or self.zero_after_days):
            penalty: float | None = super().late_submission_penalty(
                student_id, score, total_seconds_late
            )
            return penalty
        days = days_late(total_seconds_late, self.grace_minutes)
        if days == 0:
            return None
        if self.zero_after_days and days > self.zero_after_days:
            return float(score)
        return float(min(score, days * self.points_per_day))


def course_plugin(course: Path) -> Any:
    """The late-submission plugin the course's configuration names, configured as it says."""
    from traitlets.utils.importstring import import_item

    from casework.grading.gradebook import course_config

    config = course_config(course)
    chosen = config.AssignLatePenalties.get("plugin_class", LateSubmissionPlugin)
    plugin_class = import_item(chosen) if isinstance(chosen, str) else chosen
    return plugin_class(config=config)


@dataclass(frozen=True)
class Lateness:
    student: str
    seconds_late: float
    penalty: float


def apply_late_penalties(course: Path, gradebook: Any, assignment: str) -> list[Lateness]:
    """Set each late submission's penalty from its final marks, as the course's plugin says
    (``assignment`` must be in the gradebook). Returns the late submissions."""
    plugin = course_plugin(course)
    late = []
    for submission in gradebook.find_assignment(assignment).submissions:
        seconds = float(submission.total_seconds_late or 0)
        total = 0.0
        for notebook in submission.notebooks:
            penalty = None
            if seconds > 0:
                penalty = plugin.late_submission_penalty(
                    submission.student.id, float(notebook.score or 0), seconds
                )
            if penalty is not None:
                penalty = max(0.0, min(float(penalty), float(notebook.score or 0)))
                total += penalty
            notebook.late_submission_penalty = penalty
        if seconds > 0:
            late.append(Lateness(submission.student.id, seconds, total))
    gradebook.db.commit()
    return late


__all__ = [
    "CourseLatePenalty",
    "Lateness",
    "apply_late_penalties",
    "course_plugin",
    "days_late",
    "late_words",
]
