"""Every chart in words: a summary sentence, a data table, and a legend the page can wrap.

A screen-reader user gets the story the lines tell, not an SVG; a phone gets a legend and
titles in HTML that wrap instead of running into each other. All text is escaped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from itertools import pairwise

from casework.plots import DIMENSION_STYLES, Series
from casework.scenario import Scenario
from casework.trust_model import TEACHING_MODEL_NOTE, Trajectory

#: A change smaller than this (on a 0-100 line) is not worth a word in the summary.
NOTABLE = 5.0

_DASHES = {
    "solid": "",
    "dash": "8 4",
    "dot": "2 4",
    "dashdot": "8 4 2 4",
    "longdash": "14 4",
    "longdashdot": "14 4 2 4",
}


def _when(scenario: Scenario, time: float) -> str:
    unit = "month" if scenario.case.time_unit.value == "months" else "week"
    return f"{unit} {time:g}"


def _marker_svg(symbol: str, colour: str) -> str:
    """A small drawing of a line's marker, so the legend tells lines apart without colour."""
    c = escape(colour)
    if symbol.startswith("circle"):
        return f'<circle cx="20" cy="8" r="4" fill="{c}"/>'
    if symbol.startswith("square"):
        return f'<rect x="16" y="4" width="8" height="8" fill="{c}"/>'
    if symbol.startswith("diamond"):
        return f'<path d="M20 3 L25 8 L20 13 L15 8 Z" fill="{c}"/>'
    if symbol.startswith("triangle-down"):
        return f'<path d="M15 4 L25 4 L20 13 Z" fill="{c}"/>'
    if symbol.startswith("triangle"):
        return f'<path d="M20 3 L25 12 L15 12 Z" fill="{c}"/>'
    if symbol in ("x", "cross"):
        turn = "" if symbol == "x" else ' transform="rotate(45 20 8)"'
        return f'<path d="M16 4 L24 12 M24 4 L16 12" stroke="{c}" stroke-width="2.5"{turn}/>'
    return f'<path d="M20 3 L22 7 L26 8 L22 9 L20 13 L18 9 L14 8 L18 7 Z" fill="{c}"/>'


def _swatch(colour: str, dash: str, symbol: str) -> str:
    pattern = _DASHES.get(dash, "")
    dashes = f' stroke-dasharray="{pattern}"' if pattern else ""
    return (
        '<svg class="hm-swatch" width="40" height="16" viewBox="0 0 40 16" aria-hidden="true" '
        'focusable="false">'
        f'<line x1="1" y1="8" x2="39" y2="8" stroke="{escape(colour)}" stroke-width="3"'
        f"{dashes}/>{_marker_svg(symbol, colour)}</svg>"
    )


def legend_html(entries: Iterable[tuple[str, str, str, str]]) -> str:
    """A legend as a list: (name, colour, dash, marker symbol) per line. It wraps."""
    items = "".join(
        f"<li>{_swatch(colour, dash, symbol)}<span>{escape(name)}</span></li>"
        for name, colour, dash, symbol in entries
    )
    return f'<ul class="hm-legend" aria-label="What each line shows">{items}</ul>'


def dimension_legend_html(scenario: Scenario) -> str:
    """The live chart's legend: one line per dimension."""
    return legend_html(
        (d.label, *DIMENSION_STYLES[i % len(DIMENSION_STYLES)])
        for i, d in enumerate(scenario.case.dimensions)
    )


def series_legend_html(series: Sequence[Series]) -> str:
    """The debrief's legend: your path, the study's, and the paths not taken."""
    return legend_html(
        (s.name, s.line["color"], s.line["dash"], s.marker["symbol"]) for s in series
    )


def summary_sentence(scenario: Scenario, path: Trajectory) -> str:
    """The chart in one sentence per line, e.g. "Samantha's trust in you rose from 15 to 67
    between month 0 and month 12, dipping at month 10"."""
    points = path.points
    if len(points) < 2:
        values = "; ".join(
            f"{d.label} starts at {points[0].values[d.id]:.0f}" for d in scenario.case.dimensions
        )
        return f"Nothing has moved yet: {values}."
    first, last = points[0], points[-1]
    span = f"between {_when(scenario, first.time)} and {_when(scenario, last.time)}"
    parts = []
    for d in scenario.case.dimensions:
        start, end = first.values[d.id], last.values[d.id]
        change = end - start
        if abs(change) < 0.5:
            told = f"{d.label} stayed at {end:.0f}"
        else:
            told = f"{d.label} {'rose' if change > 0 else 'fell'} from {start:.0f} to {end:.0f}"
        steps = [(b.values[d.id] - a.values[d.id], b.time) for a, b in pairwise(points)]
        against = [(delta, when) for delta, when in steps if delta * (change or 1) < 0]
        if against:
            delta, when = max(against, key=lambda item: abs(item[0]))
            if abs(delta) >= NOTABLE:
                word = "dipping" if delta < 0 else "rising"
                told += f", {word} at {_when(scenario, when)}"
        parts.append(told)
    return "; ".join(parts) + f" ({span})."


def table_html(scenario: Scenario, name: str, path: Trajectory) -> str:
    """One line of the chart as a table: when, what was chosen, and each dimension."""
    dims = scenario.case.dimensions
    unit = "Month" if scenario.case.time_unit.value == "months" else "Week"
    head = "".join(f'<th scope="col">{escape(d.label)}</th>' for d in dims)
    rows = []
    for point in path.points:
        what = "Start" if point.choice is None and point.label == "Start" else point.label
        cells = "".join(f"<td>{point.values[d.id]:.0f}</td>" for d in dims)
        rows.append(f'<tr><th scope="row">{unit} {point.time:g}: {escape(what)}</th>{cells}</tr>')
    return (
        f'<table class="hm-data"><caption>{escape(name)}</caption>'
        f'<thead><tr><th scope="col">When, and the choice made</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def text_equivalent_html(scenario: Scenario, lines: Sequence[tuple[str, Trajectory]]) -> str:
    """What a chart shows, in words: a summary per line, then every value in a table, in a
    disclosure a screen reader reaches in reading order after the chart."""
    summaries = "".join(
        f"<li><strong>{escape(name)}:</strong> {escape(summary_sentence(scenario, path))}</li>"
        for name, path in lines
    )
    tables = "".join(table_html(scenario, name, path) for name, path in lines)
    return (
        '<div class="hm-chart-text hm-chart-wide">'
        f'<p class="hm-small">{escape(TEACHING_MODEL_NOTE)}</p>'
        f'<ul class="hm-chart-summary">{summaries}</ul>'
        f"<details><summary>The chart as a table</summary>{tables}</details>"
        "</div>"
    )
