"""A room's anonymous counts as CSV: exported for the next class, read back by the cohort report.

One row per option of each decision the room reached, per ending, and one for how many joined.
A count behind fewer than ``MIN_COUNT`` learners is left empty and marked withheld, exactly as
the tutor's page shows it. The file names the case's ids and labels only (never anything a
learner wrote); reading it back, the labels are taken from the case again and anything the
case does not know is left out, so an edited file cannot put text of its own on a page.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from casework.rooms.tally import MIN_COUNT, RoomState, withheld
from casework.scenario import Scenario

#: The columns, in order.
FIELDS = ("room", "case", "case_version", "kind", "decision", "option", "label", "count",
          "answered", "withheld")  # fmt: skip
#: How exported room counts are named: the cohort report reads every such file in a folder.
SUFFIX = ".room.csv"


class RoomFileError(ValueError):
    """A file that is not a room's exported counts; the message says what is wrong."""


def file_name(code: str, case_id: str) -> str:
    return f"{case_id}-room-{code}{SUFFIX}"


def counts_csv(code: str, scenario: Scenario, state: RoomState) -> str:
    """The room's counts as CSV text (withheld counts empty)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FIELDS)
    base = [code, scenario.id, scenario.case.version]
    writer.writerow([*base, "joined", "", "", "Learners who joined", state.joined, "", ""])
    for decision in state.decisions:
        scene = scenario.scenes[decision.scene_id]
        for option in decision.options:
            count = option.count if decision.shown else None
            writer.writerow(
                [*base, "choice", scene.id, option.choice_id, option.label,
                 "" if count is None else count, decision.answered,
                 "" if decision.shown else "yes"]
            )  # fmt: skip
    for ending in scenario.case.endings:
        count = state.endings.get(ending.id, 0)
        shown = withheld(count)
        writer.writerow(
            [*base, "ending", ending.id, "", ending.title, "" if shown is None else shown, "",
             "yes" if shown is None else ""]
        )  # fmt: skip
    return out.getvalue()


@dataclass
class RoomCounts:
    """What a room's CSV holds, checked against its case."""

    code: str
    case_id: str
    joined: int = 0
    #: decision id -> (learners who answered, {choice id: count, or None if withheld}).
    choices: dict[str, tuple[int, dict[str, int | None]]] = field(default_factory=dict)
    #: ending id -> count, or None if withheld.
    endings: dict[str, int | None] = field(default_factory=dict)


def _count(text: str, where: str) -> int | None:
    if text.strip() == "":
        return None
    try:
        value = int(text)
    except ValueError:
        raise RoomFileError(f"{where}: the count {text[:20]!r} is not a whole number") from None
    if value < 0:
        raise RoomFileError(f"{where}: a count cannot be negative")
    return value


def read_counts(path: Path, scenario_for: dict[str, Scenario | None]) -> RoomCounts:
    """Read an exported room; ``scenario_for`` maps case ids to their scenario (None: not in
    the course) and is filled in as cases are met."""
    from casework.catalog import load_case
    from casework.validate import CaseFileError

    try:
        rows = list(csv.DictReader(path.read_text(encoding="utf-8").splitlines()))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise RoomFileError(f"{path}: cannot be read ({error})") from None
    if not rows or tuple(rows[0].keys()) != FIELDS:
        raise RoomFileError(f"{path}: not a room's exported counts (the columns differ)")
    case_id, code = rows[0]["case"], rows[0]["room"]
    if case_id not in scenario_for:
        try:
            scenario_for[case_id] = load_case(case_id)
        except (FileNotFoundError, CaseFileError):
            scenario_for[case_id] = None
    scenario = scenario_for[case_id]
    if scenario is None:
        raise RoomFileError(f"{path}: the case {case_id[:64]!r} is not in the course")
    counts = RoomCounts(code=code[:6], case_id=scenario.id)
    for number, row in enumerate(rows, start=2):
        where = f"{path}:{number}"
        if row["case"] != case_id:
            raise RoomFileError(f"{where}: a room's counts are for one case")
        kind, decision, option = row["kind"], row["decision"], row["option"]
        count = _count(row["count"] or "", where)
        if kind == "joined":
            counts.joined = count or 0
        elif kind == "choice" and decision in scenario.scenes:
            if option in {c.id for c in scenario.scenes[decision].choices}:
                answered = _count(row["answered"] or "", where) or 0
                shown = None if answered < MIN_COUNT else count
                counts.choices.setdefault(decision, (answered, {}))[1][option] = shown
        elif kind == "ending" and decision in scenario.endings:
            counts.endings[decision] = None if count is not None and count < MIN_COUNT else count
    return counts


def room_section_html(counts: RoomCounts, scenario: Scenario) -> str:
    """A room's counts as a section of the cohort report (escaped; withheld stays withheld)."""
    from casework.views import when

    rows = []
    for scene in scenario.case.scenes:
        if scene.id not in counts.choices:
            continue
        answered, taken = counts.choices[scene.id]
        for number, choice in enumerate(scene.choices):
            head = (
                f'<th scope="rowgroup" rowspan="{len(scene.choices)}">'
                f"{escape(when(scenario, scene.time))}: {escape(scene.title)}"
                f'<br><span class="small">{answered} answered here</span></th>'
                if number == 0
                else ""
            )
            value = taken.get(choice.id)
            shown = f"fewer than {MIN_COUNT} answered" if value is None else str(value)
            rows.append(
                f'<tr>{head}<td>{escape(choice.label)}</td><td class="number">{shown}</td></tr>'
            )
    endings = "".join(
        f"<tr><td>{escape(ending.title)}</td><td class='number'>"
        + (
            f"fewer than {MIN_COUNT}"
            if counts.endings.get(ending.id, 0) is None
            else str(counts.endings.get(ending.id, 0))
        )
        + "</td></tr>"
        for ending in scenario.case.endings
    )
    code = escape(counts.code)
    return (
        f'<section aria-labelledby="room-{code}"><h2 id="room-{code}">Seminar room {code}: '
        f"{escape(scenario.title)}</h2><p>{counts.joined} learner(s) joined the room. Counts "
        f"behind fewer than {MIN_COUNT} learners were withheld in the room and stay withheld "
        "here.</p><table><caption>Choice by choice, in the room</caption><thead><tr>"
        '<th scope="col">Decision</th><th scope="col">Choice</th>'
        f'<th scope="col">Learners</th></tr></thead><tbody>{"".join(rows)}</tbody></table>'
        "<table><caption>Endings the room reached</caption><thead><tr>"
        '<th scope="col">Ending</th><th scope="col">Learners</th></tr></thead>'
        f"<tbody>{endings}</tbody></table></section>"
    )
