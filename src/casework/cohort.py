"""The cohort view: which paths a group of learners took through each case.

An educator points this at the journeys learners submitted (nbgrader's ``submitted/``
folder, one ``<case>.journey.json`` per learner and assignment) and gets one HTML page: for
each case a Sankey diagram of the paths taken, the spread of the relationship curves against
the path taken in the study, and how many learners took each choice.

Only the choices are read. The page never holds reflection text, student ids, folder or file
names: a journey is counted, never named, so the report can be shown to a class. Everything
shown is escaped, and the page carries plotly.js itself, so it opens offline and asks no
third party for anything.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from pathlib import Path

import plotly.graph_objects as go

from casework.catalog import load_case
from casework.journey import Journey, JourneyError
from casework.paths import study_path_steps
from casework.plots import INK, STUDY_COLOUR, dimension_panels, style_chart
from casework.scenario import Scenario
from casework.trust_model import TEACHING_MODEL_NOTE, Trajectory, trajectory
from casework.validate import CaseFileError
from casework.views import when

#: The journey files a learner's folder holds; damaged copies and temporary files differ.
JOURNEY_GLOB = "*.journey.json"
#: The Sankey node for learners who stopped before any ending.
STOPPED = "__stopped__"

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
    return cohort


# --- figures ------------------------------------------------------------------------------


def _node_label(scenario: Scenario, node: str) -> str:
    """A node's name in plain text (escape it before it goes into a figure)."""
    if node == STOPPED:
        return "Stopped before an ending"
    if scenario.is_ending(node):
        return f"Ending: {scenario.endings[node].title}"
    scene = scenario.scenes[node]
    return f"{when(scenario, scene.time)}: {scene.title}"


def _short(label: str, limit: int = 34) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "\u2026"


def sankey_figure(case: CasePaths) -> go.Figure:
    """The paths taken: one band per choice, as wide as the number of learners who took it."""
    scenario = case.scenario
    study = set(study_path_steps(scenario)) if scenario.case.study_path else set()
    flows: Counter[tuple[str, str, str]] = Counter()
    for path, position in zip(case.paths, case.positions(), strict=True):
        nodes = [scene for scene, _ in path] + [position]
        for (scene, choice), target in zip(path, nodes[1:], strict=True):
            flows[(scene, choice, target)] += 1
        if not scenario.is_ending(position):
            flows[(position, "", STOPPED)] += 1
    order = [s.id for s in scenario.case.scenes] + [e.id for e in scenario.case.endings]
    used = {n for scene, _, target in flows for n in (scene, target)}
    nodes = [n for n in order if n in used] + ([STOPPED] if STOPPED in used else [])
    index = {node: number for number, node in enumerate(nodes)}
    links = sorted(flows.items(), key=lambda item: (index[item[0][0]], index[item[0][2]]))
    labels = []
    colours = []
    for (scene, choice, _target), _count in links:
        if choice:
            labels.append(escape(scenario.choice(scene, choice).label))
        else:
            labels.append("(no further choice made)")
        colours.append(
            "rgba(0, 109, 78, 0.55)" if (scene, choice) in study else "rgba(107, 114, 128, 0.35)"
        )
    figure = go.Figure(
        go.Sankey(
            arrangement="snap",
            orientation="v",
            node={
                "label": [escape(_short(_node_label(scenario, n))) for n in nodes],
                "customdata": [escape(_node_label(scenario, n)) for n in nodes],
                "pad": 14,
                "thickness": 14,
                "color": [
                    "#8a3b00" if scenario.is_ending(n) else "#0b5394" if n != STOPPED else "#595959"
                    for n in nodes
                ],
                "hovertemplate": "%{customdata}<br>%{value} learner(s)<extra></extra>",
            },
            link={
                "source": [index[scene] for (scene, _, _), _ in links],
                "target": [index[target] for (_, _, target), _ in links],
                "value": [count for _, count in links],
                "color": colours,
                "customdata": labels,
                "hovertemplate": (
                    "%{source.customdata} to %{target.customdata}<br>Choice: %{customdata}<br>"
                    "%{value} learner(s)<extra></extra>"
                ),
            },
        )
    )
    figure.update_layout(
        template="none",
        title={
            "text": escape(f"{scenario.title}: the paths learners took"),
            "x": 0,
            "font": {"size": 16},
            "subtitle": {
                "text": "Green bands follow the path in the study; grey bands, other choices",
                "font": {"size": 12, "color": INK},
            },
        },
        font={"color": INK, "size": 12},
        height=max(480, 56 * len({scenario.node(n).time for n in nodes if n != STOPPED}) + 160),
        margin={"l": 16, "r": 16, "t": 80, "b": 24},
    )
    return figure


