"""The feedback page a learner reads, built from their autograded notebook and the gradebook
(``casework.grading.feedback`` says what it holds and how nbgrader makes it)."""

from __future__ import annotations

import warnings
from html import escape
from pathlib import Path
from typing import Any

from nbformat import NotebookNode

from casework.grading import escape as learner
from casework.grading.assignments import find_assignment
from casework.grading.checks import concept_answer
from casework.grading.late import late_words
from casework.grading.record import path_record
from casework.grading.rubric import CRITERIA, OVERALL, SECTIONS, TOP_LEVEL, level_of, rubric
from casework.journey import JourneyError
from casework.paths import replay


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:g}" if float(value).is_integer() else f"{value:.2f}".rstrip("0")


def _text(value: str) -> str:
    """Plain text as HTML, line breaks kept (the page's CSS keeps them)."""
    return f'<div class="text">{escape(value)}</div>'


def _grade(gradebook: Any, grade_id: str, info: dict[str, Any]) -> Any:
    try:
        return gradebook.find_grade(grade_id, info["notebook"], info["assignment"], info["student"])
    except Exception:  # MissingEntry: a cell the gradebook does not know
        return None


#: The automatic parts, by the end of their grade ids.
CHECKS = ("journey-ended", "concept-check", "concept-answer")


class _Cells:
    """The notebook's cells that matter here, by what they are."""

    def __init__(self, book: NotebookNode) -> None:
        self.criteria: dict[str, NotebookNode] = {}
        self.checks: dict[str, NotebookNode] = {}
        self.other_writing: list[str] = []
        for cell in book.cells:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            grade_id = str(meta.get("grade_id", ""))
            criterion = next((c for c in CRITERIA if grade_id.endswith(f"-{c}")), None)
            if criterion and (meta.get("solution") or meta.get("task")):
                self.criteria[criterion] = cell
            elif any(grade_id.endswith(f"-{check}") for check in CHECKS):
                self.checks[next(c for c in CHECKS if grade_id.endswith(f"-{c}"))] = cell
            elif cell.cell_type in ("markdown", "raw") and learner.is_as_text(cell.source):
                self.other_writing.append(learner.text_of(cell.source))


def _criterion_html(cell: NotebookNode, criterion: str, heading: str, stub: str) -> str:
    meta = cell.metadata.nbgrader
    score, points = meta.get("score"), meta.get("points", TOP_LEVEL)
    level = level_of(score)
    about = rubric()[criterion]
    parts = [f"<h3>{escape(heading)}</h3>"]
    if level is None:
        parts.append('<p class="mark">Not marked yet.</p>')
    else:
        named = about.level(level)
        title = f"Level {level} of {TOP_LEVEL}" + (
            f": {named.name}" if named is not None and named.name else ""
        )
        parts.append(
            f'<p class="mark"><strong>{escape(title)}</strong> '
            f"({_number(score)} of {_number(points)} points)</p>"
        )
        if named is not None:
            parts.append(
                f'<p class="descriptor"><strong>What level {level} asks for:</strong> '
                f"{escape(named.text)}</p>"
            )
        else:
            parts.append('<p class="descriptor">A level of 0: there was nothing here to mark.</p>')
        following = about.level(level + 1)
        if following is not None:
            parts.append(
                f'<p class="next"><strong>The step to level {level + 1}:</strong> '
                f"{escape(following.text)}</p>"
            )
    comment = meta.get("comment")
    if comment:
        parts.append(f'<div class="comment"><h4>Your tutor\'s comment</h4>{_text(comment)}</div>')
    if criterion != OVERALL:
        written = learner.text_of(cell.source) if learner.is_as_text(cell.source) else ""
        if written.strip() and written.strip() != stub.strip():
            parts.append(f"<h4>What you wrote</h4>{learner.as_text(written)}")
        else:
            parts.append("<p><em>You did not write this section.</em></p>")
    return f'<section class="criterion">{"".join(parts)}</section>'


