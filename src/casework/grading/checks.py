"""The learner's own check before they submit: which parts are done, and which are still empty.

``nbgrader validate`` (and the **Validate** button) runs the notebook and reports each
reflection left as its placeholder only as "You did not provide a response", without saying
which section, and it exits with 0 whatever it finds. This check reads the notebook as last
saved and says, part by part and in words, what is ready and what is still to do: the journey
(has it reached an ending?), the concept answer (one word?) and each of the five sections
(written, and how long, or still empty). The last cell of every assignment runs it
(``check_my_work``); ``casework check-work NOTEBOOK`` runs it from a terminal and exits with 1
while anything is still to do.

A section counts as empty while it still holds the placeholder nbgrader gave it
(``assignments.TEXT_STUB``, the course's ``ClearSolutions.text_stub``) or nothing but spaces.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from casework.grading.assignments import TEXT_STUB
from casework.grading.rubric import SECTIONS, criterion_of
from casework.journey import JourneyError
from casework.paths import replay


@dataclass(frozen=True)
class Item:
    ready: bool
    text: str


@dataclass
class WorkCheck:
    notebook: Path
    saved: datetime | None
    items: list[Item] = field(default_factory=list)

    @property
    def to_do(self) -> list[Item]:
        return [item for item in self.items if not item.ready]

    def report(self) -> str:
        if self.saved is None:
            return (
                f"{self.notebook.name} is not saved in this folder yet: save the notebook "
                "(Ctrl+S, or Cmd+S on a Mac), then run this cell again."
            )
        lines = [f"Your notebook as last saved ({self.notebook.name}, {self.saved:%d %b %H:%M}):"]
        for item in self.items:
            lines.append(("  Ready:       " if item.ready else "  Still to do: ") + item.text)
        if self.to_do:
            lines.append(
                f"{len(self.to_do)} thing(s) still to do before you submit. Save the notebook "
                "after writing (Ctrl+S, or Cmd+S on a Mac), then run this cell again."
            )
        else:
            lines.append("Everything is ready: save the notebook and submit it.")
        return "\n".join(lines)


def _empty(source: str) -> bool:
    """Whether a section still holds nbgrader's placeholder, or nothing. (Read from the text,
    not with nbgrader's checksum: importing nbgrader would cost every kernel two seconds.)"""
    return source.strip() in ("", TEXT_STUB)


def concept_answer(source: str) -> str | None:
    """The text between the quotes of ``answer = "..."`` in the concept answer cell, if any."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "answer" for t in node.targets)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            return node.value.value
    return None


def _journey_item(folder: Path, case: str) -> Item:
    journey = folder / f"{case}.journey.json"
    if not journey.exists():
        return Item(False, f"no saved journey ({journey.name}): play the case in the player.")
    try:
        played = replay(case, journey)
    except (JourneyError, FileNotFoundError) as error:
        return Item(False, f"the saved journey cannot be read ({error}).")
    if played.ending is None:
        return Item(False, "the journey has not reached an ending: carry on in the player.")
    title = played.scenario.endings[played.ending].title
    return Item(True, f"the journey reached an ending ({title}).")


def _source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def check_work(notebook: str | Path) -> WorkCheck:
    """What is ready and what is still to do in a saved assignment notebook. (The file is read
    as JSON: nbformat would cost the learner's kernel a second to import.)"""
    path = Path(notebook)
    if not path.exists():
        return WorkCheck(path, None)
    cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    check = WorkCheck(path, datetime.fromtimestamp(path.stat().st_mtime))
    answers: dict[str, str] = {}
    case = None
    for cell in cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        grade_id = str(meta.get("grade_id", ""))
        if grade_id.endswith("-concept-answer"):
            case = grade_id.removesuffix("-concept-answer")
            answers["concept"] = _source(cell)
        criterion = criterion_of(grade_id)
        if criterion and meta.get("solution"):
            answers[criterion] = _source(cell)
    if case is not None:
        check.items.append(_journey_item(path.parent, case))
    if "concept" in answers:
        word = concept_answer(answers["concept"])
        if word is None or len(word.split()) != 1:
            check.items.append(Item(False, "the concept answer needs one word between the quotes."))
        else:
            check.items.append(Item(True, f'the concept answer is one word ("{word.strip()}").'))
    for number, (section, heading) in enumerate(SECTIONS, start=1):
        written = answers.get(section)
        name = f"Section {number}, {heading}"
        if written is None:
            check.items.append(Item(False, f"{name}: its cell is missing from the notebook."))
        elif _empty(written):
            empty = f"{name} is empty: write it in place of the placeholder."
            check.items.append(Item(False, empty))
        else:
            check.items.append(Item(True, f"{name} ({len(written.split())} words)."))
    return check


def check_my_work(notebook: str | Path) -> None:
    """Print the check (the last cell of every assignment). Never fails."""
    print(check_work(notebook).report())


__all__ = ["Item", "WorkCheck", "check_my_work", "check_work", "concept_answer"]
