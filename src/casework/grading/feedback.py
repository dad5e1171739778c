"""The feedback page a learner reads: their reflections, their marks and what each mark means.

nbgrader's own feedback page is the autograded notebook drawn as HTML: the check cells' code
and tracebacks (still there after a marker overrides a mark), the hidden test with the words
it accepts, and headings such as "Test cell" and "Student's answer". This page is written for
the learner instead, from the same notebook and the same gradebook:

- the score, and any late penalty in words;
- for each of the five sections: the level given, what that level asks for (the rubric's own
  descriptor), the step to the next level, the marker's comment, and what the learner wrote;
- the overall level of reflection, in the same way;
- the two automatic checks, in words (no code, no traceback);
- the learner's path through the case as a record (``casework.grading.record``);
- anything else the learner wrote in the notebook.

It is an nbconvert exporter (``GenerateFeedback.exporter_class`` in the course's
``nbgrader_config.py``), so every way nbgrader makes feedback (``nbgrader generate_feedback``,
formgrader's button, ``casework feedback generate``) gives this page, and release and fetch
work on it as on nbgrader's. It runs after nbgrader's GetGrades (marks and comments from the
gradebook) and the course's learner-text steps, and it writes every piece of text escaped:
the learner's own words through ``casework.grading.escape`` (the same element formgrader
shows), the marker's comments and the case's text with ``html.escape``. The page holds no
script and asks nothing of the network.
"""

from __future__ import annotations

from typing import Any

from nbconvert.exporters import Exporter
from nbformat import NotebookNode
from traitlets import default


class LearnerFeedback(Exporter):
    """The course's feedback page as an nbconvert exporter (see the module docstring)."""

    output_mimetype = "text/html"

    @default("file_extension")
    def _file_extension_default(self) -> str:
        return ".html"

    def from_notebook_node(  # type: ignore[override]  # a page, as every HTML exporter gives
        self, nb: NotebookNode, resources: Any = None, **kw: Any
    ) -> tuple[str, Any]:
        from nbgrader.preprocessors import ClearSolutions

        from casework.grading.feedback_page import feedback_page

        book, resources = super().from_notebook_node(nb, resources, **kw)
        stub = ClearSolutions(config=self.config).text_stub
        return feedback_page(book, resources, stub), resources


__all__ = ["LearnerFeedback"]
