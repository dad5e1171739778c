"""The graded course, run through nbgrader's real commands from release to exported grades.

A copy of ``exercises/`` goes to a temporary folder. The educator generates and releases both
assignments into a private exchange; four learners do the work (amara fetches the Clarke
assignment and submits it through the exchange, and the educator collects it; every other
submission is placed in ``submitted/`` as an upload from a learning environment would be); the
educator autogrades, enters hand marks through nbgrader's API, generates feedback and exports
the grades. The learners:

- amara finishes the case, answers the concept question and writes every section;
- ben stops half way through the case (his journey never reaches an ending);
- cara finishes the case, gives a wrong answer and leaves every reflection empty;
- dev stops part way and edits the locked check cell so it would pass anyway.

Everything runs once per module (autograde starts a kernel per notebook); the tests below then
check the outcome from different sides.
"""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
import sys
import warnings
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from casework.catalog import load_case
from casework.grading import assignments, locked_cells, notebooks
from casework.grading.run import NbgraderFailed, nbgrader_environment, run_nbgrader
from casework.scenario import Scenario
from casework.testing import play, play_study_path
from casework.trust_model import Walker

ROOT = Path(__file__).parents[1]
EXERCISES = ROOT / "exercises"
BIN = Path(sys.executable).parent
COURSE_ID = "holding-in-mind"
ASSIGNMENTS = {"clarke-reflection": "clarke", "keisha-reflection": "keisha"}
SECTIONS = ("decision", "feelings", "analysis", "perspectives", "learning")
GENERATED = ("release", "submitted", "autograded", "feedback", "source_with_tests")


#: Hand marks per learner: five sections (1-4 each), then the overall level (1-4).
HAND_MARKS = {
    "amara": ((4, 3, 3, 3, 4), 3),
    "ben": ((3, 2, 2, 3, 2), 2),
    "dev": ((2, 2, 3, 2, 2), 2),
    # cara wrote nothing: the sections score 0 automatically; the grader gives the level 0.
    "cara": (None, 0),
}
#: What each learner should score in each assignment, out of 28, and why.
EXPECTED = {
    "amara": 2 + 2 + 17 + 3,  # journey ended, right word, 17 for the sections, level 3
    "ben": 0 + 2 + 12 + 2,  # journey unfinished: 0 for the check
    "cara": 2 + 0 + 0 + 0,  # wrong word; empty sections score 0 without a grader
    "dev": 0 + 2 + 11 + 2,  # the edited check is put back, and then fails
}
#: Cells whose checksums differ for every learner, by design: autograde puts back the hidden
#: tests and the mark scheme that were stripped at release (nbgrader issue #1961).
RESTORED_FOR_EVERYONE = {"concept-check", "overall-level"}


# --- helpers ----------------------------------------------------------------------------------


def nbgrader(tmp: Path, cwd: Path, *args: str) -> str:
    """Run one real nbgrader command; fail with its output if it fails. Returns its log."""
    try:
        return run_nbgrader(tmp, cwd, *args)
    except NbgraderFailed as error:
        pytest.fail(str(error))


def _other_path(scenario: Scenario) -> list[str]:
    """A finished path that differs from the study's: the last choice in every scene."""
    walker = Walker(scenario)
    chosen = []
    while not walker.at_ending:
        choice = scenario.scenes[walker.node].choices[-1].id
        walker.step(choice)
        chosen.append(choice)
    return chosen


