"""The cohort view: which paths a group of learners took through each case.

An educator points this at the journeys learners submitted (nbgrader's ``submitted/``
folder, one ``<case>.journey.json`` per learner and assignment) and gets one HTML page: for
each case a Sankey diagram of the paths taken, the spread of the relationship curves
against the path taken in the study, and how many learners took each choice.

Only the choices are read. The page never holds reflection text, student ids, folder or file
names: a journey is counted, never named, so the report can be shown to a class, and in a
small group every count below a threshold (5 unless told otherwise) is withheld. Everything
shown is escaped; the charts are SVG drawn in the page (``casework.cohort_charts``), so it
opens offline, runs no script and asks no third party for anything.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from pathlib import Path

from casework.catalog import load_case
from casework.cohort_charts import (
    STOPPED,
    WITHHOLD_BELOW,
    Withhold,
    flows,
    node_label,
    paths_svg,
    spread_svgs,
)
from casework.journey import Journey, JourneyError
from casework.paths import study_path_steps
from casework.rooms.export import SUFFIX as ROOM_SUFFIX
from casework.rooms.export import RoomCounts, RoomFileError, read_counts, room_section_html
from casework.scenario import Scenario
from casework.trust_model import TEACHING_MODEL_NOTE, Trajectory, trajectory
from casework.validate import CaseFileError
from casework.views import when

#: The journey files a learner's folder holds; damaged copies and temporary files differ.
JOURNEY_GLOB = "*.journey.json"
Step = tuple[str, str]
Progress = Callable[[int, int], None]
Warn = Callable[[str], None]


@dataclass
class CasePaths:
    """Every learner's path through one case, without anything that names the learner."""

    scenario: Scenario
    paths: list[tuple[Step, ...]] = field(default_factory=list)

    @property
    def learners(self) -> int:
        return len(self.paths)

    def trajectories(self) -> list[Trajectory]:
        return [trajectory(self.scenario, list(path)) for path in self.paths]

    def positions(self) -> list[str]:
        """Where each learner's journey stands: an ending id, or the scene they stopped at."""
        return [t.position for t in self.trajectories()]


@dataclass
class Cohort:
    """What was read from a folder of submissions."""

    cases: dict[str, CasePaths] = field(default_factory=dict)
    files: int = 0
    #: Files that could not be read, or that no longer fit their case.
    skipped: int = 0
    #: Seminar rooms' exported counts (``*.room.csv``, see ``casework.rooms.export``).
    rooms: list[RoomCounts] = field(default_factory=list)

    @property
    def journeys(self) -> int:
        return sum(case.learners for case in self.cases.values())


def journey_files(folder: Path) -> list[Path]:
    """Every journey file under ``folder``, in a stable order."""
    return sorted(path for path in folder.rglob(JOURNEY_GLOB) if path.is_file())


def read_cohort(
    folder: Path,
    *,
    progress: Progress | None = None,
    warn: Warn | None = None,
) -> Cohort:
    """Read every journey under ``folder``; a file that cannot be used is skipped and counted.

    ``progress(done, total)`` is called after each file; ``warn(message)`` names a skipped file
    for the educator's terminal (never for the report).
    """
    files = journey_files(folder)
    cohort = Cohort(files=len(files))
    scenarios: dict[str, Scenario | None] = {}
    for done, path in enumerate(files, start=1):
        try:
            journey = Journey.load(path)
            if journey.case_id not in scenarios:
                try:
                    scenarios[journey.case_id] = load_case(journey.case_id)
                except (FileNotFoundError, CaseFileError):
                    scenarios[journey.case_id] = None
            scenario = scenarios[journey.case_id]
            if scenario is None:
                raise JourneyError(f"the case '{journey.case_id}' is not in the course")
            journey.check_against(scenario)
        except JourneyError as error:
            cohort.skipped += 1
            if warn is not None:
                warn(f"skipped {path}: {error}")
        else:
            case = cohort.cases.setdefault(scenario.id, CasePaths(scenario))
            case.paths.append(tuple(journey.path()))
        if progress is not None:
            progress(done, len(files))
    cohort.cases = dict(sorted(cohort.cases.items()))
    for path in sorted(folder.rglob(f"*{ROOM_SUFFIX}")):
        try:
            cohort.rooms.append(read_counts(path, scenarios))
        except RoomFileError as error:
            cohort.skipped += 1
            if warn is not None:
                warn(f"skipped {error}")
    return cohort


# --- the page -----------------------------------------------------------------------------


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "-"


def choice_counts(case: CasePaths) -> list[tuple[str, int, list[tuple[str, int, bool]]]]:
    """Per scene, in case order: the scene's label, learners who chose there, and per choice
    its label, how many took it, and whether it is the study's choice."""
    scenario = case.scenario
    study = set(study_path_steps(scenario)) if scenario.case.study_path else set()
    taken: Counter[Step] = Counter(step for path in case.paths for step in path)
    rows = []
    for scene in scenario.case.scenes:
        choices = [
            (c.label, taken[(scene.id, c.id)], (scene.id, c.id) in study) for c in scene.choices
        ]
        label = f"{when(scenario, scene.time)}: {scene.title}"
        rows.append((label, sum(n for _, n, _ in choices), choices))
    return rows


