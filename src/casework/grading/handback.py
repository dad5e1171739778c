"""Handing feedback back: the course's step around nbgrader's generate_feedback and
release_feedback.

``nbgrader release_feedback`` stops with a traceback, for every learner, as soon as one
feedback folder lacks ``submission_secret.txt``: that file is written only by ``nbgrader
submit``, so any submission placed in ``submitted/`` by hand (from a learning environment, by
email, on a memory stick) has none, and the exchange has no way to return feedback to that
learner. ``release`` releases through the exchange for everyone who has one, and lists the
others with the page to send them yourself.

``generate`` first applies the course's late penalty to the final marks
(``casework.grading.late``), then runs ``nbgrader generate_feedback --force``, so every page
is made again from the gradebook as it stands.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from casework.grading.gradebook import CourseError, check_assignment, open_gradebook
from casework.grading.late import Lateness, apply_late_penalties
from casework.grading.run import NbgraderFailed, run_nbgrader


def _nbgrader(course: Path, *args: str) -> str:
    with tempfile.TemporaryDirectory(prefix="casework-nbgrader-") as scratch:
        try:
            return run_nbgrader(Path(scratch), course, *args)
        except NbgraderFailed as error:
            raise CourseError(str(error)) from None


def generate(course: Path, assignment: str) -> tuple[list[Lateness], list[Path]]:
    """Late penalties from the final marks, then every learner's feedback page."""
    with open_gradebook(course) as gradebook:
        check_assignment(gradebook, assignment)
        late = apply_late_penalties(course, gradebook, assignment)
    _nbgrader(course, "generate_feedback", assignment, "--force")
    pages = sorted((course / "feedback").glob(f"*/{assignment}/*.html"))
    return late, pages


@dataclass
class Released:
    through_exchange: list[str] = field(default_factory=list)
    #: Student id -> the page to send them, for feedback the exchange cannot return.
    by_hand: dict[str, list[Path]] = field(default_factory=dict)


def release(course: Path, assignment: str) -> Released:
    """Release through the exchange what it can return; list the rest (see the module)."""
    with open_gradebook(course) as gradebook:
        check_assignment(gradebook, assignment)
    folders = sorted(p.parent for p in (course / "feedback").glob(f"*/{assignment}/*.html"))
    if not folders:
        raise CourseError(
            f"no feedback for {assignment} in feedback/ yet: run 'casework feedback generate "
            f"{assignment}' first"
        )
    done = Released()
    for folder in dict.fromkeys(folders):
        student = folder.parent.name
        if (folder / "submission_secret.txt").is_file() and (folder / "timestamp.txt").is_file():
            done.through_exchange.append(student)
        else:
            done.by_hand[student] = sorted(folder.glob("*.html"))
    if done.through_exchange:
        args = ["release_feedback", assignment]
        if done.by_hand:
            args.append(f"--CourseDirectory.student_id_exclude={','.join(sorted(done.by_hand))}")
        _nbgrader(course, *args)
    return done


__all__ = ["Released", "generate", "release"]
