"""A whole term of the graded course, run through the real nbgrader and casework commands.

A copy of ``exercises/`` goes to a temporary folder and the educator follows
docs/educator-guide.md, command by command, from the course root: the exchange is named in
``nbgrader_config.py``, ``students.csv`` goes beside it and is imported, both assignments get
their deadlines and are generated and released. The educator tries the Clarke assignment as a
learner would (``nbgrader validate`` and the course's own check). Four learners do the Clarke
assignment, three of them through the exchange from their own home folders:

- amara fetches it, finishes the case, answers the concept question, writes every section,
  checks her work and submits;
- ben stops half way through the case (his journey never reaches an ending), tries to submit
  from inside the assignment folder (which fails, as the guide warns), then submits from his
  home folder; his marker later overrides the journey check;
- cara finishes the case, gives a wrong answer, leaves every reflection empty and submits;
- dev stops part way and edits the locked check cell; his work comes in by hand, from a
  learning environment, a day and two hours after the deadline, with no
  ``submission_secret.txt``.

Keisha's assignment is handed in by hand by all four. The educator collects, autogrades, marks
every criterion (as formgrader's API does), draws a moderation sample that a second marker
marks blind, reports agreement, generates feedback (late penalties from the final marks),
releases it (dev's is listed to send by hand), amara fetches hers, and the educator exports the
grades for Moodle and Canvas and makes the cohort report. Everything runs once per module
(autograde starts a kernel per notebook); the tests below read the outcome, and one opens
formgrader and the feedback pages in Chromium.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import re
import secrets
import shlex
import shutil
import subprocess
import sys
import time
import warnings
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nbformat
import pytest

from casework.catalog import load_case
from casework.grading import assignments, locked_cells, notebooks
from casework.grading.agreement import weighted_kappa
from casework.grading.preprocessors import WIDGET_NOTE
from casework.grading.rubric import CRITERIA, rubric
from casework.grading.run import NbgraderFailed, nbgrader_environment, run_nbgrader
from casework.scenario import Scenario
from casework.testing import invoke, play, play_study_path
from casework.testing.servers import Server, ServerFailed, free_port, get, running
from casework.trust_model import Walker

if TYPE_CHECKING:
    from playwright.sync_api import Page

ROOT = Path(__file__).parents[1]
EXERCISES = ROOT / "exercises"
GUIDE = ROOT / "docs" / "educator-guide.md"
BIN = Path(sys.executable).parent
COURSE_ID = "holding-in-mind"
ASSIGNMENTS = {"clarke-reflection": "clarke", "keisha-reflection": "keisha"}
SECTIONS = ("decision", "feelings", "analysis", "perspectives", "learning")
GENERATED = ("release", "submitted", "autograded", "feedback", "source_with_tests")
STUDENTS = ("amara", "ben", "cara", "dev")
#: Who does the Clarke assignment through the exchange (the rest hand it in by hand).
THROUGH_THE_EXCHANGE = ("amara", "ben", "cara")
NAMES = {
    "amara": ("Amara", "Okafor"),
    "ben": ("Ben", "Hughes"),
    "cara": ("Cara", "Lindqvist"),
    "dev": ("Dev", "Patel"),
}

#: Hand marks per learner: five sections (1-4 each), then the overall level (1-4).
HAND_MARKS = {
    "amara": ((4, 3, 3, 3, 4), 3),
    "ben": ((3, 2, 2, 3, 2), 2),
    "dev": ((2, 2, 3, 2, 2), 2),
    # cara wrote nothing: the sections score 0 automatically; the grader gives the level 0.
    "cara": (None, 0),
}
#: The second marker's levels for the Clarke sample (criteria in rubric order): amara one level
#: apart once, ben two levels apart on section 1 (to talk through), dev the same.
SECOND_MARKS = {
    "amara": (4, 3, 2, 3, 4, 3),
    "ben": (1, 2, 2, 3, 2, 2),
    "cara": (0, 0, 0, 0, 0, 0),
    "dev": (2, 2, 3, 2, 2, 2),
}
#: dev's Clarke work came in a day and two hours late: two days of the course's late policy
#: (1.4 points a day, exercises/nbgrader_config.py).
DEV_LATE = timedelta(days=1, hours=2)
DEV_PENALTY = 2.8
#: What each learner should score, out of 28, and why.
EXPECTED = {
    "keisha-reflection": {
        "amara": 2 + 2 + 17 + 3,  # journey ended, right word, 17 for the sections, level 3
        "ben": 0 + 2 + 12 + 2,  # journey unfinished: 0 for the check
        "cara": 2 + 0 + 0 + 0,  # wrong word; empty sections score 0 without a grader
        "dev": 0 + 2 + 11 + 2,  # the edited check is put back, and then fails
    },
    "clarke-reflection": {
        "amara": 24,
        "ben": 2 + 2 + 12 + 2,  # the marker overrode the journey check (a fault reported)
        "cara": 2,
        "dev": 15 - DEV_PENALTY,  # late
    },
}
#: Cells whose checksums differ for every learner, by design: autograde puts back the hidden
#: tests and the mark scheme that were stripped at release (nbgrader issue #1961).
RESTORED_FOR_EVERYONE = {"concept-check", "overall-level"}
#: Warnings nbgrader's commands give in a term that goes as it should.
EXPECTED_WARNINGS = (
    "Attribute 'checksum' for cell",  # the hidden tests and mark scheme, put back
    "seconds late",  # dev's late work, and the penalty for it
    "Late submission penalty",
)
#: Arguments the term adds only because every learner is the same operating-system user here.
TEST_ONLY = ("--ExchangeCollect.check_owner=False", "--student=")


# --- helpers ----------------------------------------------------------------------------------


@dataclass
class Command:
    """One command the term ran: where (the course root, or a learner's home), what, and what
    it printed. ``guide`` is the command as docs/educator-guide.md gives it."""

    where: str
    argv: tuple[str, ...]
    log: str
    tmp: Path
    seconds: float = 0.0

    @property
    def guide(self) -> str:
        words = []
        for word in self.argv:
            if word.startswith(TEST_ONLY):
                continue
            word = word.replace(f"{self.tmp}/", "~/")
            words.append(word.split("=", 1)[0] + "=" if word.startswith("--duedate=") else word)
        return " ".join(w if re.fullmatch(r"[\w@%+=:,./~-]+", w) else shlex.quote(w) for w in words)


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


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f UTC")


@dataclass
class Term:
    tmp: Path
    course: Path
    exchange: Path
    homes: dict[str, Path]
    due: dict[str, datetime]
    commands: list[Command] = field(default_factory=list)
    #: What nbgrader said when ben ran submit from inside his assignment folder.
    submit_inside: str = ""

    def log(self, *argv: str) -> str:
        """The log of the first command the term ran whose arguments start with ``argv``."""
        return next(c.log for c in self.commands if c.argv[: len(argv)] == argv)

    def autograded(self, student: str, assignment: str) -> nbformat.NotebookNode:
        path = self.course / "autograded" / student / assignment / f"{assignment}.ipynb"
        return nbformat.read(path, as_version=4)

    def feedback(self, student: str, assignment: str = "clarke-reflection") -> Path:
        return self.course / "feedback" / student / assignment / f"{assignment}.html"

    def export(self, name: str) -> list[list[str]]:
        with (self.course / name).open(encoding="utf-8", newline="") as stream:
            return list(csv.reader(stream))


@contextlib.contextmanager
def _here(folder: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


def _gradebook(course: Path) -> Any:
    from nbgrader.api import Gradebook

    return Gradebook(f"sqlite:///{course / 'gradebook.db'}", COURSE_ID)


def _mark(gradebook: Any, assignment: str, student: str, cell: str, score: float, why: str) -> None:
    """A hand mark, and its comment where formgrader gives one (answer and task cells), as
    formgrader's API stores them."""
    grade = gradebook.find_grade(cell, assignment, assignment, student)
    grade.manual_score = score
    grade.needs_manual_grade = False
    if why:
        gradebook.find_comment(cell, assignment, assignment, student).manual_comment = why


#: ben's override, explained where formgrader takes a comment (check cells take none).
OVERRIDE = "Your journey file was lost to the fault you reported in time, so the check is given."


def _enter_hand_marks(course: Path) -> None:
    """Every criterion's level with a comment, and one override: ben's journey check (his
    journey file was lost to a fault he reported in time)."""
    with warnings.catch_warnings():
        # nbgrader's own SQLAlchemy use warns about session state; not ours to fix.
        warnings.simplefilter("ignore")
        with _gradebook(course) as gradebook:
            for assignment, case in ASSIGNMENTS.items():
                for student, (sections, level) in HAND_MARKS.items():
                    for section, given in zip(SECTIONS, sections or (), strict=False):
                        _mark(
                            gradebook,
                            assignment,
                            student,
                            f"{case}-{section}",
                            given,
                            f"Section mark {given}.",
                        )
                    why = f"Overall level {level}."
                    if (student, case) == ("ben", "clarke"):
                        why += " " + OVERRIDE
                    _mark(gradebook, assignment, student, f"{case}-overall-level", level, why)
            _mark(gradebook, "clarke-reflection", "ben", "clarke-journey-ended", 2, "")
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
    exchange = tmp / "nbgrader-exchange"
    exchange.mkdir()
    exchange.chmod(0o777)  # as the educator guide sets it up: every account may write
    # The guide's first edit of nbgrader_config.py: where the exchange is.
    with (course / "nbgrader_config.py").open("a", encoding="utf-8") as config:
        config.write(f"\nc.Exchange.root = {str(exchange)!r}\n")
    now = datetime.now(UTC).replace(microsecond=0)
    due = {
        "clarke-reflection": now + timedelta(days=7),
        "keisha-reflection": now + timedelta(days=30),
    }
    homes = {student: tmp / student for student in THROUGH_THE_EXCHANGE}
    term = Term(tmp, course, exchange, homes, due)

    def nbgrader(where: str, *args: str, fails: bool = False, inside: str = "") -> str:
        """Run from the course root, or as a learner from their home folder (or ``inside`` a
        folder there), with their own home: nbgrader keeps each learner's submissions there."""
        cwd, env = course, None
        if where != "course":
            home = homes[where]
            cwd = home / inside
            env = {
                "HOME": str(home),
                "XDG_DATA_HOME": str(home / ".local" / "share"),
                "JUPYTER_DATA_DIR": str(home / ".local" / "share" / "jupyter"),
                "JUPYTER_CONFIG_DIR": str(home / ".jupyter"),
            }
        started = time.monotonic()
        try:
            log = run_nbgrader(tmp, cwd, *args, env=env)
        except NbgraderFailed as error:
            if fails:
                return str(error)
            pytest.fail(str(error))
        if fails:
            pytest.fail(f"nbgrader {' '.join(args)} should have failed:\n{log}")
        term.commands.append(
            Command(where, ("nbgrader", *args), log, tmp, time.monotonic() - started)
        )
        return log

    def casework(where: Path, *args: str, exit_code: int = 0) -> str:
        started = time.monotonic()
        with _here(where):
            result = invoke(list(args))
        log = result.stdout + result.stderr
        assert result.exit_code == exit_code, (args, log)
        term.commands.append(
            Command("course", ("casework", *args), log, tmp, time.monotonic() - started)
        )
        return log

    # 1. Before term: the learners and the deadlines.
    (course / "students.csv").write_text(
        "id,first_name,last_name,email\n"
        + "".join(f"{s},{f},{n},{s}@example.ac.uk\n" for s, (f, n) in NAMES.items()),
        encoding="utf-8",
    )
    nbgrader("course", "db", "student", "import", "students.csv")
    for assignment in ASSIGNMENTS:
        nbgrader(
            "course",
            "db",
            "assignment",
            "add",
            assignment,
            f"--duedate={due[assignment]:%Y-%m-%d %H:%M:%S} UTC",
        )

    # 2-3. Try it as a learner would, then release.
    for assignment in ASSIGNMENTS:
        nbgrader("course", "generate_assignment", assignment)
    trial = tmp / "try-clarke"
    shutil.copytree(course / "release" / "clarke-reflection", trial)
    play_study_path(load_case("clarke")).journey.save(trial / "clarke.journey.json")
    book = nbformat.read(trial / "clarke-reflection.ipynb", as_version=4)
    _cell(book, "clarke-concept-answer").source = 'answer = "reliability"'
    nbformat.write(book, trial / "clarke-reflection.ipynb")
    nbgrader("course", "validate", str(trial / "clarke-reflection.ipynb"))
    casework(course, "check-work", str(trial / "clarke-reflection.ipynb"), exit_code=1)
    shutil.rmtree(trial)
    for assignment in ASSIGNMENTS:
        nbgrader("course", "release_assignment", assignment)

    # After release, the educator plays the source notebook: a journey file appears in source/.
    # Autograde must not copy it over the learners' own journeys.
    for assignment, case in ASSIGNMENTS.items():
        play(load_case(case), []).journey.save(
            course / "source" / assignment / f"{case}.journey.json"
        )

    # 4. Learners work. Each learner's own settings, as a shared server gives every user.
    for student, home in homes.items():
        (home / ".jupyter").mkdir(parents=True)
        (home / ".jupyter" / "nbgrader_config.py").write_text(
            f"c = get_config()\nc.CourseDirectory.course_id = {COURSE_ID!r}\n"
            f"c.Exchange.root = {str(exchange)!r}\n"
        )
        nbgrader(student, "fetch_assignment", "clarke-reflection")
        do_the_work(home / "clarke-reflection", "clarke", student)
        if student == "amara":
            casework(home, "check-work", "clarke-reflection/clarke-reflection.ipynb")
        if student == "ben":
            term.submit_inside = nbgrader(
                "ben",
                "submit",
                "clarke-reflection",
                "--student=ben",
                fails=True,
                inside="clarke-reflection",
            )
        nbgrader(student, "submit", "clarke-reflection", f"--student={student}")

    # 5. Collect; dev's Clarke work and everyone's Keisha work come in by hand (no secret).
    nbgrader("course", "collect", "clarke-reflection", "--ExchangeCollect.check_owner=False")
    for assignment, case in ASSIGNMENTS.items():
        for student in STUDENTS:
            folder = course / "submitted" / student / assignment
            if folder.exists():
                continue
            shutil.copytree(course / "release" / assignment, folder)
            when = due[assignment] + DEV_LATE if student == "dev" and case == "clarke" else now
            (folder / "timestamp.txt").write_text(_stamp(when))
            do_the_work(folder, case, student)

    # 7-8. Autograde, then the hand marks.
    for assignment in ASSIGNMENTS:
        nbgrader("course", "autograde", assignment)
    _enter_hand_marks(course)

    # 9. Moderation: a sample, the second marker's blind marks, agreement.
    casework(
        course,
        "moderation",
        "sample",
        "clarke-reflection",
        "--first-marker",
        "A. Lecturer",
        "--seed",
        "3",
    )
    sheet = course / "moderation" / "clarke-reflection-second-marking.csv"
    with sheet.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    with sheet.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["student_id", *CRITERIA, "comment"])
        for row in rows:
            writer.writerow([row["student_id"], *SECOND_MARKS[row["student_id"]], ""])
    casework(
        course,
        "moderation",
        "record",
        "clarke-reflection",
        "moderation/clarke-reflection-second-marking.csv",
        "--marker",
        "B. Moderator",
    )
    casework(course, "moderation", "report", "clarke-reflection")

    # 10. Feedback, released through the exchange; amara fetches hers.
    for assignment in ASSIGNMENTS:
        casework(course, "feedback", "generate", assignment)
    casework(course, "feedback", "release", "clarke-reflection")
    nbgrader("amara", "fetch_feedback", "clarke-reflection")

    # 11-12. Grades for the learning environment, and the group's paths.
    casework(
        course,
        "grades",
        "export",
        "clarke-reflection",
        "--format",
        "moodle",
        "--to",
        "clarke-moodle.csv",
    )
    casework(
        course,
        "grades",
        "export",
        "clarke-reflection",
        "--format",
        "canvas",
        "--to",
        "clarke-canvas.csv",
    )
    for assignment in ASSIGNMENTS:
        casework(
            course,
            "grades",
            "export",
            assignment,
            "--format",
            "csv",
            "--to",
            f"{assignment}-grades.csv",
        )
    casework(course, "cohort", "submitted", "--out", "cohort-report.html")
    if os.environ.get("CASEWORK_TERM_TIMINGS"):
        for command in term.commands:
            print(f"{command.seconds:6.1f} s  {command.guide}", file=sys.stderr)
    return term