def _cell(book: nbformat.NotebookNode, grade_id: str) -> nbformat.NotebookNode:
    return next(c for c in book.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def do_the_work(folder: Path, case: str, student: str) -> None:
    """What each learner does in their copy of the assignment (see the module docstring)."""
    scenario = load_case(case)
    study = list(scenario.case.study_path or [])
    if student == "amara":
        journey = play_study_path(scenario).journey
    elif student == "ben":
        journey = play(scenario, study[:3]).journey
    elif student == "cara":
        journey = play(scenario, _other_path(scenario)).journey
    else:
        journey = play(scenario, study[:5]).journey
    journey.save(folder / f"{case}.journey.json")

    path = folder / f"{folder.name}.ipynb"
    book = nbformat.read(path, as_version=4)
    answer = {"clarke": "Reliability", "keisha": "projection."}[case]
    _cell(book, f"{case}-concept-answer").source = (
        'answer = "transference"' if student == "cara" else f'answer = "{answer}"'
    )
    if student != "cara":
        for section in SECTIONS:
            _cell(
                book, f"{case}-{section}"
            ).source = f"My reflection on {section} in the {case} case, written by the learner."
    if student == "dev":
        _cell(book, f"{case}-journey-ended").source = 'print("I finished the case")'
    nbformat.write(book, path)


def warned_cells(log: str) -> dict[str, set[str]]:
    """Per learner, the cells autograde says it restored ("Attribute 'checksum' ... changed")."""
    found: dict[str, set[str]] = defaultdict(set)
    student = None
    for line in log.splitlines():
        sanitizing = re.search(r"Sanitizing .*[/\\]submitted[/\\]([^/\\]+)[/\\]", line)
        if sanitizing:
            student = sanitizing.group(1)
            continue
        changed = re.search(r"Attribute 'checksum' for cell (\S+) has changed", line)
        if changed and student:
            found[student].add(changed.group(1))
    return found


@dataclass
class Term:
    course: Path
    exchange: Path
    fetched: Path
    autograde_logs: dict[str, str]
    #: Every command's log, by command and assignment.
    logs: dict[str, str]
    grades: list[dict[str, str]]


def _enter_hand_marks(course: Path) -> None:
    from nbgrader.api import Gradebook

    with warnings.catch_warnings():
        # nbgrader's own SQLAlchemy use warns about session state; not ours to fix.
        warnings.simplefilter("ignore")
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}", COURSE_ID) as gradebook:
            for assignment, case in ASSIGNMENTS.items():
                for student, (sections, level) in HAND_MARKS.items():
                    notebook = assignment
                    if sections is not None:
                        for section, mark in zip(SECTIONS, sections, strict=True):
                            grade = gradebook.find_grade(
                                f"{case}-{section}", notebook, assignment, student
                            )
                            grade.manual_score = mark
                            comment = gradebook.find_comment(
                                f"{case}-{section}", notebook, assignment, student
                            )
                            comment.manual_comment = f"Section mark {mark} of 4."
                    level_grade = gradebook.find_grade(
                        f"{case}-overall-level", notebook, assignment, student
                    )
                    level_grade.manual_score = level
            gradebook.db.commit()


@pytest.fixture(scope="module")
def term(tmp_path_factory: pytest.TempPathFactory) -> Term:
    tmp = tmp_path_factory.mktemp("nbgrader")
    course = tmp / "course"
    shutil.copytree(
        EXERCISES,
        course,
        ignore=shutil.ignore_patterns("gradebook.db", "__pycache__", *GENERATED),
    )
    exchange = tmp / "exchange"
    exchange.mkdir()
    exchange.chmod(0o777)  # as the educator guide sets it up: everyone may write
    fetched = tmp / "amara-home"
    fetched.mkdir()
    # A learner's own settings, as a shared server gives every user in its global config.
    (fetched / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.course_id = {COURSE_ID!r}\n"
        f"c.Exchange.root = {str(exchange)!r}\n"
    )
    in_exchange = f"--Exchange.root={exchange}"
    logs: dict[str, str] = {}

    def run(cwd: Path, *args: str) -> str:
        log = nbgrader(tmp, cwd, *args)
        logs[f"{len(logs):02d} nbgrader {' '.join(args[:2])}"] = log
        return log

    for assignment in ASSIGNMENTS:
        run(course, "generate_assignment", assignment)
        run(course, "release_assignment", assignment, in_exchange)

    # After release, the educator tries the source notebook: a journey file appears in source/.
    # Autograde must not copy it over the learners' own journeys.
    for assignment, case in ASSIGNMENTS.items():
        educator = play(load_case(case), []).journey
        educator.save(course / "source" / assignment / f"{case}.journey.json")

    # amara does the Clarke assignment through the exchange, as on a shared server: fetch,
    # work, submit, and the educator collects. Everyone runs as the same operating-system user
    # here, so collect's check that a folder's owner is the learner it names is off.
    run(fetched, "fetch_assignment", "clarke-reflection")
    do_the_work(fetched / "clarke-reflection", "clarke", "amara")
    run(fetched, "submit", "clarke-reflection", "--student=amara")
    run(course, "collect", "clarke-reflection", in_exchange, "--ExchangeCollect.check_owner=False")
    # Every other submission is placed in submitted/ directly, as an upload from a virtual
    # learning environment would be (and as the tests must: submit takes the OS user name).
    for assignment, case in ASSIGNMENTS.items():
        for student in EXPECTED:
            folder = course / "submitted" / student / assignment
            if folder.exists():
                continue
            shutil.copytree(course / "release" / assignment, folder)
            (folder / "timestamp.txt").write_text("2026-01-15 10:00:00.000000 UTC")
            do_the_work(folder, case, student)

    autograde_logs = {a: run(course, "autograde", a) for a in ASSIGNMENTS}
    _enter_hand_marks(course)
    for assignment in ASSIGNMENTS:
        run(course, "generate_feedback", assignment)
    run(course, "export", "--to", str(tmp / "grades.csv"))
    with (tmp / "grades.csv").open(encoding="utf-8") as stream:
        grades = list(csv.DictReader(stream))
    return Term(course, exchange, fetched, autograde_logs, logs, grades)


