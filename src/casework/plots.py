"""Charts, all with plotly: the case map for authors and educators.

Colour never carries meaning alone: endings differ from scenes by marker shape, and the
study path differs from other choices by line width and dash as well as colour.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go

from casework.paths import study_path_steps
from casework.scenario import Scenario
from casework.trust_model import Point, Trajectory

#: Colours with at least 4.5:1 contrast on white (Okabe-Ito, darkened where needed).
INK = "#1f2933"
SCENE_COLOUR = "#0b5394"
ENDING_COLOUR = "#8a3b00"
STUDY_COLOUR = "#006d4e"
EDGE_COLOUR = "#6b7280"
#: The paths not taken: grey, 7:1 on white.
GHOST_COLOUR = "#595959"


def _positions(scenario: Scenario) -> dict[str, tuple[float, float]]:
    """x is the node's time; nodes at the same time are spread evenly on y in file order."""
    by_time: dict[float, list[str]] = defaultdict(list)
    for scene in scenario.case.scenes:
        by_time[scene.time].append(scene.id)
    for ending in scenario.case.endings:
        by_time[ending.time].append(ending.id)
    positions: dict[str, tuple[float, float]] = {}
    for time, ids in by_time.items():
        for rank, node_id in enumerate(ids):
            positions[node_id] = (time, rank - (len(ids) - 1) / 2)
    return positions


def case_map(scenario: Scenario) -> go.Figure:
    """The scenario as a graph: scenes by time, choices as edges, endings and study path marked."""
    positions = _positions(scenario)
    study = set(study_path_steps(scenario)) if scenario.case.study_path else set()
    edge_x: list[float | None] = []
    edge_y: list[float | None] = []
    study_x: list[float | None] = []
    study_y: list[float | None] = []
    for scene in scenario.case.scenes:
        for choice in scene.choices:
            if choice.next not in positions:
                continue
            (x0, y0), (x1, y1) = positions[scene.id], positions[choice.next]
            xs, ys = (study_x, study_y) if (scene.id, choice.id) in study else (edge_x, edge_y)
            xs.extend([x0, x1, None])
            ys.extend([y0, y1, None])
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(
            x=edge_x,
            y=edge_y,
            mode="lines",
            name="choice",
            line={"color": EDGE_COLOUR, "width": 1},
            hoverinfo="skip",
        )
    )
    if study_x:
        figure.add_trace(
            go.Scatter(
                x=study_x,
                y=study_y,
                mode="lines",
                name="path taken in the study",
                line={"color": STUDY_COLOUR, "width": 4, "dash": "dash"},
                hoverinfo="skip",
            )
        )
    unit = scenario.case.time_unit.value.rstrip("s")
    scenes = scenario.case.scenes
    figure.add_trace(
        go.Scatter(
            x=[positions[s.id][0] for s in scenes],
            y=[positions[s.id][1] for s in scenes],
            mode="markers",
            name="scene",
            marker={"symbol": "circle", "size": 12, "color": SCENE_COLOUR},
            text=[
                f"{s.title}<br>{unit} {s.time:g} · {s.id}<br>"
                + "<br>".join(f"→ {c.label} ({c.next})" for c in s.choices)
                for s in scenes
            ],
            hovertemplate="%{text}<extra></extra>",
        )
    )
    endings = scenario.case.endings
    figure.add_trace(
        go.Scatter(
            x=[positions[e.id][0] for e in endings],
            y=[positions[e.id][1] for e in endings],
            mode="markers+text",
            name="ending",
            marker={"symbol": "diamond", "size": 16, "color": ENDING_COLOUR},
            text=[e.title for e in endings],
            textposition="middle left",
            hovertext=[f"Ending: {e.title} ({e.kind})" for e in endings],
            hovertemplate="%{hovertext}<extra></extra>",
        )
    )
    figure.update_layout(
        title=f"Map of the case: {scenario.title}",
        xaxis_title=f"time ({scenario.case.time_unit.value})",
        yaxis={"visible": False},
        font={"color": INK},
        plot_bgcolor="white",
        legend={"orientation": "h", "y": -0.2},
        margin={"l": 20, "r": 160, "t": 60, "b": 80},
    )
    return figure


# --- the relationship chart -------------------------------------------------------------

#: One style per dimension: colour, dash and marker differ, so no meaning rests on colour.
#: Colours keep at least 4.5:1 contrast on white.
DIMENSION_STYLES: tuple[tuple[str, str, str], ...] = (
    ("#0b5394", "solid", "circle"),
    ("#8a3b00", "dash", "square"),
    ("#006d4e", "dot", "diamond"),
    ("#6a1b9a", "dashdot", "triangle-up"),
    ("#7a4f01", "longdash", "x"),
    ("#1f2933", "longdashdot", "star"),
)


