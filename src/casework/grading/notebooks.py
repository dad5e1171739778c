"""The nbgrader source notebooks, built from the assignment texts (`grading.assignments`).

Every graded cell gets nbgrader's metadata and a stable id; hidden tests and the mark scheme
are written into the source only (nbgrader strips them from what learners get).
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from casework.grading.assignments import (
    ASSIGNMENTS,
    CONCEPT_POINTS,
    JOURNEY_POINTS,
    LEVEL_POINTS,
    SECTION_POINTS,
    Assignment,
    exercises_dir,
)
from casework.grading.rubric import SECTIONS, rubric_markdown


def _nbgrader(
    grade_id: str,
    *,
    grade: bool = False,
    solution: bool = False,
    locked: bool = False,
    task: bool = False,
    points: float | None = None,
) -> dict[str, object]:
    meta: dict[str, object] = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": locked,
        "schema_version": 3,
        "solution": solution,
        "task": task,
    }
    if points is not None:
        meta["points"] = points
    return meta


def _markdown(cell_id: str, text: str, **nbgrader: object) -> nbformat.NotebookNode:
    cell: nbformat.NotebookNode = nbformat.v4.new_markdown_cell(text.strip(), id=cell_id)
    cell.metadata["nbgrader"] = _nbgrader(cell_id, **nbgrader)  # type: ignore[arg-type]
    return cell


def _code(cell_id: str, source: str, **nbgrader: object) -> nbformat.NotebookNode:
    cell: nbformat.NotebookNode = nbformat.v4.new_code_cell(source.strip(), id=cell_id)
    cell.metadata["nbgrader"] = _nbgrader(cell_id, **nbgrader)  # type: ignore[arg-type]
    return cell


def _readonly(cell_id: str, text: str) -> nbformat.NotebookNode:
    return _markdown(cell_id, text, locked=True)


def notebook(assignment: Assignment) -> nbformat.NotebookNode:
    """The source notebook for one assignment, with solutions, hidden tests and mark scheme."""
    a = assignment
    prefix = a.case
    accepted = ", ".join(f'"{word}"' for word in a.concept_accepted)
    cells = [
        _readonly(
            f"{prefix}-introduction",
            f"""
# Assignment: {a.title}

{a.introduction} There is no code to write.

**What you will do**

1. Play the case in the player below, from the start to one of its endings (about 40 minutes).
2. Answer one concept question in a single word.
3. Read the rubric, then write five short reflective sections (about 150 to 250 words each).
4. Save the notebook, run its last cell to check your work, and submit it.

**Content note.** This case involves {a.content_note} Stop whenever you need to, and talk to
your tutor, practice educator or supervisor about anything that stays with you.

**How your work is kept.** Each choice is saved the moment you make it, in the file
`{a.journey_file}` in this folder. If you close the notebook and come back, run the player cell
again and you carry on from where you stopped. Keep that file where it is: it is submitted with
the notebook, and the first check below reads it.
""",
        ),
        _readonly(
            f"{prefix}-how-to-play",
            """
## 1. Play the case

Click in the cell below and press **Shift+Enter** to start the player (or choose **Run > Run
All Cells**). Read each scene, choose what you would do, and see what follows and why. The chart
shows how the course's teaching model reads your choices: it is a teaching model, not a
prediction.

Now and then the player asks you to pause and reflect. In this assignment you do not write in
the player: note the question, and answer it in the matching section further down, so that
each reflection is written once, in the place where it is read and marked. Each section below
says which of the player's questions belongs to it.
""",
        ),
        _code(
            f"{prefix}-play",
            f"""
from casework.course import play_case

play_case("{a.case}", "{a.journey_file}", write_reflections=False)
""",
            locked=True,
        ),
        _readonly(
            f"{prefix}-path-record-introduction",
            """
### Your path as a record

The cell below prints your path so far from your saved journey: each decision, what you chose,
what the worker in the study chose there, your ending, and the debrief chart as a table. Run it
whenever you like (it changes nothing). Your tutor reads the same record when marking section 1.
""",
        ),
        _code(
            f"{prefix}-path-record",
            f"""
# Prints your saved path as text: there is nothing to change here.
from casework.grading.record import show_path_record

show_path_record("{a.case}", "{a.journey_file}")
""",
            locked=True,
        ),
        _readonly(
            f"{prefix}-journey-check-introduction",
            f"""
### Check: did your journey reach an ending? ({JOURNEY_POINTS} points)

When the player shows an ending, run the cell below. It reads your saved journey and says which
ending you reached; if it shows a red message instead, the last line says what to do. This
check is marked automatically, from the saved journey, when your work is collected.
""",
        ),
        _code(
            f"{prefix}-journey-ended",
            f"""
