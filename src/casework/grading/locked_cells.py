"""The locked cells that learners changed in their submissions.

nbgrader's autograde quietly puts every locked cell back as it was in the source before it
runs a notebook, so an edited instruction or check can never change a mark. Its log does say
so ("Attribute 'checksum' for cell ... has changed!"), but it says the same, for every learner,
about the cells that hold hidden tests or a mark scheme, because those are restored on purpose
(nbgrader issue #1961). This gives the precise list: it compares each submitted notebook with
the released version the learners were given, cell by cell, and names only real changes.

Educators run it as ``casework locked-cells ASSIGNMENT`` from the course root (or with
``--course``); it reads files only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nbformat


@dataclass(frozen=True)
class Edit:
    """One locked cell a learner changed."""

    student: str
    notebook: str
    cell: str
    what: str

    def line(self) -> str:
        return (
            f"{self.student}: {self.notebook}: locked cell '{self.cell}' {self.what}; "
            "autograde restores it from the gradebook"
        )


def _locked_cells(book: nbformat.NotebookNode) -> dict[str, nbformat.NotebookNode]:
    cells = {}
    for cell in book.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        locked = meta.get("locked") or (meta.get("grade") and not meta.get("solution"))
        if locked and meta.get("grade_id"):
            cells[meta["grade_id"]] = cell
    return cells


def _all_cells(book: nbformat.NotebookNode) -> dict[str, nbformat.NotebookNode]:
    cells = {}
    for cell in book.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id:
            cells[grade_id] = cell
    return cells


def edits(course: Path, assignment: str) -> list[Edit]:
    """Every locked cell changed in ``submitted/*/<assignment>/`` against ``release/``."""
    released_folder = course / "release" / assignment
    if not released_folder.is_dir():
        raise FileNotFoundError(
            f"no released version at {released_folder}: run 'nbgrader generate_assignment "
            f"{assignment}' first"
        )
    found: list[Edit] = []
    for released_path in sorted(released_folder.glob("*.ipynb")):
        released = _locked_cells(nbformat.read(released_path, as_version=4))
        pattern = f"*/{assignment}/{released_path.name}"
        for submitted_path in sorted((course / "submitted").glob(pattern)):
            student = submitted_path.parent.parent.name
            try:
                submitted = _all_cells(nbformat.read(submitted_path, as_version=4))
            except Exception as error:  # a damaged notebook is worth a line, not a crash
                found.append(Edit(student, released_path.name, "*", f"could not be read ({error})"))
                continue
            for grade_id, original in released.items():
                cell = submitted.get(grade_id)
                if cell is None:
                    what = "was deleted"
                elif cell.cell_type != original.cell_type:
                    what = f"was changed from {original.cell_type} to {cell.cell_type}"
                elif cell.source != original.source:
                    what = "was edited"
                else:
                    continue
                found.append(Edit(student, released_path.name, grade_id, what))
    return found
