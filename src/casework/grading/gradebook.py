"""The course's gradebook, read the way nbgrader reads it, and the marks in it by criterion.

The course commands (``casework feedback``, ``casework grades export``, ``casework
moderation``) run from the course root, like nbgrader's own: they read the course's
``nbgrader_config.py`` (so a gradebook kept in PostgreSQL is found as nbgrader finds it) and
open the gradebook with nbgrader's API. Unlike ``nbgrader export``, which writes an empty file
and exits with 0 for an assignment it does not know, they refuse a name the gradebook does not
hold and say which names it does.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from casework.grading.rubric import CRITERIA, SECTIONS

#: What each graded part is called in exports and reports, by the end of its grade id.
PARTS = (
    ("journey-ended", "Journey check"),
    ("concept-check", "Concept question"),
    *((section, f"{number}. {heading}") for number, (section, heading) in enumerate(SECTIONS, 1)),
    ("overall-level", "Overall level of reflection"),
)


class CourseError(Exception):
    """The course or the assignment named is not there; the message says what to do."""


def course_config(course: Path) -> Any:
    """The course's nbgrader configuration, as nbgrader reads ``nbgrader_config.py``."""
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    if not (course / "nbgrader_config.py").is_file():
        raise CourseError(
            f"{course.resolve()} is not the course root (no nbgrader_config.py): run this from "
            "exercises/, or give --course"
        )
    loaded: Config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    return loaded


@contextmanager
def open_gradebook(course: Path) -> Iterator[Any]:
    """nbgrader's Gradebook for the course at ``course``."""
    from nbgrader.api import Gradebook
    from nbgrader.coursedir import CourseDirectory

    config = course_config(course)
    directory = CourseDirectory(config=config, root=str(course.resolve()))
    if directory.db_url.startswith("sqlite:///"):
        database = Path(directory.db_url.removeprefix("sqlite:///"))
        if not database.exists():
            raise CourseError(
                f"no gradebook at {database}: add the students and assignments first "
                "(nbgrader db student import, nbgrader db assignment add)"
            )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nbgrader's own SQLAlchemy use warns; not ours
        with Gradebook(directory.db_url, directory.course_id) as gradebook:
            yield gradebook


def check_assignment(gradebook: Any, name: str) -> Any:
    """The gradebook's assignment called ``name``; ``CourseError`` names the real ones."""
    from nbgrader.api import MissingEntry

    known = sorted(a.name for a in gradebook.assignments)
    if name.startswith("[") and name.endswith("]"):
        raise CourseError(
            f"give the assignment's name without brackets: {name.strip('[]')} "
            "(nbgrader's own export wants [brackets]; this command does not)"
        )
    try:
        return gradebook.find_assignment(name)
    except MissingEntry:
        listed = ", ".join(known) or "none yet"
        raise CourseError(
            f"the gradebook has no assignment '{name}'; its assignments are: {listed}"
        ) from None


@dataclass
class LearnerMarks:
    """One learner's marks in one assignment, as the gradebook holds them now."""

    student: str
    first_name: str
    last_name: str
    email: str
    submitted: bool
    timestamp: datetime | None = None
    seconds_late: float = 0.0
    #: Part (the end of its grade id, ``PARTS``) -> its score (None: not marked yet).
    parts: dict[str, float | None] = field(default_factory=dict)
    raw_score: float = 0.0
    late_penalty: float = 0.0
    max_score: float = 0.0
    #: Whether every hand-marked part has its mark.
    marked: bool = False

    @property
    def score(self) -> float:
        return max(0.0, self.raw_score - self.late_penalty)

    def levels(self) -> dict[str, int | None]:
        """The rubric's criteria only, as levels (the scores are levels)."""
        from casework.grading.rubric import level_of

        return {c: level_of(self.parts.get(c)) for c in CRITERIA}


def _part(grade_id: str) -> str | None:
    return next((part for part, _ in PARTS if grade_id.endswith(f"-{part}")), None)


def assignment_marks(gradebook: Any, name: str) -> list[LearnerMarks]:
    """Every learner in the gradebook, with their marks in assignment ``name`` (a learner who
    handed nothing in is listed, with ``submitted`` False)."""
    from nbgrader.api import MissingEntry

    assignment = check_assignment(gradebook, name)
    max_score = float(assignment.max_score or 0)
    rows = []
    for student in sorted(gradebook.students, key=lambda s: s.id):
        row = LearnerMarks(
            student.id,
            student.first_name or "",
            student.last_name or "",
            student.email or "",
            submitted=False,
            max_score=max_score,
        )
        try:
            submission = gradebook.find_submission(name, student.id)
        except MissingEntry:
            rows.append(row)
            continue
        row.submitted = True
        row.timestamp = submission.timestamp
        row.seconds_late = float(submission.total_seconds_late or 0)
        row.raw_score = float(submission.score or 0)
        row.late_penalty = float(submission.late_submission_penalty or 0)
        row.marked = not submission.needs_manual_grade
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                part = _part(grade.name)
                if part is not None:
                    score = grade.score
                    unmarked = grade.needs_manual_grade and grade.manual_score is None
                    row.parts[part] = None if unmarked else float(score)
        rows.append(row)
    return rows


__all__ = [
    "PARTS",
    "CourseError",
    "LearnerMarks",
    "assignment_marks",
    "check_assignment",
    "course_config",
    "open_gradebook",
]