# --- the source notebooks and the repository -------------------------------------------------


def test_the_source_notebooks_are_what_the_builder_makes() -> None:
    for assignment in assignments.ASSIGNMENTS:
        path = EXERCISES / "source" / assignment.id / assignment.notebook
        committed = nbformat.read(path, as_version=4)
        assert committed == notebooks.notebook(assignment), (
            f"{path} is out of date: run .venv/bin/casework build-assignments"
        )


def test_the_source_is_committed_clean() -> None:
    for path in (EXERCISES / "source").rglob("*"):
        assert not path.name.endswith(".journey.json"), f"{path}: a journey file in source/"
        if path.suffix == ".ipynb":
            book = nbformat.read(path, as_version=4)
            assert all(not c.get("outputs") for c in book.cells), f"{path} has outputs"


def test_the_configuration_keeps_journeys_and_drops_widget_state() -> None:
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(EXERCISES)).load_config()
    exclude = config.Autograde.exclude_overwriting
    assert exclude == {a: [f"{c}.journey.json"] for a, c in ASSIGNMENTS.items()}
    assert config.ExecuteWithoutWidgetState.store_widget_state is False
    assert "Validator" not in config, "nbgrader ignores any setting of the validator's steps"
    assert set(ASSIGNMENTS) == {a.id for a in assignments.ASSIGNMENTS}


