"""The room's relationship curves as a band beside the path in the study: one small chart per
dimension (plain plotly data, as the player's charts are), and the same in words.

The band is the middle half of the room (from the lower to the upper quartile) with the
median through it, drawn only at times at least ``MIN_COUNT`` learners reached, so that no
single learner's curve can be read off it.
"""

from __future__ import annotations

from html import escape
from typing import Any

from casework import views
from casework.plots import (
    PANEL_HEIGHT,
    SCENE_COLOUR,
    STUDY_COLOUR,
    _layout_style,
    _x_axis_style,
    _y_axis_style,
)
from casework.rooms.tally import MIN_COUNT, BandPoint, Path, RoomTally
from casework.scenario import Scenario
from casework.trust_model import TEACHING_MODEL_NOTE, study_path_steps, trajectory

BAND_FILL = "rgba(11, 83, 148, 0.22)"


def bands(tally: RoomTally, paths: list[Path]) -> dict[str, list[BandPoint]]:
    return {d.id: tally.band(paths, d.id) for d in tally.scenario.case.dimensions}


def band_charts(scenario: Scenario, spread: dict[str, list[BandPoint]]) -> list[dict[str, Any]]:
    """One chart per dimension: the room's middle half (shaded), its median, the study path."""
    study = trajectory(scenario, study_path_steps(scenario)) if scenario.case.study_path else None
    charts = []
    for dimension in scenario.case.dimensions:
        band = spread[dimension.id]
        xs = [p.time for p in band]
        data: list[dict[str, Any]] = [
            {"type": "scatter", "x": xs, "y": [p.high for p in band], "mode": "lines",
             "line": {"width": 0, "color": SCENE_COLOUR}, "hoverinfo": "skip",
             "showlegend": False, "name": "upper quartile"},
            {"type": "scatter", "x": xs, "y": [p.low for p in band], "mode": "lines",
             "fill": "tonexty", "fillcolor": BAND_FILL, "line": {"width": 0, "color": SCENE_COLOUR},
             "name": "The middle half of the room", "hoverinfo": "skip"},
            {"type": "scatter", "x": xs, "y": [p.median for p in band], "mode": "lines+markers",
             "name": "The room's median", "line": {"color": SCENE_COLOUR, "width": 3},
             "marker": {"symbol": "circle", "size": 8, "color": SCENE_COLOUR},
             "hovertemplate": "Median at %{x}: %{y:.0f}<extra></extra>"},
        ]  # fmt: skip
        if study is not None:
            data.append(
                {"type": "scatter", "x": [p.time for p in study.points],
                 "y": [p.values[dimension.id] for p in study.points], "mode": "lines+markers",
                 "name": "The path in the study",
                 "line": {"color": STUDY_COLOUR, "width": 2.5, "dash": "dash"},
                 "marker": {"symbol": "diamond", "size": 8, "color": STUDY_COLOUR},
                 "hovertemplate": "The path in the study at %{x}: %{y:.0f}<extra></extra>"}
            )  # fmt: skip
        layout = _layout_style("") | {"height": PANEL_HEIGHT + 20}
        layout["margin"] = {**layout["margin"], "t": 36}
        layout["title"] = {"text": escape(dimension.label), "x": 0, "xanchor": "left"}
        layout |= {"xaxis": _x_axis_style(scenario), "yaxis": _y_axis_style(scenario)}
        charts.append({"data": data, "layout": layout})
    return charts


def band_heading_html() -> str:
    return (
        '<div class="hm-chart-head hm-chart-wide"><h4>The relationship across the room</h4>'
        "<p>The shaded band is the middle half of the room; the solid line its median; the "
        f"dashed line with diamonds the path in the study. Shown only where at least {MIN_COUNT} "
        "learners have reached.</p></div>"
    )


def band_text_html(scenario: Scenario, spread: dict[str, list[BandPoint]]) -> str:
    """The band in words: a table per dimension (time, learners, quartiles, median)."""
    tables = []
    for dimension in scenario.case.dimensions:
        rows = "".join(
            f"<tr><td>{escape(views.when(scenario, p.time))}</td>"
            f'<td class="number">{p.learners}</td><td class="number">{p.low:.0f} to '
            f'{p.high:.0f}</td><td class="number">{p.median:.0f}</td></tr>'
            for p in spread[dimension.id]
        )
        if not rows:
            continue
        tables.append(
            f"<table><caption>{escape(dimension.label)} across the room</caption><thead><tr>"
            '<th scope="col">When</th><th scope="col">Learners</th>'
            '<th scope="col">Middle half</th><th scope="col">Median</th></tr></thead>'
            f"<tbody>{rows}</tbody></table>"
        )
    if not tables:
        return f"<p>The band appears once at least {MIN_COUNT} learners have made a choice.</p>"
    return f"<p>{escape(TEACHING_MODEL_NOTE)}</p>" + "".join(tables)
