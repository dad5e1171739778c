"""nbgrader preprocessors the course's configuration uses (``exercises/nbgrader_config.py``).

They live in the package, where they are tested, so the configuration file only says which
step uses which (nbgrader reads classes from a config file as readily as from a module).
"""

from __future__ import annotations

import collections
from typing import Any

from nbconvert.preprocessors import Preprocessor
from nbformat import NotebookNode
from nbgrader.converters import Autograde, GenerateSolution
from nbgrader.preprocessors import ClearMarkScheme, Execute, GetGrades
from traitlets import Bool, List

from casework.grading import escape


class ExecuteWithoutWidgetState(Execute):  # type: ignore[misc]
    """nbgrader's Execute, with ``store_widget_state = False`` made safe.

    nbclient 0.11 skips collecting widget state when it is off, but its stand-in for the Output
    widget still writes into that state, so any notebook whose Output widget receives output
    (the player's chart does) stops with a KeyError and the submission is not graded. Here the
    Output widget writes into a scratch store, and nothing is written into the notebook.
    """

    def reset_execution_trackers(self) -> None:
        super().reset_execution_trackers()
        self.widget_state: dict[str, dict[str, Any]] = collections.defaultdict(dict)

    def set_widgets_metadata(self) -> None:
        if self.store_widget_state:
            super().set_widgets_metadata()


def _without_widget_state(preprocessors: list[Any]) -> list[Any]:
    return [ExecuteWithoutWidgetState if p is Execute else p for p in preprocessors]


def autograde_preprocessors() -> list[Any]:
    """nbgrader's autograde steps, with the widget-safe Execute."""
    return _without_widget_state(Autograde.class_traits()["autograde_preprocessors"].default())


def generate_solution_preprocessors() -> list[Any]:
    """nbgrader's steps for a solution notebook, with the widget-safe Execute."""
    return _without_widget_state(GenerateSolution.class_traits()["preprocessors"].default())


class ClearMarkSchemeFromFeedback(ClearMarkScheme):  # type: ignore[misc]
    """nbgrader's ClearMarkScheme, declaring the one setting the feedback page passes to every
    step (without it, each run warns that ``display_data_priority`` is not recognised).

    Autograde puts the graders' mark scheme back into the task cell (so graders see it in
    formgrader); feedback is made from that notebook, so the mark scheme is stripped again
    before learners see their feedback.
    """

    display_data_priority = List(GetGrades.class_traits()["display_data_priority"].default()).tag(
        config=True
    )


# --- learner work, shown as text ------------------------------------------------------------

#: What a page may show of a code cell's output: text, images as data, and the reference to
#: a widget (inert: widget state is not stored, and the course's pages sanitise). Everything
#: else a kernel can send (HTML, markdown, LaTeX, SVG, JavaScript, diagrams) is markup.
SHOWN_OUTPUT_TYPES = frozenset(
    {"text/plain", "image/png", "image/jpeg", "application/vnd.jupyter.widget-view+json"}
)
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
#: What a page shows for a widget (the player) instead of its Python repr ("VBox(children=...)"):
#: widget state is not stored, so no page can draw it, and the record cell says what it held.
WIDGET_NOTE = (
    "[The case player: it runs only in a live notebook. The record of the path is printed "
    'further down, under "Your path as a record".]'
)
#: Markup an output may carry, in the order its source is kept as text when it has no text.
MARKUP_OUTPUT_TYPES = (
    "text/html",
    "text/markdown",
    "text/latex",
    "image/svg+xml",
    "application/javascript",
    "text/vnd.mermaid",
)


