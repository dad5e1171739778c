"""Marking with the rubric in formgrader: each criterion's levels beside the cell being marked.

nbgrader's formgrader gives every graded cell a bare number box, and the course's descriptors
sat in a long rubric cell far above the writing. The course's formgrader template
(``templates/casework-formgrade``, which extends nbgrader's own) draws each of the five section
cells and the overall-level cell in two columns: the learner's writing (or, for the overall
level, the mark scheme) on the left, and on the right that criterion's levels, each a button
with the rubric's descriptor. Choosing a level puts it in nbgrader's score box and saves it
through formgrader's own code, exactly as typing it would; the box and the comment stay where
they were, so the keyboard and the rest of formgrader work as before.

``RubricForMarkers`` (one of formgrader's drawing steps, ``HTMLExporter.preprocessors``) adds the
levels to each criterion cell's metadata for the template; nothing is written to any file.
``formgrader_template`` gives the settings ``exercises/nbgrader_config.py`` uses.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nbconvert.preprocessors import Preprocessor

from casework.grading.rubric import criterion_of, rubric

#: The course's formgrader template (a folder of ``TEMPLATES``).
TEMPLATE_NAME = "casework-formgrade"
TEMPLATES = Path(__file__).parent / "templates"


class RubricForMarkers(Preprocessor):
    """Each criterion cell gets its rubric levels in ``metadata.casework.rubric``."""

    def preprocess_cell(self, cell: Any, resources: Any, index: int) -> tuple[Any, Any]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        criterion = criterion_of(str(meta.get("grade_id", "")))
        # Only this step says what the rubric is: anything a submitted notebook claims goes.
        cell.get("metadata", {}).get("casework", {}).pop("rubric", None)
        if criterion and (meta.get("solution") or meta.get("task")) and meta.get("points"):
            about = rubric()[criterion]
            cell.metadata.setdefault("casework", {})["rubric"] = {
                "criterion": criterion,
                "title": about.title,
                "levels": [
                    {"level": level.level, "name": level.name, "text": level.text}
                    for level in about.levels
                ],
            }
        return cell, resources


def formgrader_template() -> dict[str, Any]:
    """``HTMLExporter`` settings that make formgrader draw pages with the course's template
    (nbgrader's own template folder stays on the path: the course's extends it)."""
    from nbgrader.server_extensions.formgrader import handlers

    return {
        "template_name": TEMPLATE_NAME,
        "extra_template_basedirs": [str(TEMPLATES), handlers.template_path],
        "extra_template_paths": [handlers.template_path],
    }


__all__ = ["TEMPLATES", "TEMPLATE_NAME", "RubricForMarkers", "formgrader_template"]