def test_every_command_runs_cleanly(term: Term) -> None:
    """No errors, and no warnings beyond the ones this course explains."""
    assert len(term.commands) >= 30
    for command in term.commands:
        for line in command.log.splitlines():
            assert "| ERROR]" not in line and "Traceback" not in line, (
                command.argv,
                line,
                command.log[-3000:],
            )
            if "| WARNING]" in line:
                assert any(w in line for w in EXPECTED_WARNINGS), (command.argv, line)


def test_the_guide_gives_every_command_as_the_term_ran_it(term: Term) -> None:
    """docs/educator-guide.md shows each command exactly as the term ran it (less the flags
    the test needs because its learners share one operating-system account)."""
    guide = " ".join(GUIDE.read_text(encoding="utf-8").split())
    missing = sorted({c.guide for c in term.commands if c.guide not in guide})
    assert missing == [], f"commands the term ran that the guide does not give: {missing}"
    assert "sudo" not in guide


def test_git_would_ignore_everything_the_term_left_in_the_course_folder(term: Term) -> None:
    """A whole term's files, as if they were in exercises/ in the repository: `git add -A`
    would add none of them but the configuration and the sources."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs git and the repository's checkout")
    made = sorted(
        f"exercises/{p.relative_to(term.course).as_posix()}"
        for p in term.course.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    )
    assert "exercises/students.csv" in made and "exercises/clarke-moodle.csv" in made
    done = subprocess.run(
        ["git", "check-ignore", "--no-index", "--stdin"],
        input="\n".join(made),
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    ignored = set(done.stdout.splitlines())
    kept = sorted(set(made) - ignored)
    assert kept == [
        "exercises/nbgrader_config.py",
        "exercises/source/clarke-reflection/clarke-reflection.ipynb",
        "exercises/source/keisha-reflection/keisha-reflection.ipynb",
    ]


# --- release and the learners' side ----------------------------------------------------------


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
        secrets_ = [
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
            for secret in secrets_:
                assert secret not in text, f"{path} gives away: {secret[:60]}"
            assert not words.search(text), f"{path} gives away the concept answer"
    released = [p for p in (term.course / "release").rglob("*") if p.is_file()]
    in_exchange = [p for p in term.exchange.rglob("*") if p.is_file()]
    assert not [p for p in released + in_exchange if p.suffix == ".db"]


def test_learners_see_the_rubric_before_they_write(term: Term) -> None:
    text = assignments.rubric_markdown()
    for path in sorted((term.course / "release").rglob("*.ipynb")):
        cells = [c.source for c in nbformat.read(path, as_version=4).cells]
        where = next(i for i, source in enumerate(cells) if text in source)
        first_answer = next(
            i for i, source in enumerate(cells) if "Write your answer here" in source
        )
        assert where < first_answer


def test_validate_reads_the_course_configuration_without_a_warning(term: Term) -> None:
    log = term.log("nbgrader", "validate")
    assert "not recognized" not in log
    assert "VALIDATION FAILED ON 5 CELL(S)" in log  # the trial left the sections empty
    assert log.count("You did not provide a response.") == 5


def test_the_learners_check_names_every_empty_section(term: Term) -> None:
    trial = next(c for c in term.commands if c.argv[:2] == ("casework", "check-work"))
    for number, (_, heading) in enumerate(assignments.SECTIONS, start=1):
        assert f"Section {number}, {heading} is empty" in trial.log
    assert "the journey reached an ending" in trial.log and '("reliability")' in trial.log
    amara = term.log("casework", "check-work", "clarke-reflection/clarke-reflection.ipynb")
    assert "Everything is ready" in amara and "Still to do" not in amara
    # The same check is the assignment's last cell: the marker sees what cara left empty.
    outputs = _cell(term.autograded("cara", "clarke-reflection"), "clarke-check-my-work").outputs
    printed = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert printed.count("is empty") == 5, printed


def test_submit_runs_from_the_folder_that_holds_the_assignment(term: Term) -> None:
    """From inside the assignment folder nbgrader submit fails, as the guide and the notebook
    warn; from the folder above it (where fetch put it) it works."""
    inside = term.homes["ben"] / "clarke-reflection"
    assert f"Assignment not found at: {inside / 'clarke-reflection'}" in term.submit_inside
    submitted = term.exchange / COURSE_ID / "inbound"
    assert sorted({p.name.split("+")[0] for p in submitted.iterdir()}) == sorted(
        THROUGH_THE_EXCHANGE
    )


# --- autograde -------------------------------------------------------------------------------


def _grades(term: Term, assignment: str) -> dict[str, dict[str, str]]:
    rows = term.export(f"{assignment}-grades.csv")
    return {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}


def test_each_learner_gets_the_expected_score(term: Term) -> None:
    for assignment, expected in EXPECTED.items():
        grades = _grades(term, assignment)
        assert set(grades) == set(STUDENTS)
        for student, score in expected.items():
            row = grades[student]
            assert float(row["score"]) == pytest.approx(score), (assignment, student, row)
            assert float(row["max_score"]) == 28
            assert row["all_marked"] == "yes", (assignment, student)


def test_the_gradebook_records_why(term: Term) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with _gradebook(term.course) as gradebook:
            for assignment, case in ASSIGNMENTS.items():

                def grade(cell: str, student: str, a: str = assignment) -> Any:
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
            assert grade("clarke-journey-ended", "ben", "clarke-reflection").manual_score == 2


def test_journeys_survive_autograde(term: Term) -> None:
    for assignment, case in ASSIGNMENTS.items():
        for student in STUDENTS:
            submitted = term.course / "submitted" / student / assignment / f"{case}.journey.json"
            graded = term.course / "autograded" / student / assignment / f"{case}.journey.json"
            assert graded.read_bytes() == submitted.read_bytes(), (student, assignment)


def test_autograded_notebooks_are_small_and_quiet(term: Term) -> None:
    for assignment, case in ASSIGNMENTS.items():
        for student in STUDENTS:
            path = term.course / "autograded" / student / assignment / f"{assignment}.ipynb"
            book = nbformat.read(path, as_version=4)
            assert "widgets" not in book.metadata, "widget state was stored"
            assert path.stat().st_size < 100_000
            play_outputs = _cell(book, f"{case}-play").outputs
            assert any(
                "application/vnd.jupyter.widget-view+json" in o.get("data", {})
                for o in play_outputs
            ), f"the player did not draw for {student}"
            for cell in book.cells:
                if cell.metadata.get("nbgrader", {}).get("grade") and cell.cell_type == "code":
                    streams = [o for o in cell.outputs if o.output_type == "stream"]
                    assert all(o.name == "stdout" for o in streams), (student, cell.source)


def test_markers_read_the_path_against_the_study_s_as_text(term: Term) -> None:
    """The player is a widget no marked notebook can draw: its place says so in words, and the
    locked cell after it prints the path, the study path's choices, the ending and the chart."""
    scenario = load_case("clarke")
    for student in STUDENTS:
        book = term.autograded(student, "clarke-reflection")
        play_cell = _cell(book, "clarke-play")
        shown = [o["data"]["text/plain"] for o in play_cell.outputs if "data" in o]
        assert shown == [WIDGET_NOTE], shown
        outputs = _cell(book, "clarke-path-record").outputs
        record = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
        assert record.startswith(f"Your path through {scenario.title}"), record[:200]
        assert "You chose:" in record and "The study's path:" in record
        assert "The study's ending:" in record and scenario.case.dimensions[0].label in record
        assert "VBox" not in json.dumps(book)
    cara = "".join(
        o.get("text", "")
        for o in _cell(term.autograded("cara", "clarke-reflection"), "clarke-path-record").outputs
    )
    first_scene = scenario.case.scenes[0]
    assert first_scene.choices[-1].label in cara  # cara took the last option everywhere
    assert (
        "Your ending: " + scenario.endings[play(scenario, _other_path(scenario)).ending].title
        in cara
    )


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
        graded = _cell(term.autograded("dev", assignment), cell_id)
        assert submitted.source != original
        assert graded.source == original, "autograde did not put the locked cell back"
        assert any(o.output_type == "error" for o in graded.outputs)

        # 1. nbgrader's autograde log names the cell for dev, alongside the cells it restores
        #    for everyone (hidden tests, mark scheme).
        warned = warned_cells(term.log("nbgrader", "autograde", assignment))
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
        env=nbgrader_environment(term.tmp),
    )
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        "dev: clarke-reflection.ipynb: locked cell 'clarke-journey-ended' was edited; "
        "autograde restores it from the gradebook"
    ]


