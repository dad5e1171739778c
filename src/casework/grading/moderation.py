"""Double marking: a sample for a second marker, their marks kept beside the first, agreement.

nbgrader's gradebook holds one mark per cell, so the second marker's marks are kept by the
course, in ``moderation/<assignment>.json`` in the course root (personal data: git ignores it,
like everything in ``exercises/`` but the configuration and ``source/``). Three steps, each a
``casework moderation`` command run from the course root:

1. ``sample``: draws the scripts to double-mark, as the educator guide asks: every script
   below the pass mark, every script at the top level on any criterion, at least one script
   for each ending the group reached, then others at random (a seed makes the draw
   repeatable) until at least one in ten and never fewer than five (or every script, in a
   smaller group) are in. It keeps the first marker's levels as they stand, with their name
   and the time, and writes a blank marking sheet for the second marker with no first marks
   on it.
2. ``record``: reads the filled sheet and keeps the second marker's levels beside the first,
   with their name and the time.
3. ``report``: per criterion, how many scripts were double-marked, exact and within-one
   agreement, and Cohen's kappa, unweighted, linear and quadratic (``agreement``), then every
   script where the markers differ by two levels or more, to talk through.

Agreed final marks go into formgrader as usual; the kept pairs stay as the record of what each
marker gave first, for the external examiner.
"""

from __future__ import annotations

import csv
import json
import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from casework.grading.agreement import exact_agreement, strength, weighted_kappa, within_one
from casework.grading.assignments import find_assignment
from casework.grading.gradebook import CourseError, LearnerMarks, assignment_marks
from casework.grading.rubric import CRITERIA, OVERALL, SECTIONS, TOP_LEVEL
from casework.journey import JourneyError
from casework.paths import replay

#: The share of scripts double-marked, and the fewest.
SHARE = 0.1
AT_LEAST = 5
#: The pass mark, as a share of the maximum (UK undergraduate study: 40%).
PASS_SHARE = 0.4
#: A difference of this many levels or more on a criterion is talked through.
DISCUSS = 2

CRITERION_NAMES = {
    **{section: f"{number}. {heading}" for number, (section, heading) in enumerate(SECTIONS, 1)},
    OVERALL: "Overall level of reflection",
}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def store_path(course: Path, assignment: str) -> Path:
    return course / "moderation" / f"{assignment}.json"


def sheet_path(course: Path, assignment: str) -> Path:
    return course / "moderation" / f"{assignment}-second-marking.csv"


def load(course: Path, assignment: str) -> dict[str, Any]:
    path = store_path(course, assignment)
    if not path.exists():
        raise CourseError(
            f"no moderation sample for {assignment} yet: run 'casework moderation sample "
            f"{assignment} --first-marker NAME' first"
        )
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _save(course: Path, assignment: str, data: dict[str, Any]) -> None:
    path = store_path(course, assignment)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _ending(course: Path, assignment: str, student: str) -> str:
    known = find_assignment(assignment)
    if known is None:
        return "unknown"
    path = course / "submitted" / student / assignment / known.journey_file
    try:
        played = replay(known.case, path)
    except (JourneyError, FileNotFoundError, OSError):
        return "no journey"
    return played.ending or "stopped before an ending"


@dataclass(frozen=True)
class Sample:
    students: list[str]
    why: dict[str, list[str]]
    not_marked: list[str]


def draw_sample(
    course: Path,
    assignment: str,
    marks: list[LearnerMarks],
    *,
    seed: int,
    share: float = SHARE,
    at_least: int = AT_LEAST,
    pass_mark: float | None = None,
) -> Sample:
    """Which fully marked scripts to double-mark, and why each is in (see the module)."""
    marked = [m for m in marks if m.submitted and m.marked]
    not_marked = [m.student for m in marks if m.submitted and not m.marked]
    if not marked:
        raise CourseError(f"no script of {assignment} is fully marked yet: mark some first")
    floor = pass_mark if pass_mark is not None else PASS_SHARE * marked[0].max_score
    why: dict[str, list[str]] = {}
    for m in marked:
        if m.score < floor:
            why.setdefault(m.student, []).append(f"below the pass mark ({floor:g})")
        tops = [CRITERION_NAMES[c] for c, level in m.levels().items() if level == TOP_LEVEL]
        if tops:
            why.setdefault(m.student, []).append("top level on " + "; ".join(tops))
    chooser = random.Random(seed)
    by_ending: dict[str, list[str]] = {}
    for m in marked:
        by_ending.setdefault(_ending(course, assignment, m.student), []).append(m.student)
    for ending, students in sorted(by_ending.items()):
        if not any(s in why for s in students):
            why.setdefault(chooser.choice(sorted(students)), []).append(f"ending: {ending}")
    wanted = min(len(marked), max(at_least, math.ceil(share * len(marked))))
    others = sorted(m.student for m in marked if m.student not in why)
    chooser.shuffle(others)
    for student in others[: max(0, wanted - len(why))]:
        why[student] = ["drawn at random"]
    return Sample(sorted(why), why, not_marked)


