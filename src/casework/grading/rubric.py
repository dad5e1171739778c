"""The rubric as data: each criterion's levels and what each level asks for.

``docs/rubric.md`` is the one text of the rubric. Learners read it in every assignment (the
builder copies the part between its ``<!-- rubric:start/end -->`` markers into the notebook);
the formgrader page shows each criterion's descriptors beside the cell being marked, and the
feedback page names the descriptor each mark meets. Both read them from here, so the three
can never disagree. The file ships with the package (``share/holding-in-mind/docs/``), so an
installed course reads the same text as the repository.

Each criterion is an nbgrader grade cell: the five sections are the answer cells
``<case>-<section>`` and the overall level is the task cell ``<case>-overall-level``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from casework.locations import course_root

#: The five sections of the rubric: (id, heading), in the rubric's order.
SECTIONS = (
    ("decision", "The decision and the dilemma"),
    ("feelings", "Feelings and use of self"),
    ("analysis", "Analysis with knowledge and values"),
    ("perspectives", "Perspectives, power and assumptions"),
    ("learning", "Learning and action"),
)
#: The holistic judgement of the whole piece.
OVERALL = "overall-level"
#: Every criterion, in the order markers meet them and the feedback page lists them.
CRITERIA = (*(section for section, _ in SECTIONS), OVERALL)
#: The highest level of every criterion.
TOP_LEVEL = 4


@dataclass(frozen=True)
class Level:
    level: int
    #: A short name, where the rubric gives one ("Reflection"); "" for the sections.
    name: str
    #: What the level asks for, as the rubric says it (plain text, one paragraph).
    text: str


@dataclass(frozen=True)
class Criterion:
    id: str
    #: As learners read it: "1. The decision and the dilemma", "The piece as a whole".
    title: str
    levels: tuple[Level, ...]

    def level(self, number: int) -> Level | None:
        return next((level for level in self.levels if level.level == number), None)


def rubric_file() -> Path:
    """``docs/rubric.md`` of the course (the repository, or the installed share)."""
    return course_root() / "docs" / "rubric.md"


def rubric_markdown(path: Path | None = None) -> str:
    """The learner-facing rubric: the part of docs/rubric.md between its two markers."""
    rubric = path or rubric_file()
    text = rubric.read_text(encoding="utf-8")
    found = re.search(r"<!-- rubric:start -->\n(.*?)\n<!-- rubric:end -->", text, re.S)
    if found is None:
        raise ValueError(f"{rubric}: the rubric markers <!-- rubric:start/end --> are missing")
    return found.group(1).strip()


_HEADING = re.compile(r"^#### (.+)$", re.M)
_BULLET = re.compile(r"^- \*\*(\d)(?::\s*([^*]*?))?\.?\*\*\s*(.*)$")


def _plain(markdown: str) -> str:
    """A descriptor as plain text: emphasis marks and line breaks gone."""
    text = re.sub(r"\s+", " ", markdown).strip()
    return re.sub(r"\*{1,2}([^*]+)\*{1,2}", r"\1", text)


def _levels(block: str) -> tuple[Level, ...]:
    levels: list[Level] = []
    current: list[str] | None = None
    number = 0
    name = ""
    for line in [*block.splitlines(), "- end"]:
        bullet = _BULLET.match(line)
        if (bullet or line.startswith("- ") or not line.strip()) and current is not None:
            levels.append(Level(number, name, _plain(" ".join(current))))
            current = None
        if bullet:
            number, name, first = int(bullet.group(1)), (bullet.group(2) or "").strip(), bullet[3]
            current = [first]
        elif current is not None and line.startswith("  "):
            current.append(line.strip())
    return tuple(levels)


def parse_rubric(markdown: str) -> dict[str, Criterion]:
    """Every criterion of the learner-facing rubric, by id (``CRITERIA``)."""
    parts = _HEADING.split(markdown)
    titled = list(zip(parts[1::2], parts[2::2], strict=True))
    criteria: dict[str, Criterion] = {}
    for (title, block), criterion in zip(titled, CRITERIA, strict=True):
        levels = _levels(block)
        if [level.level for level in levels] != list(range(1, TOP_LEVEL + 1)):
            raise ValueError(f"the rubric's '{title}' does not give levels 1 to {TOP_LEVEL}")
        criteria[criterion] = Criterion(criterion, title.strip(), levels)
    return criteria


@cache
def _cached(path: Path, mtime: float) -> dict[str, Criterion]:
    return parse_rubric(rubric_markdown(path))


def rubric(path: Path | None = None) -> dict[str, Criterion]:
    """The course's rubric (``docs/rubric.md``), by criterion id."""
    where = path or rubric_file()
    return _cached(where, where.stat().st_mtime)


def criterion_of(grade_id: str) -> str | None:
    """The criterion a grade cell marks (``clarke-feelings`` -> ``feelings``), or None."""
    for criterion in CRITERIA:
        if grade_id.endswith(f"-{criterion}"):
            return criterion
    return None


def level_of(score: float | None) -> int | None:
    """The level a criterion's score stands for (scores are levels: 0 to 4), or None."""
    if score is None:
        return None
    return max(0, min(TOP_LEVEL, round(score)))


__all__ = [
    "CRITERIA",
    "OVERALL",
    "SECTIONS",
    "TOP_LEVEL",
    "Criterion",
    "Level",
    "criterion_of",
    "level_of",
    "parse_rubric",
    "rubric",
    "rubric_file",
    "rubric_markdown",
]