def restored_from_gradebook(cell: Any) -> bool:
    """Whether a cell's text is the educator's: a locked nbgrader cell with a grade id whose
    source matches the gradebook's checksum.

    Autograde's first pass (OverwriteCells) gives every cell with a known grade id its locked
    status and checksum from the gradebook, puts back the source of every locked one, and takes
    the grade id off a cell the gradebook does not know. Every other cell (an answer cell, one
    the learner added, one whose nbgrader metadata they made up) holds what the learner wrote.
    """
    meta = cell.get("metadata", {}).get("nbgrader", {})
    if not (meta.get("locked") and meta.get("grade_id") and meta.get("checksum")):
        return False
    from nbgrader.utils import compute_checksum

    try:
        return bool(compute_checksum(cell) == meta["checksum"])
    except (KeyError, TypeError, ValueError):
        return False


class LearnerTextAsText(Preprocessor):
    """Every markdown and raw cell the learner wrote, made to show as text on every page.

    nbgrader's formgrader and feedback pages render answer cells' markdown with any HTML in it
    live (``HTMLExporter.sanitize_html`` does not reach their templates), in the marker's
    logged-in session. This rewrites the source of each cell not restored from the gradebook
    (``restored_from_gradebook``) with ``casework.grading.escape.as_text``: the marker and the
    learner see every character that was typed, and nothing typed becomes an element, a link, a
    request or maths. Cells already in that form are left as they are (it runs at autograde, at
    feedback and when formgrader draws a page); the cell's metadata notes it under ``casework``.

    Run it after nbgrader has saved the autograded scores: an untouched answer cell scores 0
    because its source still matches its checksum, which this changes. The learner's submitted
    file is never touched (autograde writes a copy).
    """

    #: On by default. ``--LearnerTextAsText.enabled=False`` turns it off in nbgrader's own
    #: lists of steps; an exporter's ``preprocessors`` setting always turns its steps on.
    enabled = Bool(True).tag(config=True)

    def preprocess_cell(self, cell: Any, resources: Any, index: int) -> tuple[Any, Any]:
        if cell.cell_type in ("markdown", "raw") and not restored_from_gradebook(cell):
            if not escape.is_as_text(cell.source):
                cell.source = escape.as_text(cell.source)
            cell.metadata.setdefault("casework", {})["learner_text"] = "shown as text"
        return cell, resources


class OutputsAsText(Preprocessor):
    """Code cells' outputs kept to text and images: no markup a learner's code could send.

    Autograde runs the learner's code in the kernel that makes every output in the notebook,
    so any output can carry what the learner chose. nbconvert's ``sanitize_html`` strips
    scripts from HTML outputs but keeps elements, and its image template writes an output's
    ``width``/``height`` metadata into an unquoted attribute and its ``filenames`` metadata into
    ``src``. Here every output keeps only ``SHOWN_OUTPUT_TYPES`` (markup becomes its source as
    plain text when there is no text) and no metadata. The course's own cells print text and
    draw a widget, so nothing of theirs is lost; a widget's text (its Python repr) becomes
    ``WIDGET_NOTE``, a sentence a marker can read.
    """

    enabled = Bool(True).tag(config=True)

    def preprocess_cell(self, cell: Any, resources: Any, index: int) -> tuple[Any, Any]:
        if cell.cell_type != "code":
            return cell, resources
        for output in cell.get("outputs", []):
            if output.get("output_type") not in ("display_data", "execute_result"):
                continue
            data = output.get("data", {})
            kept = {kind: value for kind, value in data.items() if kind in SHOWN_OUTPUT_TYPES}
            if WIDGET_VIEW in kept:
                kept["text/plain"] = WIDGET_NOTE
            if "text/plain" not in kept:
                markup = next((data[kind] for kind in MARKUP_OUTPUT_TYPES if kind in data), None)
                if markup is not None:
                    kept["text/plain"] = markup if isinstance(markup, str) else "".join(markup)
            output["data"] = NotebookNode(kept)
            output["metadata"] = NotebookNode()
        return cell, resources


def learner_work_as_text() -> list[Any]:
    """The steps that make a notebook safe to show: learner text as text, outputs as text."""
    return [LearnerTextAsText, OutputsAsText]
