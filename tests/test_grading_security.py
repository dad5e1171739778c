"""Learner text is data, never markup: in formgrader, on the feedback page, in the cohort report.

A reflection holding ``<script>alert('hi')</script>`` once ran in formgrader, in the marker's
logged-in Jupyter session, and sat unescaped in the feedback page. Here 30 attacks (script tags,
event attributes, ``javascript:`` and ``data:`` links, SVG and MathML, markdown links, images and
reference links, autolinks, HTML entities, CSS that fetches, forms, refresh, ``base``, MathJax's
``\\href``) go through the course's real path:

- unit tests of ``casework.grading.escape`` and the preprocessors, with nbconvert's renderer;
- a real term in a temporary copy of ``exercises/``: ``generate_assignment``, two submissions
  whose five reflections (and three cells the learner added: markdown, raw HTML, and one
  flagged "already safe") hold every attack, with more in the concept answer's outputs (7) and
  in the saved journey;
  ``autograde`` (mallory with the course's configuration; early with the new steps turned off,
  as a notebook autograded before them), hand marks in the gradebook, ``generate_feedback``;
- headless Chromium opens the feedback pages, formgrader's own manual-grading page of each
  submission (a real Jupyter Server with nbgrader's extensions on 127.0.0.1) and the cohort
  report, and finds no dialog, no element carrying an attack's id (in any frame), no request
  to the trap server every fetching attack points at, and each learner's words shown as text.

Two controls open early's submission with the new steps turned off everywhere (the feedback
page, and formgrader) and check that the same browser checks see the attacks fire: the checks
can fail. The machine is offline, so the pages' MathJax (from a CDN) never loads: what keeps
MathJax off learner text is checked in the page's markup (its ignore classes, no ``$``).
"""

from __future__ import annotations

import base64
import html
import json
import re
import secrets
import shutil
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nbformat
import pytest
from nbformat import NotebookNode

from casework.catalog import load_case
from casework.grading import escape
from casework.grading.preprocessors import (
    LearnerTextAsText,
    OutputsAsText,
    restored_from_gradebook,
)
from casework.grading.run import NbgraderFailed, nbgrader_environment, run_nbgrader
from casework.testing import play_study_path
from casework.testing.servers import Server, ServerFailed, free_port, get, running
from conftest import seen_on

if TYPE_CHECKING:
    from playwright.sync_api import Page, Route

ROOT = Path(__file__).parents[1]
EXERCISES = ROOT / "exercises"
BIN = Path(sys.executable).parent
COURSE_ID = "holding-in-mind"
ASSIGNMENT = "clarke-reflection"
CASE = "clarke"
SECTIONS = ("decision", "feelings", "analysis", "perspectives", "learning")
GENERATED = ("release", "submitted", "autograded", "feedback", "source_with_tests")
#: mallory is autograded as the course is configured; early as before the fix (see above).
STUDENTS = ("mallory", "early")
#: Hand marks: five sections (1-4 each), then the overall level.
HAND_MARKS = ((4, 3, 2, 3, 4), 3)
#: 2 (journey ended) + 2 (right word) + 16 (sections) + 3 (level), out of 28.
EXPECTED_SCORE = 23
#: Steps that must not run for early's autograde (and the control feedback run).
WITHOUT_THE_FIX = ("--LearnerTextAsText.enabled=False", "--OutputsAsText.enabled=False")
PAYLOAD_ID = re.compile(r"xss-\d\d")


def _nbgrader_templates() -> str:
    from nbgrader.server_extensions.formgrader import handlers

    return str(handlers.template_path)


#: nbgrader's own templates (its feedback page, for the control).
NBGRADER_TEMPLATES = _nbgrader_templates()