# --- late work --------------------------------------------------------------------------------


def test_the_late_penalty_comes_from_the_final_marks(term: Term) -> None:
    """nbgrader capped dev's penalty at his autograde score (2); the course's feedback step
    applied the course's policy to his final marks: two days late, 2.8 points."""
    autograde = term.log("nbgrader", "autograde", "clarke-reflection")
    assert "Late submission penalty: 2.0" in autograde
    grades = _grades(term, "clarke-reflection")
    assert (grades["dev"]["late"], grades["dev"]["late_by"]) == ("yes", "1 day 2 hours")
    assert float(grades["dev"]["late_penalty"]) == pytest.approx(DEV_PENALTY)
    assert float(grades["dev"]["raw_score"]) == 15
    for student in THROUGH_THE_EXCHANGE:
        assert (grades[student]["late"], grades[student]["late_penalty"]) == ("no", "0")
    generated = term.log("casework", "feedback", "generate", "clarke-reflection")
    assert "dev: 1 day 2 hours late, 2.8 point(s) off" in generated


# --- moderation -------------------------------------------------------------------------------


def test_second_marks_are_kept_beside_the_first_and_agreement_is_reported(term: Term) -> None:
    kept = json.loads((term.course / "moderation" / "clarke-reflection.json").read_text())
    assert kept["sample"]["students"] == sorted(STUDENTS)  # a group of four: everyone
    assert "below the pass mark (11.2)" in kept["sample"]["why"]["cara"]
    for student in STUDENTS:
        first, second = kept["first"][student], kept["second"][student]
        assert (first["marker"], second["marker"]) == ("A. Lecturer", "B. Moderator")
        assert datetime.fromisoformat(first["recorded"]) <= datetime.fromisoformat(
            second["recorded"]
        )
        sections, level = HAND_MARKS[student]
        assert [first["levels"][c] for c in CRITERIA] == [*(sections or (0,) * 5), level]
        assert [second["levels"][c] for c in CRITERIA] == list(SECOND_MARKS[student])
    sheet = (term.course / "moderation" / "clarke-reflection-second-marking.csv").read_text()
    assert "A. Lecturer" not in sheet  # the sheet the second marker got: no first marks

    report = term.log("casework", "moderation", "report", "clarke-reflection")
    assert "A. Lecturer (first" in report and "B. Moderator (second" in report
    for number, criterion in enumerate(CRITERIA):
        first = [kept["first"][s]["levels"][criterion] for s in sorted(STUDENTS)]
        second = [SECOND_MARKS[s][number] for s in sorted(STUDENTS)]
        kappa = weighted_kappa(first, second, "quadratic")
        line = next(ln for ln in report.splitlines() if ln.startswith(_criterion_name(criterion)))
        assert ("-" if kappa is None else f"{kappa:.2f}") in line.split()[-3:], line
    assert "ben: 1. The decision and the dilemma: A. Lecturer gave 3, B. Moderator gave 1" in report