def _median_series(trajectories: list[Trajectory], dimension: str) -> tuple[list[float], ...]:
    """The middle of the group at each time point that at least one learner reached."""
    times = sorted({p.time for t in trajectories for p in t.points})
    xs: list[float] = []
    ys: list[float] = []
    for time in times:
        values = [t.value_at(dimension, time) for t in trajectories if t.points[-1].time >= time]
        if values:
            xs.append(time)
            ys.append(statistics.median(values))
    return xs, ys


def spread_figure(case: CasePaths) -> go.Figure:
    """One panel per dimension: each learner's curve, the group's middle, the study's path."""
    scenario = case.scenario
    dims = scenario.case.dimensions
    figure, columns, rows = dimension_panels(scenario)
    trajectories = case.trajectories()
    study = trajectory(scenario, study_path_steps(scenario)) if scenario.case.study_path else None
    for number, dimension in enumerate(dims):
        row, col = number // columns + 1, number % columns + 1
        for learner, path in enumerate(trajectories):
            figure.add_trace(
                go.Scatter(
                    x=[p.time for p in path.points],
                    y=[p.values[dimension.id] for p in path.points],
                    mode="lines",
                    name="One learner (each thin line)",
                    legendgroup="learners",
                    showlegend=number == 0 and learner == 0,
                    line={"color": "rgba(11, 83, 148, 0.28)", "width": 1.5},
                    hoverinfo="skip",
                ),
                row=row,
                col=col,
            )
        xs, ys = _median_series(trajectories, dimension.id)
        figure.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines+markers",
                name="The middle of the group (median)",
                legendgroup="median",
                showlegend=number == 0,
                line={"color": INK, "width": 2.5, "dash": "dot"},
                marker={"symbol": "square", "size": 6, "color": INK},
                hovertemplate="Median at %{x}: %{y:.0f}<extra></extra>",
            ),
            row=row,
            col=col,
        )
        if study is not None:
            figure.add_trace(
                go.Scatter(
                    x=[p.time for p in study.points],
                    y=[p.values[dimension.id] for p in study.points],
                    mode="lines+markers",
                    name="The path in the study",
                    legendgroup="study",
                    showlegend=number == 0,
                    line={"color": STUDY_COLOUR, "width": 3, "dash": "dash"},
                    marker={"symbol": "diamond", "size": 8, "color": STUDY_COLOUR},
                    hovertemplate="The path in the study at %{x}: %{y:.0f}<extra></extra>",
                ),
                row=row,
                col=col,
            )
    style_chart(figure, scenario, escape(f"{scenario.title}: the spread of relationship curves"))
    figure.update_layout(
        height=300 * rows + 160, margin={"t": 100}, legend={"y": -0.06 - 0.04 / rows}
    )
    return figure


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