def _count_cell(count: int, whole: int, hidden: bool, withhold: Withhold) -> str:
    """A count and its share, or both withheld ("withheld" for a count hidden only so that a
    smaller one cannot be found by subtraction)."""
    if not hidden:
        return f'<td class="number">{count}</td><td class="number">{_percent(count, whole)}</td>'
    shown = withhold.text(count) if withhold.hidden(count) else "withheld"
    return f'<td class="number withheld">{shown}</td><td class="number withheld">-</td>'


def _choices_table(case: CasePaths, withhold: Withhold) -> str:
    body = []
    for scene_label, chose, choices in choice_counts(case):
        chose_hidden = withhold.hidden(chose)
        hidden = withhold.table([count for _, count, _ in choices], not chose_hidden)
        if chose_hidden:
            hidden = [count > 0 for _, count, _ in choices]
        for number, ((label, count, in_study), withheld) in enumerate(
            zip(choices, hidden, strict=True)
        ):
            scene_cell = (
                f'<th scope="rowgroup" rowspan="{len(choices)}">{escape(scene_label)}'
                f'<br><span class="small">{withhold.text(chose)} chose here</span></th>'
                if number == 0
                else ""
            )
            marker = ' <span class="study">(the path in the study)</span>' if in_study else ""
            body.append(
                f"<tr>{scene_cell}<td>{escape(label)}{marker}</td>"
                + _count_cell(count, chose, withheld, withhold)
                + "</tr>"
            )
    return (
        "<table><caption>How many learners took each choice</caption><thead><tr>"
        '<th scope="col">Scene</th><th scope="col">Choice</th><th scope="col">Learners</th>'
        '<th scope="col">Share of those who chose there</th></tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _endings_table(case: CasePaths, withhold: Withhold) -> str:
    scenario = case.scenario
    reached = Counter(case.positions())
    names = [ending.title for ending in scenario.case.endings] + ["Stopped before an ending"]
    counts = [reached.get(ending.id, 0) for ending in scenario.case.endings]
    counts.append(sum(n for node, n in reached.items() if not scenario.is_ending(node)))
    hidden = withhold.table(counts, True)
    rows = [
        f"<tr><td>{escape(name)}</td>"
        + _count_cell(count, case.learners, withheld, withhold)
        + "</tr>"
        for name, count, withheld in zip(names, counts, hidden, strict=True)
    ]
    return (
        "<table><caption>Where the journeys ended</caption><thead><tr>"
        '<th scope="col">Ending</th><th scope="col">Learners</th><th scope="col">Share</th>'
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _paths_text(case: CasePaths, withhold: Withhold) -> str:
    """The paths chart in words, for screen readers and for anyone who prefers text."""
    scenario = case.scenario
    paths = Counter(case.paths)
    common, count = paths.most_common(1)[0]
    study = tuple(study_path_steps(scenario)) if scenario.case.study_path else None
    same = paths.get(study, 0) if study else 0
    parts = [f"{case.learners} journey(s)."]
    if withhold.hidden(len(paths)):
        parts.append(f"{withhold.text(len(paths))} different paths.")
    else:
        parts.append(f"{len(paths)} different path(s).")
    parts.append(f"The most common path was taken by {withhold.text(count)}.")
    if study is not None:
        parts.append(f"{withhold.text(same)} took exactly the path in the study.")
    if common == study and not withhold.hidden(count):
        parts.append("The most common path is the path in the study.")
    parts.append(
        "Green bands follow the path in the study; grey bands, other choices; each band is "
        "as wide as the learners who took that choice"
        + (
            f", and a band for fewer than {withhold.below} is drawn at one width."
            if withhold.below > 1
            else "."
        )
    )
    return " ".join(parts)


SPREAD_LEGEND = (
    "<ul class='legend'>"
    "<li><span class='key study-key'></span>The path in the study: dashed green line, diamonds</li>"
    "<li><span class='key median-key'></span>The middle of the group (median): dotted line; the "
    "shaded band holds the middle half of the group</li>"
    "<li><span class='key learner-key'></span>One learner's curve: each thin blue line</li>"
    "</ul>"
)


def _spread_html(case: CasePaths, withhold: Withhold) -> str:
    charts = "".join(
        f"<figure><figcaption class='chart-title'>{escape(title)}</figcaption>{svg}</figure>"
        for title, svg in spread_svgs(case.scenario, case.paths, withhold)
    )
    note = ""
    if case.learners < withhold.below:
        note = (
            f"<p class='withheld-note'>Fewer than {withhold.below} journeys: no learner's own "
            "curve is drawn, and the group's middle only where enough learners reached.</p>"
        )
    return (
        f"<div class='spread'>{charts}</div>{SPREAD_LEGEND}{note}"
        f"<p class='small'>{escape(TEACHING_MODEL_NOTE)}</p>"
    )


STYLE = """
body { font-family: system-ui, sans-serif; color: #1f2933; line-height: 1.5; margin: 0;
  font-size: 1.2rem; }
main { max-width: 1200px; margin: 0 auto; padding: 16px 24px; }
h1 { font-size: 2em; } h2 { font-size: 1.6em; margin-top: 2em; } h3 { font-size: 1.3em; }
p { max-width: 75ch; }
.note, .withheld-note { border-left: 6px solid #8a3b00; background: #fff6ee; padding: 4px 12px; }
table { border-collapse: collapse; margin: 12px 0 24px; width: 100%; }
caption { text-align: left; font-weight: bold; padding: 4px 0; }
th, td { border: 1px solid #c4c9d1; padding: 8px 10px; text-align: left; vertical-align: top; }
.number { text-align: right; font-variant-numeric: tabular-nums; }
.withheld { color: #3e4c59; font-style: italic; }
.small { font-size: 0.9em; font-weight: normal; }
.study { color: #006d4e; font-weight: bold; }
figure { margin: 12px 0 24px; } figcaption { max-width: 75ch; }
svg.chart { width: 100%; height: auto; display: block; }
.spread { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 440px), 1fr));
  gap: 12px 24px; }
.spread figure { margin: 0; } .chart-title { font-weight: bold; margin-bottom: 4px; }
.legend { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 8px 28px; }
.key { display: inline-block; width: 2.4em; height: 0; vertical-align: middle;
  margin-right: 0.5em; border-top: 4px dashed #006d4e; }
.median-key { border-top: 4px dotted #1f2933; } .learner-key { border-top: 2px solid #6c8fb8; }
@media print { body { font-size: 11pt; } }
"""


def report_html(
    cohort: Cohort, *, generated: datetime | None = None, withhold_below: int = WITHHOLD_BELOW
) -> str:
    """The whole report as one self-contained HTML page; counts from 1 to
    ``withhold_below - 1`` are withheld (``casework.cohort_charts.Withhold``)."""
    withhold = Withhold(max(1, withhold_below))
    stamp = (generated or datetime.now(UTC)).strftime("%d %B %Y, %H:%M UTC")
    sections = []
    for case in cohort.cases.values():
        scenario = case.scenario
        finished = sum(1 for p in case.positions() if scenario.is_ending(p))
        reached = (
            f"{withhold.text(finished)} reached an ending"
            if withhold.hidden(finished) or withhold.hidden(case.learners - finished)
            else f"{finished} reached an ending ({_percent(finished, case.learners)})"
        )
        paths = (
            f"<figure>{paths_svg(scenario, case.paths, withhold)}"
            f"<figcaption>{escape(_paths_text(case, withhold))}</figcaption></figure>"
        )
        sections.append(
            f'<section aria-labelledby="case-{escape(scenario.id)}">'
            f'<h2 id="case-{escape(scenario.id)}">{escape(scenario.title)}</h2>'
            f"<p>{case.learners} journey(s); {reached}.</p>"
            f"<h3>The paths taken</h3>{paths}"
            f"{_endings_table(case, withhold)}"
            f"<h3>The relationship over the case</h3>{_spread_html(case, withhold)}"
            f"<h3>Choice by choice</h3>{_choices_table(case, withhold)}"
            "</section>"
        )
    for room in cohort.rooms:
        scenario = load_case(room.case_id)
        sections.append(room_section_html(room, scenario))
    skipped = (
        f"<p>{cohort.skipped} journey file(s) could not be used and are left out (the "
        "command that made this page listed them).</p>"
        if cohort.skipped
        else ""
    )
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Holding in Mind: cohort report</title>"
        f"<style>{STYLE}</style></head><body><main>"
        "<h1>Holding in Mind: cohort report</h1>"
        f"<p>Made on {escape(stamp)} from {cohort.journeys} journey(s) in "
        f"{len(cohort.cases)} case(s).</p>{skipped}"
        '<p class="note">This page shows only the choices learners made. It holds no names, '
        "no student ids and nothing anyone wrote: a journey is counted, never named. "
        + (
            f"In a small group a count of one points to a person, so every count below "
            f"{withhold.below} is shown as \u201cfewer than {withhold.below}\u201d (and, where a "
            "table gives its total, one more count with it). "
            if withhold.below > 1
            else "Every count is shown, however small. "
        )
        + f"{escape(TEACHING_MODEL_NOTE)}</p>"
        f"{''.join(sections)}"
        "</main></body></html>\n"
    )


__all__ = [
    "STOPPED",
    "CasePaths",
    "Cohort",
    "choice_counts",
    "flows",
    "journey_files",
    "node_label",
    "read_cohort",
    "report_html",
]