def _criterion_name(criterion: str) -> str:
    from casework.grading.moderation import CRITERION_NAMES

    return CRITERION_NAMES[criterion]


# --- feedback ---------------------------------------------------------------------------------


def test_feedback_never_shows_the_mark_scheme(term: Term) -> None:
    for assignment in assignments.ASSIGNMENTS:
        for student in STUDENTS:
            html = term.feedback(student, assignment.id).read_text(encoding="utf-8")
            assert "MARK SCHEME" not in html
            assert "Mark the" not in html and "thinking, not the path" not in html
            score = f"{EXPECTED[assignment.id][student]:g}"
            assert re.search(rf"Score:\s*{re.escape(score)}\s*/\s*28", html), (
                student,
                assignment.id,
            )


def test_feedback_reaches_everyone_through_the_exchange_but_dev(term: Term) -> None:
    released = term.log("casework", "feedback", "release", "clarke-reflection")
    assert "released through the exchange for 3 learner(s): amara, ben, cara" in released
    assert "dev: handed in without nbgrader submit (no submission_secret.txt)" in released
    assert "feedback/dev/clarke-reflection/clarke-reflection.html" in released
    outbound = sorted((term.exchange / COURSE_ID / "feedback").glob("*.html"))
    assert len(outbound) == 3
    fetched = sorted(
        term.homes["amara"].glob("clarke-reflection/feedback/*/clarke-reflection.html")
    )
    assert len(fetched) == 1
    assert fetched[0].read_bytes() == term.feedback("amara").read_bytes()