def payloads(trap: str) -> dict[str, str]:
    """30 attacks, by id; each element they would make carries the id, each fetch goes to
    ``trap`` (the trap server's address), and each holds words a marker must still read."""
    return {
        "xss-01": "I felt <script id=\"xss-01\">alert('xss-01')</script> stuck with Kim.",
        "xss-02": f'<img id="xss-02" src="{trap}/xss-02.png" onerror="alert(\'xss-02\')"> '
        "an image that fails",
        "xss-03": '<svg id="xss-03" onload="alert(\'xss-03\')"><circle r="9"/></svg> a drawing',
        "xss-04": '<iframe id="xss-04" srcdoc="<script>parent.alert(\'xss-04\')</script>">'
        "</iframe> a frame",
        "xss-05": '<a id="xss-05" href="javascript:alert(\'xss-05\')">a link to click</a>',
        "xss-06": "[a markdown link](javascript:alert('xss-06')) for xss-06",
        "xss-07": f"![a markdown image]({trap}/xss-07.png) and "
        "![another](javascript:alert('xss-07')) for xss-07",
        "xss-08": "[a reference link][xss08] for xss-08\n\n[xss08]: javascript:alert('xss-08')",
        "xss-09": f"<javascript:alert('xss-09')> and <{trap}/xss-09> are autolinks",
        "xss-10": "[a data link](data:text/html;base64,PHNjcmlwdD5hbGVydCgxMCk8L3NjcmlwdD4=) "
        '<a id="xss-10" href="data:text/html,<script>alert(\'xss-10\')</script>">data</a>',
        "xss-11": "&lt;script id=\"xss-11\"&gt;alert('xss-11')&lt;/script&gt; typed as entities",
        "xss-12": "&#x3C;img id=\"xss-12\" src=x onerror=alert('xss-12')&#x3E; and "
        "&#60;b&#62;numeric&#60;/b&#62; references",
        "xss-13": f'<style id="xss-13">@import url("{trap}/xss-13.css"); '
        f"body {{ background: url('{trap}/xss-13-bg.png') }}</style> a style sheet",
        "xss-14": f'<form id="xss-14" action="{trap}/xss-14"><input id="xss-14-input" '
        'autofocus onfocus="alert(\'xss-14\')"><button formaction="javascript:alert(14)">'
        "Send</button></form> a form",
        "xss-15": f'<meta id="xss-15" http-equiv="refresh" content="0;url={trap}/xss-15"> '
        "a refresh",
        "xss-16": f'<object id="xss-16" data="{trap}/xss-16.html"></object>'
        f'<embed id="xss-16-embed" src="{trap}/xss-16.svg"> an object',
        "xss-17": f'<base id="xss-17" href="{trap}/xss-17/"> a base address',
        "xss-18": "Maths: $\\href{javascript:alert('xss-18')}{click the sum}$ and "
        "$$\\style{color:red}{\\cssId{xss-18}{x}}$$",
        "xss-19": '<math id="xss-19"><mi xlink:href="javascript:alert(\'xss-19\')">x</mi>'
        "</math> MathML",
        "xss-20": "<ScRiPt id=\"xss-20\">alert('xss-20')</sCrIpT> in mixed case",
        "xss-21": "<<script id=\"xss-21\">alert('xss-21');//<</script> "
        "<img id=\"xss-21b\" src=x onerror=alert('xss-21') broken tags",
        "xss-22": f'<div id="xss-22" style="background-image: url(\'{trap}/xss-22.png\')">'
        "a styled block</div>",
        "xss-23": f'<img id="xss-23" src="{trap}/xss-23.png" alt="a tracking pixel">',
        "xss-24": '<details id="xss-24" open ontoggle="alert(\'xss-24\')"><summary>more'
        "</summary>hidden</details>",
        "xss-25": '<video id="xss-25"><source onerror="alert(\'xss-25\')"></video> a video',
        "xss-26": '<a id="xss-26" href="&#106;avascript:alert(\'xss-26\')">an encoded '
        "javascript link</a>",
        "xss-27": f'<link id="xss-27" rel="stylesheet" href="{trap}/xss-27.css"> a link tag',
        "xss-28": '<noscript><p title="</noscript><img id=xss-28 src=x '
        "onerror=alert('xss-28')>\"></p></noscript> a mutation",
        "xss-29": "Brackets: \\(\\href{javascript:alert('xss-29')}{x}\\) and "
        "\\begin{equation}\\cssId{xss-29}{y}\\end{equation}",
        "xss-30": "`<img id=\"xss-30\" src=x onerror=alert('xss-30')>` in code, and\n\n"
        "    <script>alert('xss-30')</script> indented",
    }


def output_payloads(trap: str) -> str:
    """The concept answer, then outputs a learner's code can make (each attack has an id)."""
    broken_png = base64.b64encode(b"not a png").decode()
    return "\n".join(
        [
            'answer = "Reliability"',
            "from IPython.display import HTML, SVG, Javascript, Latex, Markdown, display",
            f'display(HTML(\'<img id="xss-41" src="{trap}/xss-41.png" '
            'onerror="alert(41)"><div id="xss-41b" class="alert alert-success">'
            "Score: 4 / 4</div>'))",
            'display(Javascript("alert(42)"))',
            f"display(Markdown('![x]({trap}/xss-43.png) <b id=\"xss-43\">bold</b>'))",
            'display(SVG(\'<svg xmlns="http://www.w3.org/2000/svg" id="xss-44" '
            f'onload="alert(44)"><image href="{trap}/xss-44.png"/></svg>\'))',
            "display(Latex(r'$\\href{javascript:alert(45)}{x}$'))",
            f"display({{'image/png': '{broken_png}'}}, raw=True, metadata={{'image/png': "
            "{'width': '1 id=xss-46 onerror=alert(46)'}})",
            f"display({{'image/png': '{broken_png}'}}, raw=True, metadata={{'filenames': "
            f"{{'image/png': '{trap}/xss-47.png'}}}})",
        ]
    )


# --- what a page may contain ----------------------------------------------------------------