# Reads your saved journey: there is nothing to change here.
from pathlib import Path

from casework.testing import replay

assert Path("{a.journey_file}").exists(), "No journey saved yet: play the case above first."
played = replay("{a.case}", "{a.journey_file}")
assert played.ending is not None, "Not finished yet: carry on in the player until the case ends."
print("Your journey reached an ending:", played.scenario.endings[played.ending].title)
""",
            grade=True,
            locked=True,
            points=JOURNEY_POINTS,
        ),
        _readonly(
            f"{prefix}-concept-question",
            f"""
## 2. A concept question ({CONCEPT_POINTS} points)

{a.concept_question}

Answer in **one word**: type it between the quotation marks in the cell below and press
**Shift+Enter**. The cell after it only checks that you gave one word; whether it is the word
we were looking for is checked when your work is marked.
""",
        ),
        _code(
            f"{prefix}-concept-answer",
            f"""
### BEGIN SOLUTION
answer = "{a.concept_solution}"
### END SOLUTION
""",
            solution=True,
        ),
        _code(
            f"{prefix}-concept-check",
            f"""
# Checks that you gave one word: there is nothing to change here.
assert isinstance(answer, str) and len(answer.split()) == 1, "Type one word between the quotes."
### BEGIN HIDDEN TESTS
assert answer.strip(" .!'\\"").lower() in {{{accepted}}}
### END HIDDEN TESTS
""",
            grade=True,
            locked=True,
            points=CONCEPT_POINTS,
        ),
        _readonly(
            f"{prefix}-rubric",
            "## 3. Before you write: how your reflection is marked\n\n" + rubric_markdown(),
        ),
        _markdown(
            f"{prefix}-overall-level",
            f"""
### Your reflection as a whole ({LEVEL_POINTS} points)

There is nothing to write in this cell. When your tutor has read your five sections, they give
the whole piece one overall level of reflection, as the last part of the rubric describes.

#### BEGIN MARK SCHEME (for graders: learners never see this part)

{a.mark_scheme}

#### END MARK SCHEME
""",
            task=True,
            locked=True,
            points=LEVEL_POINTS,
        ),
    ]
    for number, (section, heading) in enumerate(SECTIONS, start=1):
        cells.append(
            _readonly(
                f"{prefix}-{section}-prompt",
                f"### Section {number}: {heading} ({SECTION_POINTS} points)\n\n"
                + a.section_prompts[section],
            )
        )
        cells.append(
            _markdown(
                f"{prefix}-{section}",
                "The learner writes this section here. The released notebook shows the "
                "placeholder set in nbgrader_config.py; what to look for is in the mark scheme "
                "above.",
                grade=True,
                solution=True,
                points=SECTION_POINTS,
            )
        )
    cells.append(
        _readonly(
            f"{prefix}-before-you-submit",
            f"""
## 4. Before you submit

Save the notebook (**Ctrl+S**, or **Cmd+S** on a Mac), then run the cell below. It reads the
notebook as you last saved it and says what is ready and what is still to do: whether your
journey reached an ending, whether the concept answer is one word, and which of the five
sections are still empty. Keep `{a.journey_file}` in this folder: it is handed in with the
notebook.

Then submit as your tutor has explained, usually with **Submit** on the **Assignments** tab. In
a terminal, run `nbgrader submit {a.id}` from the folder that *holds* the `{a.id}` folder
(where it was fetched, usually your home folder), not from inside it. Your tutor and the other
markers on the course read your reflection; other learners do not.
""",
        )
    )
    cells.append(
        _code(
            f"{prefix}-check-my-work",
            f"""
# Checks your saved notebook before you submit: there is nothing to change here.
from casework.grading.checks import check_my_work

check_my_work("{a.notebook}")
""",
            locked=True,
        )
    )
    book: nbformat.NotebookNode = nbformat.v4.new_notebook(cells=cells)
    book.metadata["kernelspec"] = {
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "name": "python3",
    }
    book.metadata["language_info"] = {"name": "python"}
    return book


def build(root: Path | None = None) -> list[Path]:
    """Write every source notebook under ``root/source`` (default: the repository's
    ``exercises/``); returns the paths written."""
    root = root or exercises_dir()
    written = []
    for assignment in ASSIGNMENTS:
        folder = root / "source" / assignment.id
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / assignment.notebook
        nbformat.validate(book := notebook(assignment))
        path.write_text(nbformat.writes(book) + "\n", encoding="utf-8")
        written.append(path)
    return written