def _fetched_feedback(term: Term) -> Path:
    return next(term.homes["amara"].glob("clarke-reflection/feedback/*/clarke-reflection.html"))


#: What a learner must never meet on their feedback page.
NOT_FOR_LEARNERS = (
    "Traceback",
    "AssertionError",
    "assert ",
    "HIDDEN TESTS",
    "BEGIN SOLUTION",
    "Test cell",
    "Student's answer",
    "Grade cell",
    "answer.strip",
    "casework.testing",
    "replay(",
)


def test_the_learner_s_feedback_page_is_plain_words_in_chromium(page: Page, term: Term) -> None:
    descriptors = rubric()
    pages = {
        "amara": _fetched_feedback(term),
        "ben": term.feedback("ben"),
        "dev": term.feedback("dev"),
    }
    for student, path in pages.items():
        page.goto(path.as_uri())
        text = page.locator("body").inner_text()
        for never in NOT_FOR_LEARNERS:
            assert never not in text, (student, never)
        assert page.locator("script").count() == 0
        assert f"Score: {EXPECTED['clarke-reflection'][student]:g} / 28" in text
        sections, level = HAND_MARKS[student]
        for number, (criterion, mark) in enumerate(zip(CRITERIA, [*sections, level], strict=True)):
            named = descriptors[criterion].level(mark)
            assert named is not None
            assert f"What level {mark} asks for: {named.text}" in " ".join(text.split()), (
                student,
                criterion,
            )
            if number < 5:
                assert f"Section mark {mark}." in text
        assert f"Overall level {level}." in text
        assert "My reflection on decision in the clarke case" in text
        assert "Your path through the case" in text and "You chose:" in text
    ben = term.feedback("ben").read_text(encoding="utf-8")
    assert "Your tutor changed this mark from 0 to 2" in ben
    assert OVERRIDE in ben
    dev = term.feedback("dev").read_text(encoding="utf-8")
    assert "Handed in 1 day 2 hours after the deadline: 2.8 point(s)" in dev