class _Elements(HTMLParser):
    """Every element and all the text in an HTML fragment."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def elements(fragment: str) -> _Elements:
    parser = _Elements()
    parser.feed(fragment)
    parser.close()
    return parser


def typed(text: str) -> str:
    """What a page shows of a learner's text: every character, line endings as ``\\n``."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def rendered(markdown: str) -> str:
    """Markdown as nbgrader's formgrader and feedback templates render it (``markdown2html``,
    nbconvert's mistune renderer with its maths extension)."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    return str(markdown2html_mistune(markdown))


# --- unit: the escaping -----------------------------------------------------------------------

TRAP_FOR_UNITS = "http://127.0.0.1:9"
UNIT_PAYLOADS = payloads(TRAP_FOR_UNITS)


def test_there_are_at_least_20_attacks() -> None:
    assert len(UNIT_PAYLOADS) >= 20
    assert len(set(UNIT_PAYLOADS.values())) == len(UNIT_PAYLOADS)


@pytest.mark.parametrize("payload_id", sorted(UNIT_PAYLOADS))
def test_an_attack_renders_as_exactly_the_text_typed(payload_id: str) -> None:
    payload = UNIT_PAYLOADS[payload_id]
    source = escape.as_text(payload)
    inner = source[source.index(">") + 1 : source.rindex("<")]
    assert "\n" not in source and "<" not in inner and ">" not in inner
    page = elements(rendered(source))
    # One element, the course's own, with every character the learner typed as its text.
    assert [tag for tag, _ in page.tags] == ["div"], page.tags
    assert escape.LEARNER_TEXT_CLASS in (page.tags[0][1]["class"] or "").split()
    assert "".join(page.text).strip("\n") == typed(payload)
    assert escape.text_of(source) == typed(payload)
    assert escape.is_as_text(source) and not escape.is_as_text(payload)


def test_the_text_is_kept_character_for_character() -> None:
    awkward = "a & b < c > d \"e\" 'f' $g$ \\h `i` [j] !k *l* _m_\r\n\r\n  n\ro\t\u2028p\x00"
    source = escape.as_text(awkward)
    assert escape.text_of(source) == typed(awkward)
    assert "".join(elements(rendered(source)).text).strip("\n") == typed(awkward)
    for character in "<>\"'$\\`[]\n\r":
        assert character not in source[source.index(">") + 1 : source.rindex("<")]


def test_maths_and_markdown_never_see_a_delimiter() -> None:
    source = escape.as_text(UNIT_PAYLOADS["xss-18"] + UNIT_PAYLOADS["xss-29"])
    page = rendered(source)
    assert "$" not in page and "\\" not in page and "tex2jax_ignore" in page
    assert "mathjax_ignore" in page


def test_escaping_twice_changes_nothing() -> None:
    once = escape.as_text(UNIT_PAYLOADS["xss-01"])
    book = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(once)])
    LearnerTextAsText().preprocess(book, {})
    assert book.cells[0].source == once


def test_text_that_only_looks_escaped_is_escaped() -> None:
    """A learner cannot skip the escaping by typing its wrapper, nor with a metadata flag."""
    forged = escape.as_text("fine")[: -len("</div>")] + "<img src=x onerror=alert(1)></div>"
    assert not escape.is_as_text(forged)
    cell = nbformat.v4.new_markdown_cell(forged)
    cell.metadata["casework"] = {"learner_text": "shown as text"}
    book = nbformat.v4.new_notebook(cells=[cell])
    LearnerTextAsText().preprocess(book, {})
    assert escape.text_of(book.cells[0].source) == forged
    assert [tag for tag, _ in elements(rendered(book.cells[0].source)).tags] == ["div"]


def _nbgrader_cell(source: str, **meta: Any) -> NotebookNode:
    from nbgrader.utils import compute_checksum

    cell = nbformat.v4.new_markdown_cell(source)
    cell.metadata["nbgrader"] = {
        "grade": False,
        "grade_id": "a-cell",
        "locked": False,
        "schema_version": 3,
        "solution": False,
        "task": False,
        **meta,
    }
    cell.metadata.nbgrader["checksum"] = compute_checksum(cell)
    return cell


def test_only_cells_restored_from_the_gradebook_keep_their_markdown() -> None:
    educator = _nbgrader_cell("## Section 1\n\n[the rubric](#rubric)", locked=True)
    answer = _nbgrader_cell("<b>mine</b>", grade=True, solution=True, points=4)
    edited = _nbgrader_cell("## Section 1", locked=True)
    edited.source = "<script>alert(1)</script>"  # no longer what the gradebook holds
    no_id = _nbgrader_cell("<i>forged</i>", locked=True)
    del no_id.metadata.nbgrader["grade_id"]  # what autograde does to an id it does not know
    added = nbformat.v4.new_markdown_cell("<img src=x onerror=alert(1)>")
    raw = nbformat.v4.new_raw_cell(
        "<script>alert(1)</script>", metadata={"raw_mimetype": "text/html"}
    )
    book = nbformat.v4.new_notebook(cells=[educator, answer, edited, no_id, added, raw])
    originals = [c.source for c in book.cells]
    assert [restored_from_gradebook(c) for c in book.cells] == [True] + [False] * 5
    LearnerTextAsText().preprocess(book, {})
    assert book.cells[0].source == originals[0]
    for cell, original in zip(book.cells[1:], originals[1:], strict=True):
        assert escape.is_as_text(cell.source) and escape.text_of(cell.source) == original
        assert cell.metadata["casework"] == {"learner_text": "shown as text"}


def test_outputs_keep_text_and_images_and_lose_markup() -> None:
    cell = nbformat.v4.new_code_cell("show()")
    widget = {"model_id": "abc", "version_major": 2, "version_minor": 0}
    cell.outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={"text/html": "<img src=x onerror=alert(1)>", "text/plain": "<HTML object>"},
            metadata={"isolated": True},
        ),
        nbformat.v4.new_output("display_data", data={"application/javascript": "alert(2)"}),
        nbformat.v4.new_output(
            "display_data",
            data={"image/png": "aGk="},
            metadata={"image/png": {"width": "1 onerror=alert(3)"}, "filenames": {"x": "y"}},
        ),
        nbformat.v4.new_output(
            "execute_result",
            data={"application/vnd.jupyter.widget-view+json": widget, "text/plain": "Player"},
            execution_count=1,
        ),
        nbformat.v4.new_output("stream", name="stdout", text="<b>printed</b>\n"),
    ]
    book = nbformat.v4.new_notebook(cells=[cell])
    OutputsAsText().preprocess(book, {})
    html_out, js_out, png_out, widget_out, stream_out = book.cells[0].outputs
    assert html_out.data == {"text/plain": "<HTML object>"} and html_out.metadata == {}
    assert js_out.data == {"text/plain": "alert(2)"}
    assert png_out.data == {"image/png": "aGk="} and png_out.metadata == {}
    assert widget_out.data["application/vnd.jupyter.widget-view+json"] == widget
    assert stream_out.text == "<b>printed</b>\n"
    nbformat.validate(book)


# --- a real term ------------------------------------------------------------------------------


@dataclass
class Term:
    course: Path
    trap_port: int
    payloads: dict[str, str]
    #: Every learner-written markdown or raw cell's source, as submitted, per student.
    written: dict[str, list[str]]
    #: The submitted files' bytes, by path, taken before autograde.
    submitted: dict[Path, bytes]
    logs: dict[str, str] = field(default_factory=dict)

    @property
    def trap(self) -> str:
        return f"http://127.0.0.1:{self.trap_port}"

    def feedback(self, student: str, folder: str = "feedback") -> Path:
        return self.course / folder / student / ASSIGNMENT / f"{ASSIGNMENT}.html"

    def autograded(self, student: str) -> NotebookNode:
        path = self.course / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        return nbformat.read(path, as_version=4)


def _cell(book: NotebookNode, grade_id: str) -> NotebookNode:
    return next(c for c in book.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def _groups(items: list[str], count: int) -> list[list[str]]:
    return [items[number::count] for number in range(count)]


def _do_the_work(folder: Path, attacks: dict[str, str], trap: str) -> list[str]:
    """mallory's (and early's) work: the study's path, every attack in the reflections, in
    cells the learner added, in the concept answer's outputs and in the journey. Returns the
    source of every markdown or raw cell the learner wrote, in order."""
    scenario = load_case(CASE)
    journey = play_study_path(scenario).journey
    ids = [s.reflection.id for s in scenario.case.scenes if s.reflection]
    for reflection_id, group in zip(ids, _groups(list(attacks.values()), len(ids)), strict=True):
        journey.reflect(reflection_id, "In the player I wrote:\n\n" + "\n\n".join(group))
    journey.save(folder / f"{CASE}.journey.json")

    path = folder / f"{ASSIGNMENT}.ipynb"
    book = nbformat.read(path, as_version=4)
    _cell(book, f"{CASE}-concept-answer").source = output_payloads(trap)
    written = []
    for section, group in zip(SECTIONS, _groups(list(attacks), len(SECTIONS)), strict=True):
        text = f"My reflection on {section}.\n\n" + "\n\n".join(attacks[i] for i in group)
        _cell(book, f"{CASE}-{section}").source = text
        written.append(text)
    where = book.cells.index(_cell(book, f"{CASE}-decision")) + 1
    added = nbformat.v4.new_markdown_cell(
        "A note I added myself: " + attacks["xss-01"] + "\n" + attacks["xss-05"]
    )
    raw = nbformat.v4.new_raw_cell(
        "A raw cell: " + attacks["xss-02"] + attacks["xss-20"],
        metadata={"raw_mimetype": "text/html"},
    )
    # A cell that claims to have been made safe already: a flag in metadata proves nothing.
    # (A cell with made-up nbgrader metadata is refused by autograde, whole submission and all.)
    forged = nbformat.v4.new_markdown_cell(
        "Claims to be safe: " + attacks["xss-03"] + attacks["xss-24"],
        metadata={"casework": {"learner_text": "shown as text"}},
    )
    book.cells[where:where] = [added, raw, forged]
    nbformat.write(book, path)
    # In notebook order: decision, the three added cells, then the other four sections.
    return [written[0], added.source, raw.source, forged.source, *written[1:]]


def _nbgrader(tmp: Path, course: Path, logs: dict[str, str], *args: str) -> str:
    try:
        log = run_nbgrader(tmp, course, *args)
    except NbgraderFailed as error:
        pytest.fail(str(error))
    logs[f"{len(logs):02d} nbgrader {' '.join(args)}"] = log
    return log


def _enter_hand_marks(course: Path) -> None:
    from nbgrader.api import Gradebook

    sections, level = HAND_MARKS
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nbgrader's own SQLAlchemy use warns; not ours
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}", COURSE_ID) as gradebook:
            for student in STUDENTS:
                for section, mark in zip(SECTIONS, sections, strict=True):
                    grade = gradebook.find_grade(
                        f"{CASE}-{section}", ASSIGNMENT, ASSIGNMENT, student
                    )
                    grade.manual_score = mark
                gradebook.find_grade(
                    f"{CASE}-overall-level", ASSIGNMENT, ASSIGNMENT, student
                ).manual_score = level
            gradebook.db.commit()


@pytest.fixture(scope="module")
def term(tmp_path_factory: pytest.TempPathFactory) -> Term:
    """One assignment through nbgrader's real commands, with two hostile submissions."""
    tmp = tmp_path_factory.mktemp("grading-security")
    course = tmp / "course"
    shutil.copytree(
        EXERCISES,
        course,
        ignore=shutil.ignore_patterns("gradebook.db", "__pycache__", *GENERATED),
    )
    trap_port = free_port()
    attacks = payloads(f"http://127.0.0.1:{trap_port}")
    logs: dict[str, str] = {}
    _nbgrader(tmp, course, logs, "generate_assignment", ASSIGNMENT)
    written = {}
    for student in STUDENTS:
        folder = course / "submitted" / student / ASSIGNMENT
        shutil.copytree(course / "release" / ASSIGNMENT, folder)
        (folder / "timestamp.txt").write_text("2026-01-15 10:00:00.000000 UTC")
        written[student] = _do_the_work(folder, attacks, f"http://127.0.0.1:{trap_port}")
    submitted = {p: p.read_bytes() for p in (course / "submitted").rglob("*") if p.is_file()}
    _nbgrader(tmp, course, logs, "autograde", ASSIGNMENT, "--student=mallory")
    _nbgrader(tmp, course, logs, "autograde", ASSIGNMENT, "--student=early", *WITHOUT_THE_FIX)
    _enter_hand_marks(course)
    _nbgrader(tmp, course, logs, "generate_feedback", ASSIGNMENT)
    # The control: early's feedback as nbgrader made it before the fix (nbgrader's own page,
    # from its own template, without the learner-text steps), in a folder of its own.
    _nbgrader(
        tmp,
        course,
        logs,
        "generate_feedback",
        ASSIGNMENT,
        "--student=early",
        "--CourseDirectory.feedback_directory=feedback-without-the-fix",
        "--GenerateFeedback.exporter_class=nbconvert.exporters.HTMLExporter",
        "--HTMLExporter.template_name=feedback",
        f"--HTMLExporter.extra_template_basedirs={NBGRADER_TEMPLATES}",
        "--HTMLExporter.preprocessors=[]",
        *WITHOUT_THE_FIX,
    )
    return Term(course, trap_port, attacks, written, submitted, logs)