def start(
    course: Path,
    assignment: str,
    gradebook: Any,
    *,
    first_marker: str,
    seed: int,
    share: float = SHARE,
    at_least: int = AT_LEAST,
    pass_mark: float | None = None,
) -> Sample:
    """Draw the sample, keep the first marks, write the blank sheet (``sample``)."""
    marks = assignment_marks(gradebook, assignment)
    sample = draw_sample(
        course, assignment, marks, seed=seed, share=share, at_least=at_least, pass_mark=pass_mark
    )
    by_student = {m.student: m for m in marks}
    recorded = _now()
    data = {
        "assignment": assignment,
        "sample": {"drawn": recorded, "seed": seed, "students": sample.students, "why": sample.why},
        "first": {
            s: {"marker": first_marker, "recorded": recorded, "levels": by_student[s].levels()}
            for s in sample.students
        },
        "second": {},
    }
    _save(course, assignment, data)
    sheet = sheet_path(course, assignment)
    with sheet.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["student_id", *CRITERIA, "comment"])
        for student in sample.students:
            writer.writerow([student, *([""] * len(CRITERIA)), ""])
    return sample


def record(course: Path, assignment: str, sheet: Path, *, marker: str) -> list[str]:
    """Keep the second marker's levels from a filled sheet (``record``); returns who."""
    data = load(course, assignment)
    sampled = set(data["sample"]["students"])
    with sheet.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.DictReader(stream))
    problems = []
    kept: dict[str, dict[str, int]] = {}
    for number, row in enumerate(rows, start=2):
        student = (row.get("student_id") or "").strip()
        if student not in sampled:
            problems.append(f"{sheet}:{number}: '{student}' is not in the sample")
            continue
        levels = {}
        for criterion in CRITERIA:
            text = (row.get(criterion) or "").strip()
            if text not in {str(level) for level in range(TOP_LEVEL + 1)}:
                problems.append(
                    f"{sheet}:{number}: {student}: '{criterion}' must be a level from 0 to "
                    f"{TOP_LEVEL} (found '{text}')"
                )
            else:
                levels[criterion] = int(text)
        if len(levels) == len(CRITERIA):
            kept[student] = levels
    if problems:
        listed = "\n".join(problems)
        raise CourseError(f"the marking sheet has problems (nothing was kept):\n{listed}")
    recorded = _now()
    for student, levels in kept.items():
        data["second"][student] = {"marker": marker, "recorded": recorded, "levels": levels}
    _save(course, assignment, data)
    return sorted(kept)


@dataclass(frozen=True)
class CriterionAgreement:
    criterion: str
    scripts: int
    exact: float | None
    within_one: float | None
    kappa: float | None
    linear: float | None
    quadratic: float | None


def agreement(data: dict[str, Any]) -> tuple[list[CriterionAgreement], list[str]]:
    """Per criterion, the agreement on the double-marked scripts; and the differences of
    ``DISCUSS`` levels or more, as lines to read."""
    pairs = [
        (student, data["first"][student], data["second"][student])
        for student in data["sample"]["students"]
        if student in data["second"] and student in data["first"]
    ]
    rows = []
    discuss = []
    for criterion in CRITERIA:
        first = [int(one["levels"][criterion]) for _, one, _ in pairs]
        second = [int(two["levels"][criterion]) for _, _, two in pairs]
        rows.append(
            CriterionAgreement(
                criterion,
                len(first),
                exact_agreement(first, second),
                within_one(first, second),
                weighted_kappa(first, second, "none"),
                weighted_kappa(first, second, "linear"),
                weighted_kappa(first, second, "quadratic"),
            )
        )
        for (student, one, two), a, b in zip(pairs, first, second, strict=True):
            if abs(a - b) >= DISCUSS:
                discuss.append(
                    f"{student}: {CRITERION_NAMES[criterion]}: {one['marker']} gave {a}, "
                    f"{two['marker']} gave {b}"
                )
    return rows, discuss


def _share(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def _kappa(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def report_text(data: dict[str, Any]) -> str:
    """The agreement report as text (``report``)."""
    rows, discuss = agreement(data)
    markers = sorted(
        {f"{m['marker']} (first, {m['recorded']})" for m in data["first"].values()}
        | {f"{m['marker']} (second, {m['recorded']})" for m in data["second"].values()}
    )
    scripts = rows[0].scripts if rows else 0
    lines = [
        f"Double marking of {data['assignment']}: {scripts} script(s) marked twice of "
        f"{len(data['sample']['students'])} in the sample",
        "Markers: " + "; ".join(markers),
        "",
        f"{'Criterion':<40} {'n':>3} {'same':>5} {'<=1':>5} {'kappa':>6} {'linear':>7} "
        f"{'quadratic':>9}  agreement (quadratic)",
    ]
    for row in rows:
        lines.append(
            f"{CRITERION_NAMES[row.criterion]:<40} {row.scripts:>3} {_share(row.exact):>5} "
            f"{_share(row.within_one):>5} {_kappa(row.kappa):>6} {_kappa(row.linear):>7} "
            f"{_kappa(row.quadratic):>9}  {strength(row.quadratic)}"
        )
    lines += ["", f"Differences of {DISCUSS} levels or more, to talk through:"]
    lines += [f"  {line}" for line in discuss] or ["  none"]
    if scripts < 20:
        lines += [
            "",
            f"With {scripts} script(s), one script moves kappa a long way: read it beside the "
            "counts, and calibrate again where markers differ by two levels on many scripts.",
        ]
    return "\n".join(lines)


__all__ = [
    "CRITERION_NAMES",
    "CriterionAgreement",
    "Sample",
    "agreement",
    "draw_sample",
    "load",
    "record",
    "report_text",
    "sheet_path",
    "start",
    "store_path",
]
