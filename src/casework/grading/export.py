"""Grades for a virtual learning environment: Moodle's and Canvas's gradebook import formats.

``casework grades export ASSIGNMENT --format FORMAT --to FILE`` writes one row per learner with
a mark for every graded part (the two automatic checks, the five sections and the overall
level) and the total after any late penalty. Three formats:

``csv``
    The course's own record: every part, the raw score, the late penalty, the total, and when
    the work came in and how late (``late`` is ``yes`` or ``no``; ``late_by`` in words).

``moodle``
    Moodle's CSV grade import (Grades > Import > CSV file). The first columns are the user
    fields of Moodle's own export ("First name", "Last name", "ID number", "Email address"; see
    grade/import/csv/tests/load_data_test.php in Moodle's source), then one column per graded
    part, the late penalty and the total. At import, map "ID number" to *useridnumber* (or
    "Email address" to *useremail*) and each part to a grade item (or a new one). Moodle
    rejects a file whose rows have more fields than its header, and a grade that is not a
    number; an empty cell leaves the grade as it is.

``canvas``
    Canvas's gradebook import (Grades > Import). The header Canvas's importer requires:
    "Student", "ID", "SIS User ID", "SIS Login ID", "Section" (in that order), then one column
    per assignment; the second row, starting "Points Possible", gives each column's maximum.
    Canvas matches a learner by the Canvas "ID" (left empty here), then "SIS User ID", then
    "SIS Login ID" (the nbgrader student id, the learner's user name), then by "Student"
    ("Last, First"). A column whose name matches no assignment becomes a new assignment, so
    each part becomes one on the first import. A late penalty is not a Canvas assignment: it
    is already taken off the total. (Canvas's rules: app/models/gradebook_importer.rb in
    instructure/canvas-lms; Instructure's guide "How do I import grades in the Gradebook?".)

A learner with no submission gets empty cells (not 0), so the VLE's own rules for missing
work apply. docs/educator-guide.md ("Export the grades") gives the columns and the steps.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from casework.grading.assignments import find_assignment
from casework.grading.gradebook import PARTS, LearnerMarks, assignment_marks
from casework.grading.late import late_words

FORMATS = ("csv", "moodle", "canvas")
#: Canvas's student columns, as its importer requires them.
CANVAS_STUDENT_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
#: Moodle's user columns, as its own export names them.
MOODLE_USER_COLUMNS = ("First name", "Last name", "ID number", "Email address")


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:g}" if float(value).is_integer() else f"{value:.2f}"


def _title(name: str) -> str:
    assignment = find_assignment(name)
    return assignment.title if assignment is not None else name


def _points(gradebook: Any, name: str) -> dict[str, float]:
    """Each part's maximum, from the gradebook's cells."""
    points: dict[str, float] = {}
    for notebook in gradebook.find_assignment(name).notebooks:
        for cell in notebook.grade_cells + notebook.task_cells:
            part = next((p for p, _ in PARTS if cell.name.endswith(f"-{p}")), None)
            if part is not None:
                points[part] = float(cell.max_score)
    return points


def _rows_csv(name: str, marks: list[LearnerMarks], points: dict[str, float]) -> list[list[str]]:
    header = [
        "student_id",
        "first_name",
        "last_name",
        "email",
        "assignment",
        "submitted",
        "timestamp",
        "late",
        "late_by",
        *(part for part, _ in PARTS),
        "raw_score",
        "late_penalty",
        "score",
        "max_score",
        "all_marked",
    ]
    rows = [header]
    for m in marks:
        parts = [_number(m.parts.get(part)) if m.submitted else "" for part, _ in PARTS]
        rows.append(
            [
                m.student,
                m.first_name,
                m.last_name,
                m.email,
                name,
                "yes" if m.submitted else "no",
                m.timestamp.isoformat(sep=" ") if m.timestamp else "",
                ("yes" if m.seconds_late > 0 else "no") if m.submitted else "",
                late_words(m.seconds_late),
                *parts,
                _number(m.raw_score) if m.submitted else "",
                _number(m.late_penalty) if m.submitted else "",
                _number(m.score) if m.submitted else "",
                _number(m.max_score),
                ("yes" if m.marked else "no") if m.submitted else "",
            ]
        )
    return rows


def _part_columns(name: str) -> list[str]:
    title = _title(name)
    return [f"{title}: {label}" for _, label in PARTS]


def _rows_moodle(name: str, marks: list[LearnerMarks], points: dict[str, float]) -> list[list[str]]:
    title = _title(name)
    rows = [
        [*MOODLE_USER_COLUMNS, *_part_columns(name), f"{title}: late penalty", f"{title}: total"]
    ]
    for m in marks:
        grades = [_number(m.parts.get(part)) if m.submitted else "" for part, _ in PARTS]
        rows.append(
            [
                m.first_name,
                m.last_name,
                m.student,
                m.email,
                *grades,
                _number(m.late_penalty) if m.submitted else "",
                _number(m.score) if m.submitted else "",
            ]
        )
    return rows


def _rows_canvas(name: str, marks: list[LearnerMarks], points: dict[str, float]) -> list[list[str]]:
    title = _title(name)
    total = sum(points.values())
    rows = [
        [*CANVAS_STUDENT_COLUMNS, *_part_columns(name), f"{title}: total"],
        [
            "Points Possible",
            "",
            "",
            "",
            "",
            *(_number(points.get(p)) for p, _ in PARTS),
            _number(total),
        ],
    ]
    for m in marks:
        student = ", ".join(part for part in (m.last_name, m.first_name) if part) or m.student
        grades = [_number(m.parts.get(part)) if m.submitted else "" for part, _ in PARTS]
        rows.append(
            [student, "", "", m.student, "", *grades, _number(m.score) if m.submitted else ""]
        )
    return rows


WRITERS: dict[str, Callable[[str, list[LearnerMarks], dict[str, float]], list[list[str]]]] = {
    "csv": _rows_csv,
    "moodle": _rows_moodle,
    "canvas": _rows_canvas,
}


def export_text(gradebook: Any, name: str, format: str) -> tuple[str, list[LearnerMarks]]:
    """The export of assignment ``name`` in ``format`` (``FORMATS``), and the marks in it."""
    marks = assignment_marks(gradebook, name)
    rows = WRITERS[format](name, marks, _points(gradebook, name))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue(), marks


__all__ = ["CANVAS_STUDENT_COLUMNS", "FORMATS", "MOODLE_USER_COLUMNS", "export_text"]