# --- the term, read from its files ---------------------------------------------------------


def test_every_command_runs_cleanly(term: Term) -> None:
    allowed = (
        "Attribute 'checksum' for cell",  # the hidden tests and mark scheme, put back
        "Alternative text is missing on",  # the images the learner's code shows
    )
    for command, log in term.logs.items():
        for line in log.splitlines():
            assert "| ERROR]" not in line and "Traceback" not in line, (command, line)
            if "| WARNING]" in line:
                assert any(reason in line for reason in allowed), (command, line)


def test_the_submitted_files_are_untouched(term: Term) -> None:
    after = {p: p.read_bytes() for p in (term.course / "submitted").rglob("*") if p.is_file()}
    assert after == term.submitted
    for student in STUDENTS:
        journey = term.course / "autograded" / student / ASSIGNMENT / f"{CASE}.journey.json"
        submitted = term.course / "submitted" / student / ASSIGNMENT / journey.name
        assert journey.read_bytes() == submitted.read_bytes()


def test_autograde_shows_every_learner_cell_as_the_text_typed(term: Term) -> None:
    book = term.autograded("mallory")
    learner = [c for c in book.cells if c.cell_type in ("markdown", "raw")]
    learner = [c for c in learner if not restored_from_gradebook(c)]
    assert [escape.text_of(c.source) for c in learner] == [
        typed(t) for t in term.written["mallory"]
    ]
    assert all(escape.is_as_text(c.source) for c in learner)
    # The educator's cells are as they were: the rubric still renders as markdown.
    rubric = _cell(book, f"{CASE}-rubric")
    assert restored_from_gradebook(rubric) and not escape.is_as_text(rubric.source)
    # The concept answer's outputs are text, with no metadata.
    for output in _cell(book, f"{CASE}-concept-answer").outputs:
        if output.output_type == "display_data":
            assert set(output.data) <= {"text/plain", "image/png"} and not output.metadata