# --- marking in formgrader --------------------------------------------------------------------


@pytest.fixture
def marking_formgrader(term: Term, tmp_path: Path) -> Iterator[tuple[Server, str, Path]]:
    """Formgrader (a real Jupyter Server with nbgrader's extensions) on a copy of the term's
    course, on 127.0.0.1 with a random token; stopped when the test ends."""
    course = tmp_path / "course"
    shutil.copytree(term.course, course)
    port = free_port()
    token = secrets.token_hex(16)
    env = nbgrader_environment(tmp_path)
    env["JUPYTER_CONFIG_DIR"] = str(tmp_path / "jupyter-config")
    command = [
        str(BIN / "jupyter"),
        "server",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        "--ServerApp.open_browser=False",
        "--ServerApp.allow_root=True",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={course}",
        "--ServerApp.jpserver_extensions={'nbgrader.server_extensions.formgrader': True}",
    ]
    try:
        with running(
            command,
            f"http://127.0.0.1:{port}",
            log=tmp_path / "jupyter-server.log",
            env=env,
            cwd=course,
            ready=f"/formgrader/api/status?token={token}",
            timeout=120,
        ) as server:
            yield server, token, course
    except ServerFailed as failure:
        pytest.fail(str(failure))


def _saved_score(url: str, token: str, submission: str, cell: str, wanted: float) -> float | None:
    deadline = time.monotonic() + 60
    while True:
        status, body = get(f"{url}/formgrader/api/grades?submission_id={submission}&token={token}")
        assert status == 200, body[:300]
        score = {g["name"]: g["manual_score"] for g in json.loads(body)}.get(cell)
        if score == wanted or time.monotonic() > deadline:
            return score
        time.sleep(0.3)


#: Formgrader has loaded the saved marks, and each criterion's levels show the one given.
SHOWN = """() => window.formgrader && formgrader.grades && formgrader.grades.loaded
  && document.querySelectorAll('.casework-levels input:checked').length === 6"""


def test_markers_choose_each_criterion_s_level_beside_its_descriptors(
    page: Page, term: Term, marking_formgrader: tuple[Server, str, Path]
) -> None:
    server, token, _ = marking_formgrader
    status, body = get(
        f"{server.url}/formgrader/api/submitted_notebooks/clarke-reflection/clarke-reflection"
        f"?token={token}"
    )
    assert status == 200, body[:300]
    submission = {e["student"]: e["id"] for e in json.loads(body)}["amara"]
    page.goto(f"{server.url}/login?next=%2Fformgrader")
    page.get_by_label("Password or token:").fill(token)
    page.locator("#login_submit").click()
    page.wait_for_url(f"{server.url}/formgrader**")
    page.goto(f"{server.url}/formgrader/submissions/{submission}/")
    page.wait_for_function(SHOWN)
    descriptors = rubric()
    for criterion in CRITERIA:
        levels = page.locator(f'fieldset.casework-levels[data-grade-id="clarke-{criterion}"]')
        labels = [" ".join(t.split()) for t in levels.locator("label").all_inner_texts()]
        assert len(labels) == 5, labels  # levels 1 to 4, and 0
        for level in descriptors[criterion].levels:
            assert any(
                label.startswith(f"Level {level.level}") and level.text in label for label in labels
            ), (criterion, level.level)
        # The level given in the gradebook shows on the levels, beside the cell.
        sections, overall = HAND_MARKS["amara"]
        given = [*sections, overall][CRITERIA.index(criterion)]
        assert levels.locator(f'input[value="{given}"]').is_checked(), criterion
        # The descriptors sit beside the writing, in the same panel as the score box.
        panel = page.locator(".nbgrader_cell", has=levels)
        assert panel.locator(f"input.score#clarke-{criterion}").count() == 1
        box, side = panel.locator(".casework-writing").bounding_box(), levels.bounding_box()
        assert box and side and side["x"] > box["x"] + box["width"] - 1, criterion
    # Choosing a level saves it, through formgrader's own code.
    page.locator('fieldset[data-grade-id="clarke-feelings"] input[value="2"]').check()
    assert _saved_score(server.url, token, submission, "clarke-feelings", 2) == 2
    assert page.locator("input.score#clarke-feelings").input_value() == "2"
    page.locator('fieldset[data-grade-id="clarke-overall-level"] input[value="4"]').check()
    assert _saved_score(server.url, token, submission, "clarke-overall-level", 4) == 4
    page.reload()
    page.wait_for_function(SHOWN)
    assert page.locator('fieldset[data-grade-id="clarke-feelings"] input[value="2"]').is_checked()
    # The player's place and the record of the path, as the marker reads them.
    text = page.locator("body").inner_text()
    assert "VBox" not in text and "The case player" in text and "You chose:" in text