#: Kept short so it fits a phone-width chart; the full note is shown as text beside it.
SHORT_MODEL_NOTE = "A teaching model, not a prediction"


def _unit_word(scenario: Scenario) -> str:
    return "Month" if scenario.case.time_unit.value == "months" else "Week"


def _hover(scenario: Scenario, point: Point, dimension: str) -> str:
    when = f"{_unit_word(scenario)} {point.time:g}"
    what = "Start" if point.choice is None and point.label == "Start" else point.label
    label = scenario.dimensions[dimension].label
    return f"{when}: {what}<br>{label}: {point.values[dimension]:.0f}"


def _y_range(scenario: Scenario) -> list[float]:
    low = min(d.min for d in scenario.case.dimensions)
    high = max(d.max for d in scenario.case.dimensions)
    return [low - (high - low) * 0.03, high + (high - low) * 0.03]


def _x_range(scenario: Scenario) -> list[float]:
    first, last = scenario.time_span()
    pad = max(0.3, (last - first) * 0.03)
    return [first - pad, last + pad]


def _layout_style(title: str) -> dict[str, Any]:
    """The course's plotly layout. ``title`` "" leaves the title and legend to the page: the
    player's charts carry their titles, legend and text equivalent in HTML, which wraps on a
    phone where plotly's text cannot (and so never overlaps)."""
    style: dict[str, Any] = {
        "font": {"color": INK, "size": 13},
        "plot_bgcolor": "white",
        "paper_bgcolor": "white",
        "hovermode": "closest",
        "autosize": True,
    }
    if not title:
        return style | {"showlegend": False, "margin": {"l": 44, "r": 12, "t": 12, "b": 44}}
    return style | {
        "title": {
            "text": title,
            "x": 0,
            "font": {"size": 16},
            "subtitle": {"text": SHORT_MODEL_NOTE, "font": {"size": 12, "color": INK}},
        },
        "legend": {"orientation": "h", "y": -0.22, "x": 0},
        "margin": {"l": 48, "r": 16, "t": 70, "b": 90},
        "height": 440,
    }


def _x_axis_style(scenario: Scenario) -> dict[str, Any]:
    return {
        "title": {"text": scenario.case.time_unit.value},
        "range": _x_range(scenario),
        "gridcolor": "#d9dde3",
        "zeroline": False,
    }


def _y_axis_style(scenario: Scenario) -> dict[str, Any]:
    return {"range": _y_range(scenario), "gridcolor": "#d9dde3", "zeroline": False}


def style_chart(figure: go.Figure, scenario: Scenario, title: str) -> None:
    """The course's chart style: readable, accessible, and labelled as a teaching model."""
    # No default template: it would add about 8 KB to every chart update sent to a page.
    figure.update_layout(template="none", **_layout_style(title))
    figure.update_xaxes(**_x_axis_style(scenario))
    figure.update_yaxes(**_y_axis_style(scenario))


def relationship_chart(scenario: Scenario, trajectory: Trajectory) -> dict[str, Any]:
    """The live chart as plotly.js reads it: one line per dimension over the case's time.

    Plain data rather than a ``go.Figure``: the player redraws this chart after every
    choice, and building and serialising a validated figure cost a fresh kernel about a
    second the first time (importing plotly's validators) and tens of milliseconds on
    every choice after. ``relationship_figure`` is the same chart as a figure.
    """
    data = []
    points = trajectory.points
    for index, dimension in enumerate(scenario.case.dimensions):
        colour, dash, symbol = DIMENSION_STYLES[index % len(DIMENSION_STYLES)]
        data.append(
            {
                "type": "scatter",
                "x": [p.time for p in points],
                "y": [p.values[dimension.id] for p in points],
                "mode": "lines+markers",
                "name": dimension.label,
                "line": {"color": colour, "dash": dash, "width": 2.5},
                "marker": {"symbol": symbol, "size": 9, "color": colour},
                "hovertext": [_hover(scenario, p, dimension.id) for p in points],
                "hovertemplate": "%{hovertext}<extra></extra>",
            }
        )
    layout = _layout_style("") | {"height": LIVE_HEIGHT}
    layout |= {"xaxis": _x_axis_style(scenario), "yaxis": _y_axis_style(scenario)}
    return {"data": data, "layout": layout}


def relationship_figure(scenario: Scenario, trajectory: Trajectory) -> go.Figure:
    """The live chart as a plotly figure (see ``relationship_chart``)."""
    figure = go.Figure(relationship_chart(scenario, trajectory))
    figure.update_layout(template="none")
    return figure