def test_the_control_submission_is_as_nbgrader_left_it_before_the_fix(term: Term) -> None:
    """early's autograded notebook still holds the raw attacks: what the fix must handle
    at feedback and in formgrader."""
    book = term.autograded("early")
    sources = "\n".join(c.source for c in book.cells)
    assert '<script id="xss-01">' in sources
    outputs = json.dumps([c.get("outputs", []) for c in book.cells])
    assert "xss-41" in outputs and "text/html" in outputs


def test_scores_and_hand_marks_are_unaffected(term: Term) -> None:
    from nbgrader.api import Gradebook

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with Gradebook(f"sqlite:///{term.course / 'gradebook.db'}", COURSE_ID) as gradebook:
            for student in STUDENTS:
                submission = gradebook.find_submission(ASSIGNMENT, student)
                assert submission.score == EXPECTED_SCORE, student
                journey = gradebook.find_grade(
                    f"{CASE}-journey-ended", ASSIGNMENT, ASSIGNMENT, student
                )
                check = gradebook.find_grade(
                    f"{CASE}-concept-check", ASSIGNMENT, ASSIGNMENT, student
                )
                assert (journey.auto_score, check.auto_score) == (2, 2), student
                for section in SECTIONS:
                    grade = gradebook.find_grade(
                        f"{CASE}-{section}", ASSIGNMENT, ASSIGNMENT, student
                    )
                    assert grade.auto_score is None and grade.manual_score is not None
    for student in STUDENTS:
        page = term.feedback(student).read_text(encoding="utf-8")
        assert re.search(rf"Score:\s*{EXPECTED_SCORE}(\.0)?\s*/\s*28", page), student