# --- grades for a learning environment --------------------------------------------------------


def test_the_moodle_file_is_in_moodle_s_import_format(term: Term) -> None:
    """Moodle's CSV grade import (docs.moodle.org, Grade import): the user fields of Moodle's
    own export first, one grade column per item, every row as long as the header, every grade a
    number (or empty, which leaves the grade alone)."""
    rows = term.export("clarke-moodle.csv")
    header = rows[0]
    assert header[:4] == ["First name", "Last name", "ID number", "Email address"]
    title = assignments.find_assignment("clarke-reflection").title  # type: ignore[union-attr]
    assert header[4:] == [
        f"{title}: Journey check",
        f"{title}: Concept question",
        *(f"{title}: {n}. {h}" for n, (_, h) in enumerate(assignments.SECTIONS, 1)),
        f"{title}: Overall level of reflection",
        f"{title}: late penalty",
        f"{title}: total",
    ]
    assert all(len(row) == len(header) for row in rows)
    by_id = {row[2]: row for row in rows[1:]}
    assert sorted(by_id) == sorted(STUDENTS) and len(by_id) == len(rows) - 1
    for student, row in by_id.items():
        assert row[0:2] == list(NAMES[student]) and row[3] == f"{student}@example.ac.uk"
        for value in row[4:]:
            float(value)  # Moodle refuses a grade that is not a number
        assert float(row[-1]) == pytest.approx(EXPECTED["clarke-reflection"][student])
    assert float(by_id["dev"][-2]) == pytest.approx(DEV_PENALTY)


def test_the_canvas_file_follows_canvas_s_import_rules(term: Term) -> None:
    """Canvas's gradebook importer (instructure/canvas-lms, app/models/gradebook_importer.rb):
    the header starts "Student", "ID"; "SIS User ID" then "SIS Login ID"; the student columns
    end with "Section"; a "Points Possible" row; no assignment column named like the columns
    Canvas computes itself; a learner found by SIS Login ID or by "Last, First"."""
    rows = term.export("clarke-canvas.csv")
    header = rows[0]
    assert len(header) > 3 and "Student" in header[0] and "ID" in header[1]
    assert re.search(r"SIS\s+User\s+ID", header[2]) and re.search(r"SIS\s+Login\s+ID", header[3])
    assert "Section" in header[4]  # the last student column, as Canvas checks
    assignments_ = header[5:]
    reserved = {
        "Student",
        "LastName",
        "FirstName",
        "ID",
        "SIS User ID",
        "SIS Login ID",
        "Section",
        "Integration ID",
        "Root Account",
    }
    computed = re.compile(
        "Current Score|Current Points|Current Grade|Final Score|Final Points|"
        "Final Grade|Override Score|Override Grade|Override Status"
    )
    assert not [a for a in assignments_ if a in reserved or computed.search(a)]
    assert len(set(assignments_)) == len(assignments_)
    points = rows[1]
    assert points[0] == "Points Possible" and points[1:5] == ["", "", "", ""]
    assert [float(p) for p in points[5:]] == [2, 2, 4, 4, 4, 4, 4, 4, 28]
    learners = rows[2:]
    assert all(len(row) == len(header) for row in rows)
    for row in learners:
        student = row[3]
        first, last = NAMES[student]
        assert row[0] == f"{last}, {first}" and row[1] == "" and row[4] == ""
        marks = [float(v) for v in row[5:]]  # Canvas reads a score as a number
        assert marks[-1] == pytest.approx(EXPECTED["clarke-reflection"][student])
    assert sorted(row[3] for row in learners) == sorted(STUDENTS)


def test_the_export_refuses_a_name_the_gradebook_does_not_hold(term: Term, tmp_path: Path) -> None:
    for wrong, said in (
        (
            "clarke",
            "the gradebook has no assignment 'clarke'; its assignments are: "
            "clarke-reflection, keisha-reflection",
        ),
        ("[clarke-reflection]", "without brackets: clarke-reflection"),
    ):
        out = tmp_path / "wrong.csv"
        with _here(term.course):
            result = invoke(["grades", "export", wrong, "--format", "csv", "--to", str(out)])
        assert result.exit_code == 1 and said in result.stderr, result.stderr
        assert not out.exists()


# --- the cohort report -----------------------------------------------------------------------


def test_the_cohort_report_withholds_every_small_count(term: Term) -> None:
    report = (term.course / "cohort-report.html").read_text(encoding="utf-8")
    assert len(report.encode()) < 300_000  # no plotly.js inside: SVG drawn in the page
    assert "<script" not in report
    assert "fewer than 5" in report
    # No count from 1 to 4 is shown in any table: every learner count cell is 0 or withheld.
    cells = re.findall(r'<td class="number[^"]*">([^<]*)</td>', report)
    assert cells and not [c for c in cells if c.strip() in {"1", "2", "3", "4"}], cells
    assert "4 journey(s)" in report  # the whole group is shown: it points to no one
    for student in STUDENTS:
        assert not re.search(rf"\b({student}|{NAMES[student][1]})\b", report, re.I), student
    assert "My reflection on" not in report and "submitted" not in report