def dimension_panels(scenario: Scenario) -> tuple[go.Figure, int, int]:
    """An empty grid with one panel per dimension (two columns), titled with its label.

    Returns the figure, the number of columns and the number of rows: the panel of the
    ``i``-th dimension is at row ``i // columns + 1``, column ``i % columns + 1``.
    """
    from html import escape

    from plotly.subplots import make_subplots

    dims = scenario.case.dimensions
    columns = 2 if len(dims) > 1 else 1
    rows = (len(dims) + columns - 1) // columns
    figure = make_subplots(
        rows=rows,
        cols=columns,
        subplot_titles=[escape(d.label) for d in dims],
        vertical_spacing=0.16,
        horizontal_spacing=0.08,
    )
    return figure, columns, rows


#: Heights (px) of the live chart and of one debrief panel: small enough that a phone shows
#: a whole panel, with its axis labels, on one screen.
LIVE_HEIGHT = 340
PANEL_HEIGHT = 260
#: A panel's title is broken after this many characters: it fits a 320 px wide panel.
PANEL_TITLE_CHARACTERS = 32


@dataclass(frozen=True)
class Series:
    """A line on the debrief: its name, the path, and how it is drawn (colour, dash, marker),
    so the page's legend can show each line as the chart draws it."""

    name: str
    path: Trajectory
    line: dict[str, Any]
    marker: dict[str, Any]


def debrief_series(
    learner: Trajectory,
    study: Trajectory | None,
    ghosts: dict[str, Trajectory] | None,
    ghost_labels: dict[str, str] | None,
) -> list[Series]:
    """Your path, the study's, and the paths not taken, each told apart by dash and marker as
    well as colour (every colour at least 3:1 against white, most 4.5:1)."""
    series = [
        Series(
            "Your path",
            learner,
            {"color": SCENE_COLOUR, "width": 3, "dash": "solid"},
            {"symbol": "circle", "size": 8},
        )
    ]
    if study is not None:
        series.append(
            Series(
                "The path in the study",
                study,
                {"color": STUDY_COLOUR, "width": 2.5, "dash": "dash"},
                {"symbol": "diamond", "size": 8},
            )
        )
    ghost_styles = (("dot", "x"), ("dashdot", "triangle-down"), ("longdash", "cross"))
    for number, (choice_id, ghost) in enumerate((ghosts or {}).items()):
        name = (ghost_labels or {}).get(choice_id, choice_id)
        dash, symbol = ghost_styles[number % len(ghost_styles)]
        series.append(
            Series(
                f"Had you chosen: {name}",
                ghost,
                {"color": GHOST_COLOUR, "width": 1.8, "dash": dash},
                {"symbol": symbol, "size": 7},
            )
        )
    return series


def debrief_charts(scenario: Scenario, series: list[Series]) -> list[dict[str, Any]]:
    """The debrief as small multiples: one chart per dimension, each its own figure.

    Separate figures, not one grid of subplots: the page lays them out two across on a wide
    screen and one above another on a phone, and no panel's title, axis or legend can run into
    another's. Plain data for the reason given in ``relationship_chart``.
    """
    from html import escape

    charts = []
    for dimension in scenario.case.dimensions:
        data: list[dict[str, Any]] = [
            {
                "type": "scatter",
                "x": [p.time for p in one.path.points],
                "y": [p.values[dimension.id] for p in one.path.points],
                "mode": "lines+markers",
                "name": one.name,
                "line": one.line,
                "marker": {**one.marker, "color": one.line["color"]},
                "hovertext": [
                    f"{escape(one.name)}<br>{_hover(scenario, p, dimension.id)}"
                    for p in one.path.points
                ],
                "hovertemplate": "%{hovertext}<extra></extra>",
            }
            for one in series
        ]
        title = _wrapped(escape(dimension.label))
        lines = title.count("<br>") + 1
        layout = _layout_style("") | {"height": PANEL_HEIGHT + 20 * lines}
        layout["margin"] = {**layout["margin"], "t": 16 + 20 * lines}
        layout["title"] = {"text": title, "x": 0, "xanchor": "left", "font": {"size": 15}}
        layout |= {"xaxis": _x_axis_style(scenario), "yaxis": _y_axis_style(scenario)}
        charts.append({"data": data, "layout": layout})
    return charts


def _wrapped(text: str, width: int = PANEL_TITLE_CHARACTERS) -> str:
    """A panel title broken into lines of at most ``width`` characters (plotly does not wrap
    titles: a long one would run off a phone-width panel)."""
    import textwrap

    return "<br>".join(textwrap.wrap(text, width)) or text


def debrief_figures(scenario: Scenario, series: list[Series]) -> list[go.Figure]:
    """``debrief_charts`` as plotly figures (for notebooks and reports)."""
    figures = []
    for chart in debrief_charts(scenario, series):
        figure = go.Figure(chart)
        figure.update_layout(template="none")
        figures.append(figure)
    return figures