#: Elements none of nbgrader's feedback page's own markup uses.
SUSPECT_TAGS = frozenset({"iframe", "object", "embed", "base", "form", "svg", "math", "img"})


def _learner_texts(page: str) -> list[str]:
    """The text of each element holding learner text in a page (none holds an element)."""
    found = re.findall(
        rf'<div class="{escape.LEARNER_TEXT_CLASS}[^"]*"[^>]*>(.*?)</div>', page, re.S
    )
    assert all("<" not in inner for inner in found)
    return [html.unescape(inner) for inner in found]


def _an_output_image(tag: str, attrs: dict[str, str | None]) -> bool:
    """An image a code cell showed, as nbconvert draws it: its data, and nothing else."""
    source = attrs.get("src") or ""
    return (
        tag == "img"
        and set(attrs) <= {"src", "alt"}
        and re.fullmatch(r"data:image/(png|jpeg);base64,[A-Za-z0-9+/=\s]*", source) is not None
    )


def _learner_markup(page: str) -> list[str]:
    """Elements or attributes in a page that came from an attack."""
    found = []
    for tag, attrs in elements(page).tags:
        for name, value in attrs.items():
            if (
                name.startswith("on")
                or PAYLOAD_ID.search(value or "")
                or "javascript:" in (value or "")
            ):
                found.append(f"<{tag} {name}={value!r}>")
        suspect = tag in SUSPECT_TAGS or (tag == "meta" and "http-equiv" in attrs)
        if suspect and not _an_output_image(tag, attrs):
            found.append(f"<{tag} {attrs}>")
    return found


def test_the_feedback_html_holds_no_markup_from_learners(term: Term) -> None:
    for student in STUDENTS:
        page = term.feedback(student).read_text(encoding="utf-8")
        assert _learner_markup(page) == [], student
        scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", page, re.S | re.I)
        assert not [s for s in scripts if "alert" in s or "xss" in s], student
        shown = _learner_texts(page)
        for text in term.written[student]:
            assert typed(text) in shown, (student, text[:60])
    # The control (before the fix) is caught by the same check.
    assert _learner_markup(term.feedback("early", "feedback-without-the-fix").read_text())


# --- the pages, in a browser -----------------------------------------------------------------


@dataclass
class Trap:
    """The trap server every fetching attack points at; its log lists every request."""

    server: Server
    port: int

    def hits(self) -> list[str]:
        self.server.process.poll()
        lines = self.server.log.read_text(errors="replace").splitlines()
        return [
            line for line in lines if re.search(r'"[A-Z]+ /', line) and "/ready.txt" not in line
        ]


def _trap(term: Term, folder: Path) -> Any:
    root = folder / "trap-files"
    root.mkdir(parents=True, exist_ok=True)
    (root / "ready.txt").write_text("ready")
    command = [
        sys.executable,
        "-u",
        "-m",
        "http.server",
        str(term.trap_port),
        "--bind",
        "127.0.0.1",
        "--directory",
        str(root),
    ]
    return running(command, term.trap, log=folder / "trap.log", ready="/ready.txt", timeout=30)


def _keep_to(page: Page, trap_port: int, *origins: str) -> list[str]:
    """Requests to anywhere but ``origins`` and the trap are refused, and listed (the machine
    is offline, and nbconvert's templates ask a CDN for MathJax); so is a navigation to the
    trap (a refresh), answered so that the page stays to be looked at."""
    refused: list[str] = []
    trap = f"http://127.0.0.1:{trap_port}/"

    def decide(route: Route) -> None:
        request = route.request
        if request.url.startswith(trap) and request.is_navigation_request():
            refused.append(request.url)
            route.fulfill(status=204)  # "no content": the browser stays where it is
        elif request.url.startswith(("file:", "data:", trap, *origins)):
            route.continue_()
        else:
            refused.append(request.url)
            route.abort()

    page.route("**/*", decide)
    return refused


