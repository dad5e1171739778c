"""The cohort report's charts, drawn as SVG in the page: the paths taken and the spread.

The report used to carry plotly.js (4.6 MB) for two charts per case, so four journeys made a
4.8 MB page. These charts are plain SVG written here: a page of a few tens of kilobytes that
opens offline, runs no script, and stays sharp at any size, with text at projector size
(16-18 px at full width) and the legends in the page's HTML, below each chart, where they can
never overlap an axis title.

Small groups: a count of 1 points to a person. ``Withhold`` says how a count is shown: a count
from 1 to ``below - 1`` becomes "fewer than N" (0 is shown: it points to no one), and where a
table shows its total and only one of its counts is withheld, the next smallest is withheld
too, so the first cannot be found by subtraction. In the paths chart a band behind a withheld
count is drawn at one nominal width; in the spread, learners' own curves appear only when the
case has at least N journeys, and the group's median and middle half only at times at least
N learners reached.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from casework.paths import study_path_steps
from casework.scenario import Scenario
from casework.trust_model import Trajectory, trajectory
from casework.views import when

#: Counts below this are withheld unless the report is told otherwise.
WITHHOLD_BELOW = 5
#: The Sankey node for learners who stopped before any ending.
STOPPED = "__stopped__"
INK = "#1f2933"
STUDY = "#006d4e"
STUDY_BAND = "rgba(0, 109, 78, 0.55)"
OTHER_BAND = "rgba(107, 114, 128, 0.4)"
SCENE = "#0b5394"
ENDING = "#8a3b00"
GREY = "#595959"
LEARNER = "rgba(11, 83, 148, 0.35)"

Step = tuple[str, str]
Flow = tuple[str, str, str]


@dataclass(frozen=True)
class Withhold:
    """How counts are shown to a group (see the module docstring)."""

    below: int = WITHHOLD_BELOW

    def hidden(self, count: int) -> bool:
        return 0 < count < self.below

    def text(self, count: int) -> str:
        return f"fewer than {self.below}" if self.hidden(count) else str(count)

    def table(self, counts: Sequence[int], total_shown: bool) -> list[bool]:
        """Which counts of a table to withhold (``True``), secondary withholding included."""
        hidden = [self.hidden(count) for count in counts]
        if total_shown and sum(hidden) == 1:
            others = [(count, i) for i, count in enumerate(counts) if count and not hidden[i]]
            if others:
                hidden[min(others)[1]] = True
        return hidden


def node_label(scenario: Scenario, node: str) -> str:
    """A node's name in plain text (escape it before it goes into a page)."""
    if node == STOPPED:
        return "Stopped before an ending"
    if scenario.is_ending(node):
        return f"Ending: {scenario.endings[node].title}"
    scene = scenario.scenes[node]
    return f"{when(scenario, scene.time)}: {scene.title}"


def flows(scenario: Scenario, paths: Sequence[tuple[Step, ...]]) -> Counter[Flow]:
    """(scene, choice, next node) -> learners; stopping short is a flow to ``STOPPED``."""
    counted: Counter[Flow] = Counter()
    for path in paths:
        position = trajectory(scenario, list(path)).position
        nodes = [scene for scene, _ in path] + [position]
        for (scene, choice), target in zip(path, nodes[1:], strict=True):
            counted[(scene, choice, target)] += 1
        if not scenario.is_ending(position):
            counted[(position, "", STOPPED)] += 1
    return counted


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    if len(lines) > 3:
        lines = [*lines[:2], lines[2][: max(1, width - 1)] + "\u2026"]
    return lines


def _depths(order: list[str], counted: Counter[Flow]) -> dict[str, int]:
    """Each node's row: one below the deepest node that leads to it."""
    depth = {node: 0 for node in order}
    for _ in range(len(order)):
        changed = False
        for source, _, target in counted:
            if depth[target] < depth[source] + 1 and depth[source] + 1 < len(order):
                depth[target] = depth[source] + 1
                changed = True
        if not changed:
            break
    return depth