def _checks_html(cells: _Cells, resources: dict[str, Any], gradebook: Any) -> str:
    info = resources["nbgrader"]
    folder = Path(resources.get("metadata", {}).get("path", "."))
    assignment = find_assignment(info["assignment"])
    items = []
    journey = cells.checks.get("journey-ended")
    if journey is not None and assignment is not None:
        meta = journey.metadata.nbgrader
        grade = _grade(gradebook, meta["grade_id"], info)
        items.append(_journey_words(folder, assignment.case, meta, grade))
    check = cells.checks.get("concept-check")
    if check is not None and assignment is not None:
        meta = check.metadata.nbgrader
        grade = _grade(gradebook, meta["grade_id"], info)
        answer_cell = cells.checks.get("concept-answer")
        word = concept_answer(answer_cell.source) if answer_cell is not None else None
        wanted = f"\u201c{assignment.concept_solution}\u201d"
        if meta.get("score") == meta.get("points") and word:
            said = f"your answer, \u201c{word.strip()}\u201d, was the word the question was after."
        elif word:
            said = f"your answer was \u201c{word.strip()}\u201d; the question was after {wanted}."
        else:
            said = f"there was no one-word answer; the question was after {wanted}."
        items.append(
            f"<li><strong>The concept question</strong> ({_number(meta.get('score'))} of "
            f"{_number(meta.get('points'))} points): {escape(said)}"
            + _changed_by_tutor(grade)
            + "</li>"
        )
    if not items:
        return ""
    return f"<section><h2>The automatic checks</h2><ul>{''.join(items)}</ul></section>"


def _changed_by_tutor(grade: Any) -> str:
    if grade is None or grade.manual_score is None or grade.auto_score is None:
        return ""
    if grade.manual_score != grade.auto_score:
        return (
            f" Your tutor changed this mark from {_number(grade.auto_score)} to "
            f"{_number(grade.manual_score)}; their comments say why."
        )
    return ""


def _journey_words(folder: Path, case: str, meta: dict[str, Any], grade: Any) -> str:
    points = f"({_number(meta.get('score'))} of {_number(meta.get('points'))} points)"
    path = folder / f"{case}.journey.json"
    if not path.exists():
        said = "no journey file was handed in with your notebook."
    else:
        try:
            played = replay(case, path)
        except (JourneyError, FileNotFoundError):
            played = None
        if played is None:
            said = "the journey file handed in could not be read."
        elif played.ending is None:
            said = "your saved journey had not reached an ending when your work was collected."
        else:
            ending = played.scenario.endings[played.ending].title
            said = f"your saved journey reached an ending: {ending}."
    return (
        f"<li><strong>Your journey</strong> {points}: {escape(said)}"
        + _changed_by_tutor(grade)
        + "</li>"
    )


def _record_html(folder: Path, case: str) -> str:
    path = folder / f"{case}.journey.json"
    try:
        played = replay(case, path)
    except (JourneyError, FileNotFoundError, OSError):
        return ""
    return (
        "<section><h2>Your path through the case</h2>"
        f'<pre class="record">{escape(path_record(played))}</pre></section>'
    )


def _total_html(resources: dict[str, Any], gradebook: Any) -> str:
    info = resources["nbgrader"]
    score, most, penalty = info.get("score"), info.get("max_score"), info.get("late_penalty", 0)
    parts = [f'<p class="total">Score: {_number(score)} / {_number(most)}</p>']
    try:
        submission = gradebook.find_submission(info["assignment"], info["student"])
    except Exception:
        submission = None
    if submission is not None:
        words = late_words(submission.total_seconds_late or 0)
        if words:
            parts.append(
                f'<p class="late">Handed in {escape(words)} after the deadline: '
                f"{_number(penalty)} point(s) were taken off for lateness, as the course's "
                "late policy sets out.</p>"
            )
    return "".join(parts)