def _choices_table(case: CasePaths) -> str:
    body = []
    for scene_label, chose, choices in choice_counts(case):
        for number, (label, count, in_study) in enumerate(choices):
            scene_cell = (
                f'<th scope="rowgroup" rowspan="{len(choices)}">{escape(scene_label)}'
                f'<br><span class="small">{chose} chose here</span></th>'
                if number == 0
                else ""
            )
            marker = ' <span class="study">(the path in the study)</span>' if in_study else ""
            body.append(
                f"<tr>{scene_cell}<td>{escape(label)}{marker}</td>"
                f'<td class="number">{count}</td>'
                f'<td class="number">{_percent(count, chose)}</td></tr>'
            )
    return (
        "<table><caption>How many learners took each choice</caption><thead><tr>"
        '<th scope="col">Scene</th><th scope="col">Choice</th><th scope="col">Learners</th>'
        '<th scope="col">Share of those who chose there</th></tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _endings_table(case: CasePaths) -> str:
    scenario = case.scenario
    reached = Counter(case.positions())
    rows = []
    for ending in scenario.case.endings:
        count = reached.get(ending.id, 0)
        rows.append(
            f'<tr><td>{escape(ending.title)}</td><td class="number">{count}</td>'
            f'<td class="number">{_percent(count, case.learners)}</td></tr>'
        )
    stopped = sum(n for node, n in reached.items() if not scenario.is_ending(node))
    rows.append(
        f'<tr><td>Stopped before an ending</td><td class="number">{stopped}</td>'
        f'<td class="number">{_percent(stopped, case.learners)}</td></tr>'
    )
    return (
        "<table><caption>Where the journeys ended</caption><thead><tr>"
        '<th scope="col">Ending</th><th scope="col">Learners</th><th scope="col">Share</th>'
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _sankey_text(case: CasePaths) -> str:
    """The Sankey diagram in words, for screen readers and for anyone who prefers text."""
    scenario = case.scenario
    paths = Counter(case.paths)
    common, count = paths.most_common(1)[0]
    study = tuple(study_path_steps(scenario)) if scenario.case.study_path else None
    same = paths.get(study, 0) if study else 0
    parts = [
        f"{case.learners} learner(s); {len(paths)} different path(s).",
        f"The most common path was taken by {count}.",
    ]
    if study is not None:
        parts.append(f"{same} took exactly the path in the study.")
    if common == study:
        parts.append("The most common path is the path in the study.")
    return " ".join(parts)


STYLE = """
body { font-family: system-ui, sans-serif; color: #1f2933; line-height: 1.5; margin: 0; }
main { max-width: 1100px; margin: 0 auto; padding: 16px; }
h1 { font-size: 1.8em; } h2 { font-size: 1.45em; margin-top: 2em; } h3 { font-size: 1.15em; }
p { max-width: 75ch; }
.note { border-left: 6px solid #8a3b00; background: #fff6ee; padding: 4px 12px; }
table { border-collapse: collapse; margin: 12px 0 24px; width: 100%; }
caption { text-align: left; font-weight: bold; padding: 4px 0; }
th, td { border: 1px solid #c4c9d1; padding: 6px 8px; text-align: left; vertical-align: top; }
.number { text-align: right; font-variant-numeric: tabular-nums; }
.small { font-size: 0.9em; font-weight: normal; }
.study { color: #006d4e; font-weight: bold; }
figure { margin: 12px 0 24px; } figcaption { max-width: 75ch; }
"""


def report_html(cohort: Cohort, *, generated: datetime | None = None) -> str:
    """The whole report as one self-contained HTML page."""
    stamp = (generated or datetime.now(UTC)).strftime("%d %B %Y, %H:%M UTC")
    sections = []
    plotly_included = False
    for case in cohort.cases.values():
        scenario = case.scenario
        finished = sum(1 for p in case.positions() if scenario.is_ending(p))
        figures = []
        for figure, caption in (
            (sankey_figure(case), _sankey_text(case)),
            (
                spread_figure(case),
                "Each thin line is one learner's relationship curve; the dotted line is the "
                "middle of the group; the dashed line with diamonds is the path in the study. "
                + TEACHING_MODEL_NOTE,
            ),
        ):
            plot = figure.to_html(
                full_html=False,
                include_plotlyjs=not plotly_included,
                config={"displaylogo": False, "responsive": True},
            )
            plotly_included = True
            figures.append(f"<figure>{plot}<figcaption>{escape(caption)}</figcaption></figure>")
        sections.append(
            f'<section aria-labelledby="case-{escape(scenario.id)}">'
            f'<h2 id="case-{escape(scenario.id)}">{escape(scenario.title)}</h2>'
            f"<p>{case.learners} journey(s); {finished} reached an ending "
            f"({_percent(finished, case.learners)}).</p>"
            f"<h3>The paths taken</h3>{figures[0]}"
            f"{_endings_table(case)}"
            f"<h3>The relationship, learner by learner</h3>{figures[1]}"
            f"<h3>Choice by choice</h3>{_choices_table(case)}"
            "</section>"
        )
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
        f"{escape(TEACHING_MODEL_NOTE)}</p>"
        f"{''.join(sections)}"
        "</main></body></html>\n"
    )


__all__ = [
    "CasePaths",
    "Cohort",
    "choice_counts",
    "journey_files",
    "read_cohort",
    "report_html",
    "sankey_figure",
    "spread_figure",
]