LOOK = """
() => {
  const found = [];
  for (const element of document.querySelectorAll('*')) {
    if (/xss-\\d\\d/.test(element.id)) found.push(element.tagName + '#' + element.id);
  }
  return {
    found,
    frames: document.querySelectorAll('iframe, frame, object, embed').length,
    learner: [...document.querySelectorAll('.casework-learner-text')].map(e => ({
      text: e.textContent, children: e.childElementCount, visible: e.offsetHeight > 0,
    })),
    links: [...document.querySelectorAll('a[href]')]
      .map(a => a.getAttribute('href')).filter(h => /^\\s*(javascript|data):/i.test(h)),
  };
}
"""


def _looked(page: Page) -> dict[str, Any]:
    """What the page holds, from every frame (the main page and any frame inside it)."""
    seen: dict[str, Any] = {"found": [], "frames": 0, "learner": [], "links": []}
    for frame in page.frames:
        result = frame.evaluate(LOOK)
        for key in seen:
            seen[key] += result[key]
    seen["frames_in_page"] = len(page.frames)
    return seen


def _settle(page: Page) -> None:
    """Time for anything delayed (a refresh, an image that fails, a focus) to happen."""
    page.wait_for_load_state("load")
    time.sleep(1.5)


def _assert_inert(page: Page, trap: Trap, expected: list[str], where: str) -> dict[str, Any]:
    assert seen_on(page).dialogs == [], (where, seen_on(page).dialogs)
    assert not [u for u in seen_on(page).requests if f":{trap.port}/" in u], where
    assert trap.hits() == [], (where, trap.hits())
    looked = _looked(page)
    assert looked["found"] == [], (where, looked["found"])
    assert looked["links"] == [], (where, looked["links"])
    assert looked["frames_in_page"] == 1 and looked["frames"] == 0, (where, looked)
    texts = [item["text"] for item in looked["learner"]]
    for text in expected:
        assert typed(text) in texts, (where, text[:80])
    assert all(item["children"] == 0 and item["visible"] for item in looked["learner"]), where
    return looked


def test_the_feedback_page_shows_attacks_as_text_in_chromium(
    page: Page, term: Term, tmp_path: Path
) -> None:
    refused = _keep_to(page, term.trap_port)
    with _trap(term, tmp_path) as server:
        trap = Trap(server, term.trap_port)
        for student in STUDENTS:
            url = term.feedback(student).as_uri()
            page.goto(url)
            _settle(page)
            assert page.url == url, f"{student}: the page went to {page.url}"
            _assert_inert(page, trap, term.written[student], f"feedback for {student}")
            assert page.get_by_text("My reflection on decision.").count() == 1
    assert all("127.0.0.1" not in u for u in refused), refused


def test_the_browser_checks_catch_the_attacks_without_the_fix(
    page: Page, term: Term, tmp_path: Path
) -> None:
    """The control: nbgrader's feedback page before the fix, where the attacks do fire."""
    refused = _keep_to(page, term.trap_port)
    with _trap(term, tmp_path) as server:
        trap = Trap(server, term.trap_port)
        page.goto(term.feedback("early", "feedback-without-the-fix").as_uri())
        _settle(page)
        with pytest.raises(AssertionError):
            _assert_inert(page, trap, [], "feedback without the fix")
        # Each kind of check sees something: dialogs, elements, frames, requests, a refresh.
        assert seen_on(page).dialogs, "no attack fired: the browser checks prove nothing"
        looked = _looked(page)
        assert looked["found"] and looked["frames"] and looked["links"], looked
        assert trap.hits()
        assert [u for u in refused if "/xss-15" in u], refused


@contextmanager
def _serve_formgrader(course: Path, folder: Path) -> Iterator[tuple[Server, str]]:
    """A real Jupyter Server run from ``course``, with nbgrader's extensions (formgrader among
    them), on 127.0.0.1 with a random token; stopped when the block ends."""
    port = free_port()
    token = secrets.token_hex(16)
    env = nbgrader_environment(folder)
    env["JUPYTER_CONFIG_DIR"] = str(folder / "jupyter-config")  # no user settings
    command = [
        str(BIN / "jupyter"),
        "server",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        "--ServerApp.open_browser=False",
        "--ServerApp.allow_root=True",  # CI runs as root
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={course}",
        "--ServerApp.jpserver_extensions={'nbgrader.server_extensions.formgrader': True}",
    ]
    try:
        with running(
            command,
            f"http://127.0.0.1:{port}",
            log=folder / "jupyter-server.log",
            env=env,
            cwd=course,
            ready=f"/formgrader/api/status?token={token}",
            timeout=120,
        ) as server:
            yield server, token
    except ServerFailed as failure:
        pytest.fail(str(failure))


@pytest.fixture
def formgrader(term: Term, tmp_path: Path) -> Iterator[tuple[Server, str]]:
    """Formgrader on the term's course, as the course is configured."""
    with _serve_formgrader(term.course, tmp_path) as served:
        yield served


@pytest.fixture
def formgrader_without_the_fix(term: Term, tmp_path: Path) -> Iterator[tuple[Server, str]]:
    """Formgrader on a copy of the term's course whose configuration leaves out the steps
    formgrader runs as it draws a page (the control)."""
    course = tmp_path / "course"
    shutil.copytree(term.course, course)
    with (course / "nbgrader_config.py").open("a", encoding="utf-8") as config:
        config.write("\nc.HTMLExporter.preprocessors = []\n")
    with _serve_formgrader(course, tmp_path) as served:
        yield served


