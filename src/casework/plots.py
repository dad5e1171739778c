"""Charts, all with plotly: the case map for authors and educators.

Colour never carries meaning alone: endings differ from scenes by marker shape, and the
study path differs from other choices by line width and dash as well as colour.
"""

from __future__ import annotations

from collections import defaultdict

import plotly.graph_objects as go

from casework.scenario import Scenario

#: Colours with at least 4.5:1 contrast on white (Okabe-Ito, darkened where needed).
INK = "#1f2933"
SCENE_COLOUR = "#0b5394"
ENDING_COLOUR = "#8a3b00"
STUDY_COLOUR = "#006d4e"
EDGE_COLOUR = "#6b7280"


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
    study = set(scenario.study_path_steps()) if scenario.case.study_path else set()
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
            textposition="middle right",
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