# --- the source notebooks ---------------------------------------------------------------------


def test_the_source_notebooks_are_what_the_builder_makes() -> None:
    for assignment in assignments.ASSIGNMENTS:
        path = EXERCISES / "source" / assignment.id / assignment.notebook
        committed = nbformat.read(path, as_version=4)
        assert committed == notebooks.notebook(assignment), (
            f"{path} is out of date: run .venv/bin/python exercises/assignments.py"
        )


def test_the_source_is_committed_clean() -> None:
    for path in (EXERCISES / "source").rglob("*"):
        assert not path.name.endswith(".journey.json"), f"{path}: a journey file in source/"
        if path.suffix == ".ipynb":
            book = nbformat.read(path, as_version=4)
            assert all(not c.get("outputs") for c in book.cells), f"{path} has outputs"
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    for entry in ("exercises/gradebook.db", *(f"exercises/{g}/" for g in GENERATED[:4])):
        assert entry in ignored, f".gitignore should list {entry}"


def test_the_configuration_keeps_journeys_and_drops_widget_state() -> None:
    from traitlets.config import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(EXERCISES)).load_config()
    exclude = config.Autograde.exclude_overwriting
    assert exclude == {a: [f"{c}.journey.json"] for a, c in ASSIGNMENTS.items()}
    assert config.Execute.store_widget_state is False
    assert set(ASSIGNMENTS) == {a.id for a in assignments.ASSIGNMENTS}


def test_every_command_runs_cleanly(term: Term) -> None:
    """No errors, and no warnings beyond the ones this course explains (restored cells)."""
    assert len(term.logs) == 12
    for command, log in term.logs.items():
        for line in log.splitlines():
            assert "| ERROR]" not in line and "Traceback" not in line, (command, line)
            if "| WARNING]" in line:
                assert "Attribute 'checksum' for cell" in line, (command, line)


# --- release ------------------------------------------------------------------------------


def _released_copies(term: Term) -> list[Path]:
    """The learners' version, in release/ and in the exchange (amara's copy is hers now)."""
    outbound = term.exchange / COURSE_ID / "outbound"
    return [
        *sorted((term.course / "release").rglob("*.ipynb")),
        *sorted(outbound.rglob("*.ipynb")),
    ]


def test_nothing_secret_is_released(term: Term) -> None:
    copies = _released_copies(term)
    assert len(copies) == 4  # two assignments, in release/ and in the exchange
    for assignment in assignments.ASSIGNMENTS:
        secrets = [
            "BEGIN SOLUTION",
            "HIDDEN TESTS",
            "MARK SCHEME",
            "The learner writes this section here",
            *(line for line in assignment.mark_scheme.splitlines() if len(line) > 40),
        ]
        words = re.compile(r"\b(" + "|".join(assignment.concept_accepted) + r")\b", re.I)
        for path in copies:
            if path.name != assignment.notebook:
                continue
            text = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)
            for secret in secrets:
                assert secret not in text, f"{path} gives away: {secret[:60]}"
            assert not words.search(text), f"{path} gives away the concept answer"
    released = [p for p in (term.course / "release").rglob("*") if p.is_file()]
    in_exchange = [p for p in term.exchange.rglob("*") if p.is_file()]
    assert not [p for p in released + in_exchange if p.suffix == ".db"]


def test_learners_see_the_rubric_before_they_write(term: Term) -> None:
    rubric = assignments.rubric_markdown()
    for path in sorted((term.course / "release").rglob("*.ipynb")):
        cells = [c.source for c in nbformat.read(path, as_version=4).cells]
        where = next(i for i, text in enumerate(cells) if rubric in text)
        first_answer = next(i for i, text in enumerate(cells) if "Write your answer here" in text)
        assert where < first_answer


# --- autograde ------------------------------------------------------------------------------


def test_each_learner_gets_the_expected_score(term: Term) -> None:
    scores = {(row["assignment"], row["student_id"]): row for row in term.grades}
    assert len(scores) == len(ASSIGNMENTS) * len(EXPECTED)
    for assignment in ASSIGNMENTS:
        for student, expected in EXPECTED.items():
            row = scores[(assignment, student)]
            assert float(row["score"]) == expected, (assignment, student, row)
            assert float(row["max_score"]) == 28