def _log_in(page: Page, server: Server, token: str) -> None:
    """The marker logs in as on any Jupyter Server: the token, on the login page."""
    page.goto(f"{server.url}/login?next=%2Fformgrader")
    page.get_by_label("Password or token:").fill(token)
    page.locator("#login_submit").click()
    page.wait_for_url(f"{server.url}/formgrader**")


def _submission_ids(url: str, token: str) -> dict[str, str]:
    status, body = get(
        f"{url}/formgrader/api/submitted_notebooks/{ASSIGNMENT}/{ASSIGNMENT}?token={token}"
    )
    assert status == 200, body[:500]
    return {entry["student"]: entry["id"] for entry in json.loads(body)}


def _saved_comment(url: str, token: str, submission: str, wait: float = 60) -> str | None:
    """The feelings section's comment as the gradebook holds it, once it has been saved."""
    deadline = time.monotonic() + wait
    while True:
        status, body = get(
            f"{url}/formgrader/api/comments?submission_id={submission}&token={token}"
        )
        assert status == 200, body[:500]
        saved = {c["name"]: c["manual_comment"] for c in json.loads(body)}
        comment = saved.get(f"{CASE}-feelings")
        if comment or time.monotonic() > deadline:
            return comment
        time.sleep(0.3)


def test_formgrader_shows_attacks_as_text_and_marking_still_works(
    page: Page, term: Term, formgrader: tuple[Server, str], tmp_path: Path
) -> None:
    server, token = formgrader
    refused = _keep_to(page, term.trap_port, server.url)
    ids = _submission_ids(server.url, token)
    assert set(ids) == set(STUDENTS)
    _log_in(page, server, token)
    with _trap(term, tmp_path) as trap_server:
        trap = Trap(trap_server, term.trap_port)
        for student in STUDENTS:
            url = f"{server.url}/formgrader/submissions/{ids[student]}/"
            response = page.goto(url)
            assert response is not None and response.status == 200, student
            # formgrader's own script loads the marks and comments saved in the gradebook.
            decision = page.locator(f"input.score#{CASE}-decision")
            page.wait_for_function(
                "() => window.formgrader && formgrader.grades && formgrader.grades.loaded"
                " && formgrader.comments && formgrader.comments.loaded"
            )
            _settle(page)
            assert f"/formgrader/submissions/{ids[student]}/" in page.url, page.url
            _assert_inert(page, trap, term.written[student], f"formgrader for {student}")
            assert decision.input_value() == str(HAND_MARKS[0][0])
            assert page.get_by_text("Student's answer").count() > len(SECTIONS)
            # The marker's comment is saved through formgrader's own page and API, as always.
            comment = page.locator(f"textarea#{CASE}-feelings-comment")
            comment.fill(f"Seen in formgrader for {student}.")
            comment.blur()
            assert _saved_comment(server.url, token, ids[student]) == (
                f"Seen in formgrader for {student}."
            )
            assert seen_on(page).dialogs == []
    assert all(server.url not in u and str(term.trap_port) not in u for u in refused), refused


def test_the_formgrader_checks_catch_the_attacks_without_the_fix(
    page: Page, term: Term, formgrader_without_the_fix: tuple[Server, str], tmp_path: Path
) -> None:
    """The control: early's submission (autograded without the new steps) in a formgrader that
    does not run them either, as before the fix: the attacks fire in the marker's session."""
    server, token = formgrader_without_the_fix
    _keep_to(page, term.trap_port, server.url)
    early = _submission_ids(server.url, token)["early"]
    _log_in(page, server, token)
    with _trap(term, tmp_path) as trap_server:
        trap = Trap(trap_server, term.trap_port)
        page.goto(f"{server.url}/formgrader/submissions/{early}/")
        _settle(page)
        with pytest.raises(AssertionError):
            _assert_inert(page, trap, [], "formgrader without the fix")
        assert len(seen_on(page).dialogs) >= 5, seen_on(page).dialogs
        # An output's image metadata runs script even with sanitize_html on.
        assert "46" in seen_on(page).dialogs
        looked = _looked(page)
        assert looked["found"] and looked["frames"], looked
        assert trap.hits()


def test_the_cohort_report_holds_no_reflection_text(page: Page, term: Term, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    done = subprocess.run(
        [str(BIN / "casework"), "cohort", str(term.course / "submitted"), "--out", str(out)],
        capture_output=True,
        text=True,
        env=nbgrader_environment(tmp_path),
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = out.read_text(encoding="utf-8")
    assert "2 journey(s)" in report
    assert "In the player I wrote" not in report
    for attack in term.payloads.values():
        for line in typed(attack).split("\n"):
            if len(line) > 12:
                assert line not in report and html.escape(line) not in report, line
    assert not PAYLOAD_ID.search(report)

    refused = _keep_to(page, term.trap_port)
    with _trap(term, tmp_path) as server:
        trap = Trap(server, term.trap_port)
        page.goto(out.as_uri())
        _settle(page)
        looked = _assert_inert(page, trap, [], "the cohort report")
        assert looked["learner"] == []
        assert page.locator("svg.chart").count() >= 2  # the charts drew
    assert refused == [], refused