def paths_svg(scenario: Scenario, paths: Sequence[tuple[Step, ...]], withhold: Withhold) -> str:
    """The paths taken: rows from the start down, one band per choice taken, as wide as the
    learners who took it (a withheld count: one nominal width)."""
    counted = flows(scenario, paths)
    study = set(study_path_steps(scenario)) if scenario.case.study_path else set()
    order = [s.id for s in scenario.case.scenes] + [e.id for e in scenario.case.endings]
    used = {n for source, _, target in counted for n in (source, target)}
    nodes = [n for n in order if n in used] + ([STOPPED] if STOPPED in used else [])
    nominal = max(1.0, withhold.below / 2)
    width_of = {f: (nominal if withhold.hidden(n) else float(n)) for f, n in counted.items()}
    through = {
        node: max(
            sum(w for (s, _, _), w in width_of.items() if s == node),
            sum(w for (_, _, t), w in width_of.items() if t == node),
        )
        for node in nodes
    }
    learners_at = {
        node: sum(n for (_, _, t), n in counted.items() if t == node)
        or sum(n for (s, _, _), n in counted.items() if s == node)
        for node in nodes
    }
    depth = _depths(nodes, counted)
    rows: dict[int, list[str]] = {}
    for node in nodes:
        rows.setdefault(depth[node], []).append(node)
    view, margin, label_px, bar_px, gap_px = 1000, 16, 17, 14, 64
    unit = min(
        (view - 2 * margin) * 0.4 / max(sum(through[n] for n in row) for row in rows.values()),
        min(
            (view - 2 * margin) / len(row) * 0.8 / max(through[n] for n in row)
            for row in rows.values()
        ),
    )
    x: dict[str, float] = {}
    y: dict[str, float] = {}
    labels: list[str] = []
    top = 10.0
    for number in sorted(rows):
        row = rows[number]
        slot = (view - 2 * margin) / len(row)
        wrapped = {
            n: _wrap(node_label(scenario, n), max(12, int(slot / (label_px * 0.55)))) for n in row
        }
        lines = max(len(w) for w in wrapped.values())
        for index, node in enumerate(row):
            centre = margin + slot * (index + 0.5)
            x[node] = centre - through[node] * unit / 2
            y[node] = top + lines * (label_px + 3)
            colour = ENDING if scenario.is_ending(node) else GREY if node == STOPPED else SCENE
            text = "".join(
                f'<tspan x="{centre:.1f}" dy="{0 if i == 0 else label_px + 3}">'
                f"{escape(line)}</tspan>"
                for i, line in enumerate(wrapped[node])
            )
            total = learners_at[node]
            labels.append(
                f'<text x="{centre:.1f}" y="{top + label_px:.1f}" text-anchor="middle" '
                f'font-size="{label_px}" fill="{INK}" stroke="#ffffff" stroke-width="5" '
                f'stroke-linejoin="round" paint-order="stroke">{text}</text>'
                f'<rect x="{x[node]:.1f}" y="{y[node]:.1f}" width="{through[node] * unit:.1f}" '
                f'height="{bar_px}" fill="{colour}"><title>{escape(node_label(scenario, node))}: '
                f"{withhold.text(total)} learner(s)</title></rect>"
            )
        top = y[row[0]] + bar_px + gap_px
    height = top - gap_px + 12
    out_at = {node: x[node] for node in nodes}
    in_at = {node: x[node] for node in nodes}
    bands = []
    for flow in sorted(counted, key=lambda f: (x[f[0]], x[f[2]], f[1])):
        source, choice, target = flow
        span = width_of[flow] * unit
        x0, x1 = out_at[source], in_at[target]
        out_at[source] += span
        in_at[target] += span
        y0, y1 = y[source] + bar_px, y[target]
        middle = (y0 + y1) / 2
        colour = STUDY_BAND if (source, choice) in study else OTHER_BAND
        label = scenario.choice(source, choice).label if choice else "(no further choice made)"
        bands.append(
            f'<path d="M{x0:.1f},{y0:.1f} C{x0:.1f},{middle:.1f} {x1:.1f},{middle:.1f} '
            f"{x1:.1f},{y1:.1f} L{x1 + span:.1f},{y1:.1f} C{x1 + span:.1f},{middle:.1f} "
            f'{x0 + span:.1f},{middle:.1f} {x0 + span:.1f},{y0:.1f} Z" fill="{colour}">'
            f"<title>{escape(label)}: {withhold.text(counted[flow])} learner(s)</title></path>"
        )
    return (
        f'<svg class="chart paths" viewBox="0 0 {view} {height:.0f}" role="img" '
        f'aria-label="{escape(scenario.title)}: the paths learners took" '
        f'font-family="system-ui, sans-serif">{"".join(bands)}{"".join(labels)}</svg>'
    )


def _middle(values: list[float]) -> tuple[float, float, float]:
    low, median, high = statistics.quantiles(values, n=4, method="inclusive")
    return low, median, high