STYLE = """
body { font-family: system-ui, sans-serif; color: #1f2933; line-height: 1.55; margin: 0;
  font-size: 1.05rem; }
main { max-width: 52rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.7rem; } h2 { font-size: 1.35rem; margin-top: 2rem; }
h3 { font-size: 1.15rem; margin-top: 1.6rem; } h4 { font-size: 1rem; margin: 1rem 0 0.3rem; }
.total { font-size: 1.3rem; font-weight: bold; }
.late { border-left: 6px solid #8a3b00; background: #fff6ee; padding: 0.3rem 0.8rem; }
.criterion { border-top: 1px solid #c4c9d1; }
.descriptor, .next { max-width: 75ch; }
.comment { border-left: 6px solid #0b5394; background: #eef4fb; padding: 0.2rem 0.8rem; }
.text, .casework-learner-text { white-space: pre-wrap; overflow-wrap: anywhere; }
.casework-learner-text { background: #f6f7f9; border: 1px solid #d9dde3; padding: 0.6rem; }
pre.record { white-space: pre-wrap; background: #f6f7f9; padding: 0.6rem; overflow-x: auto; }
table { border-collapse: collapse; }
th, td { border: 1px solid #c4c9d1; padding: 4px 8px; text-align: left; }
td.number { text-align: right; }
"""


def feedback_page(book: NotebookNode, resources: dict[str, Any], stub: str = "") -> str:
    """The whole page for one learner's notebook (see the module docstring). ``stub`` is the
    placeholder nbgrader put in each answer cell (a section still holding it was not written)."""
    from nbgrader.api import Gradebook

    info = resources["nbgrader"]
    assignment = find_assignment(info["assignment"])
    title = assignment.title if assignment is not None else info["assignment"]
    cells = _Cells(book)
    folder = Path(resources.get("metadata", {}).get("path", "."))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nbgrader's own SQLAlchemy use warns; not ours
        with Gradebook(info["db_url"]) as gradebook:
            total = _total_html(resources, gradebook)
            checks = _checks_html(cells, resources, gradebook)
    rows = []
    sections = []
    for number, (section, heading) in enumerate(SECTIONS, start=1):
        cell = cells.criteria.get(section)
        if cell is None:
            continue
        name = f"Section {number}: {heading}"
        sections.append(_criterion_html(cell, section, name, stub))
        meta = cell.metadata.nbgrader
        rows.append((name, meta.get("score"), meta.get("points")))
    whole = ""
    if OVERALL in cells.criteria:
        cell = cells.criteria[OVERALL]
        whole = _criterion_html(cell, OVERALL, "Your reflection as a whole", stub)
        meta = cell.metadata.nbgrader
        rows.append(("Overall level of reflection", meta.get("score"), meta.get("points")))
    automatic = (("Your journey", "journey-ended"), ("The concept question", "concept-check"))
    for name, check in automatic:
        if check in cells.checks:
            meta = cells.checks[check].metadata.nbgrader
            rows.append((name, meta.get("score"), meta.get("points")))
    table = "".join(
        f'<tr><th scope="row">{escape(name)}</th><td class="number">{_number(score)}</td>'
        f'<td class="number">{_number(points)}</td></tr>'
        for name, score, points in rows
    )
    other = "".join(learner.as_text(text) for text in cells.other_writing)
    if other:
        other = f"<section><h2>Other things you wrote in the notebook</h2>{other}</section>"
    case = assignment.case if assignment is not None else ""
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Feedback: {escape(title)}</title><style>{STYLE}</style></head><body><main>"
        f"<h1>Your feedback: {escape(title)}</h1>{total}"
        "<p>Each section is marked at the highest level it fully reaches; the levels build on "
        "one another, and the step to the next level is what would lift the section further.</p>"
        "<section><h2>How your marks add up</h2><table><thead><tr><th scope='col'>Part</th>"
        "<th scope='col'>Mark</th><th scope='col'>Out of</th></tr></thead>"
        f"<tbody>{table}</tbody></table></section>"
        f"<section><h2>Your reflection, section by section</h2>{''.join(sections)}</section>"
        f"{whole}{checks}{_record_html(folder, case) if case else ''}{other}"
        "</main></body></html>\n"
    )


__all__ = ["feedback_page"]