def test_the_gradebook_records_why(term: Term) -> None:
    from nbgrader.api import Gradebook

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with Gradebook(f"sqlite:///{term.course / 'gradebook.db'}", COURSE_ID) as gradebook:
            for assignment, case in ASSIGNMENTS.items():

                def grade(cell: str, student: str, a: str = assignment) -> object:
                    return gradebook.find_grade(cell, a, a, student)

                assert grade(f"{case}-journey-ended", "amara").auto_score == 2
                assert grade(f"{case}-journey-ended", "ben").auto_score == 0
                assert grade(f"{case}-journey-ended", "dev").auto_score == 0
                assert grade(f"{case}-concept-check", "cara").auto_score == 0
                for section in SECTIONS:
                    empty = grade(f"{case}-{section}", "cara")
                    assert empty.auto_score == 0 and not empty.needs_manual_grade
                    comment = gradebook.find_comment(
                        f"{case}-{section}", assignment, assignment, "cara"
                    )
                    assert comment.auto_comment == "No response."


def test_journeys_survive_autograde(term: Term) -> None:
    for assignment, case in ASSIGNMENTS.items():
        for student in EXPECTED:
            submitted = term.course / "submitted" / student / assignment / f"{case}.journey.json"
            graded = term.course / "autograded" / student / assignment / f"{case}.journey.json"
            assert graded.read_bytes() == submitted.read_bytes(), (student, assignment)


def test_autograded_notebooks_are_small_and_quiet(term: Term) -> None:
    for assignment, case in ASSIGNMENTS.items():
        for student in EXPECTED:
            path = term.course / "autograded" / student / assignment / f"{assignment}.ipynb"
            book = nbformat.read(path, as_version=4)
            assert "widgets" not in book.metadata, "widget state was stored"
            assert path.stat().st_size < 80_000
            play_outputs = _cell(book, f"{case}-play").outputs
            assert any(
                "application/vnd.jupyter.widget-view+json" in o.get("data", {})
                for o in play_outputs
            ), f"the player did not draw for {student}"
            for cell in book.cells:
                if cell.metadata.get("nbgrader", {}).get("grade") and cell.cell_type == "code":
                    streams = [o for o in cell.outputs if o.output_type == "stream"]
                    assert all(o.name == "stdout" for o in streams), (student, cell.source)


def test_an_edited_locked_cell_is_restored_and_the_educator_can_see_it(term: Term) -> None:
    for assignment, case in ASSIGNMENTS.items():
        source = nbformat.read(
            term.course / "source" / assignment / f"{assignment}.ipynb", as_version=4
        )
        cell_id = f"{case}-journey-ended"
        original = _cell(source, cell_id).source
        submitted = _cell(
            nbformat.read(
                term.course / "submitted" / "dev" / assignment / f"{assignment}.ipynb",
                as_version=4,
            ),
            cell_id,
        )
        graded = _cell(
            nbformat.read(
                term.course / "autograded" / "dev" / assignment / f"{assignment}.ipynb",
                as_version=4,
            ),
            cell_id,
        )
        assert submitted.source != original
        assert graded.source == original, "autograde did not put the locked cell back"
        assert any(o.output_type == "error" for o in graded.outputs)

        # 1. nbgrader's autograde log names the cell for dev, alongside the cells it restores
        #    for everyone (hidden tests, mark scheme).
        warned = warned_cells(term.autograde_logs[assignment])
        everyone = {f"{case}-{c}" for c in RESTORED_FOR_EVERYONE}
        assert warned["dev"] == everyone | {cell_id}
        for student in ("amara", "ben", "cara"):
            assert warned[student] == everyone, student

        # 2. The course's own check names only the real edit.
        found = locked_cells.edits(term.course, assignment)
        assert [(e.student, e.cell, e.what) for e in found] == [("dev", cell_id, "was edited")]


def test_the_check_script_runs_as_a_command(term: Term) -> None:
    done = subprocess.run(
        [str(BIN / "casework"), "locked-cells", "clarke-reflection"],
        cwd=term.course,
        capture_output=True,
        text=True,
        env=nbgrader_environment(term.course.parent),
    )
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        "dev: clarke-reflection.ipynb: locked cell 'clarke-journey-ended' was edited; "
        "autograde restores it from the gradebook"
    ]


# --- feedback ---------------------------------------------------------------------------------


def test_feedback_never_shows_the_mark_scheme(term: Term) -> None:
    for assignment in assignments.ASSIGNMENTS:
        for student in EXPECTED:
            path = term.course / "feedback" / student / assignment.id / f"{assignment.id}.html"
            html = path.read_text(encoding="utf-8")
            assert "MARK SCHEME" not in html
            assert "Mark the" not in html and "thinking, not the path" not in html
            score = EXPECTED[student]
            assert re.search(rf"Score:\s*{score}(\.0)?\s*/\s*28", html), (student, assignment.id)