@dataclass(frozen=True)
class _Frame:
    """One small chart's frame: where a (time, value) goes in its view box."""

    first: float
    last: float
    low: float
    high: float
    width: int = 520
    height: int = 330
    left: int = 56
    right: int = 14
    top: int = 14
    bottom: int = 50

    def at(self, time: float, value: float) -> str:
        across = self.left + (time - self.first) / max(self.last - self.first, 1e-9) * (
            self.width - self.left - self.right
        )
        down = self.top + (self.high - value) / max(self.high - self.low, 1e-9) * (
            self.height - self.top - self.bottom
        )
        return f"{across:.1f},{down:.1f}"

    def line(self, points: list[tuple[float, float]], style: str) -> str:
        joined = " ".join(self.at(t, v) for t, v in points)
        return f'<polyline points="{joined}" fill="none" {style}/>'


def _axes(scenario: Scenario, frame: _Frame) -> list[str]:
    parts = []
    for share in (0, 0.25, 0.5, 0.75, 1):
        tick = frame.low + (frame.high - frame.low) * share
        down = float(frame.at(frame.first, tick).split(",")[1])
        parts.append(
            f'<line x1="{frame.left}" x2="{frame.width - frame.right}" y1="{down:.1f}" '
            f'y2="{down:.1f}" stroke="#d9dde3"/><text x="{frame.left - 6}" y="{down + 5:.1f}" '
            f'text-anchor="end" font-size="15" fill="{INK}">{tick:g}</text>'
        )
    times = sorted({frame.first, frame.last, *(s.time for s in scenario.case.scenes)})
    for time in sorted({*times[:: max(1, len(times) // 6)], frame.last}):
        across = float(frame.at(time, frame.low).split(",")[0])
        parts.append(
            f'<text x="{across:.1f}" y="{frame.height - frame.bottom + 20}" text-anchor="middle" '
            f'font-size="15" fill="{INK}">{time:g}</text>'
        )
    parts.append(
        f'<text x="{(frame.left + frame.width - frame.right) / 2:.1f}" y="{frame.height - 8}" '
        f'text-anchor="middle" font-size="16" fill="{INK}">'
        f"{escape(scenario.case.time_unit.value)}</text>"
    )
    return parts


def spread_svgs(
    scenario: Scenario, paths: Sequence[tuple[Step, ...]], withhold: Withhold
) -> list[tuple[str, str]]:
    """One small chart per dimension: (its title, the SVG). Learners' own curves when there
    are at least ``withhold.below`` of them; the group's median and middle half at times at
    least that many reached; the study's path always."""
    curves: list[Trajectory] = [trajectory(scenario, list(path)) for path in paths]
    study = trajectory(scenario, study_path_steps(scenario)) if scenario.case.study_path else None
    first, last = scenario.time_span()
    charts = []
    for dimension in scenario.case.dimensions:
        frame = _Frame(first, last, dimension.min, dimension.max)
        key = dimension.id
        parts = _axes(scenario, frame)
        if len(curves) >= withhold.below:
            thin = f'stroke="{LEARNER}" stroke-width="1.5"'
            parts += [frame.line([(p.time, p.values[key]) for p in c.points], thin) for c in curves]
        band = []
        for time in sorted({p.time for c in curves for p in c.points}):
            values = [c.value_at(key, time) for c in curves if c.points[-1].time >= time]
            if len(values) >= max(withhold.below, 2):
                band.append((time, *_middle(values)))
        if band:
            upper = " ".join(frame.at(t, high) for t, _, _, high in band)
            lower = " ".join(frame.at(t, low) for t, low, _, _ in reversed(band))
            parts.append(f'<polygon points="{upper} {lower}" fill="rgba(31, 41, 51, 0.12)"/>')
            dotted = (
                f'stroke="{INK}" stroke-width="3" stroke-dasharray="2 5" stroke-linecap="round"'
            )
            parts.append(frame.line([(t, median) for t, _, median, _ in band], dotted))
        if study is not None:
            points = [(p.time, p.values[key]) for p in study.points]
            dashed = f'stroke="{STUDY}" stroke-width="3.5" stroke-dasharray="10 6"'
            parts.append(frame.line(points, dashed))
            for time, value in points:
                a, b = (float(n) for n in frame.at(time, value).split(","))
                parts.append(f'<path d="M{a:.1f},{b - 6:.1f} l6,6 l-6,6 l-6,-6 Z" fill="{STUDY}"/>')
        title = f"{dimension.label} ({frame.low:g} to {frame.high:g}; {dimension.better} is better)"
        charts.append(
            (
                title,
                f'<svg class="chart spread" viewBox="0 0 {frame.width} {frame.height}" role="img" '
                f'aria-label="{escape(title)}" font-family="system-ui, sans-serif">'
                f"{''.join(parts)}</svg>",
            )
        )
    return charts


__all__ = [
    "STOPPED",
    "WITHHOLD_BELOW",
    "Withhold",
    "flows",
    "node_label",
    "paths_svg",
    "spread_svgs",
]
