"""The player draws its charts from plain data: the same charts as the plotly figures.

``relationship_chart`` and ``debrief_charts`` exist for speed (a kernel that never builds a
``go.Figure`` never imports plotly's validators: see benchmarks/voila_speed.py). These tests
hold them to the figures ``relationship_figure`` and ``debrief_figures`` draw, and check that
plotly accepts them as they are.
"""

from __future__ import annotations

import json
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio
import pytest

from casework.catalog import load_case
from casework.paths import alternatives, study_path_steps
from casework.plots import (
    debrief_charts,
    debrief_figures,
    debrief_series,
    relationship_chart,
    relationship_figure,
)
from casework.trust_model import trajectory

CASES = ("clarke", "keisha", "nicholls", "project_x", "demo")


def as_sent(chart: Any) -> dict[str, Any]:
    """What the page receives, floats rounded (plotly's grid arithmetic differs in the 16th
    digit) and without the figure's empty template."""
    if isinstance(chart, go.Figure):
        chart = json.loads(pio.to_json(chart, validate=False))
        chart["layout"].pop("template")

    def rounded(value: Any) -> Any:
        if isinstance(value, float):
            return round(value, 9)
        if isinstance(value, dict):
            return {key: rounded(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [rounded(item) for item in value]
        return value

    return rounded(json.loads(json.dumps(chart)))


@pytest.mark.parametrize("case_id", CASES)
def test_the_live_chart_is_the_relationship_figure(case_id: str) -> None:
    scenario = load_case(case_id)
    steps = study_path_steps(scenario)
    for taken in range(len(steps) + 1):
        path = trajectory(scenario, steps[:taken])
        chart = relationship_chart(scenario, path)
        go.Figure(chart)  # plotly validates every property
        assert as_sent(chart) == as_sent(relationship_figure(scenario, path))


@pytest.mark.parametrize("case_id", CASES)
def test_the_debrief_chart_is_the_debrief_figure(case_id: str) -> None:
    scenario = load_case(case_id)
    steps = study_path_steps(scenario)
    learner = trajectory(scenario, steps)
    ghosts = alternatives(scenario, steps, 0)
    labels = {c: scenario.choice(steps[0][0], c).label for c in ghosts}
    for arguments in [(None, None, None), (learner, None, None), (learner, ghosts, labels)]:
        series = debrief_series(learner, *arguments)
        charts = debrief_charts(scenario, series)
        assert len(charts) == len(scenario.case.dimensions), "one panel per dimension"
        for chart, figure in zip(charts, debrief_figures(scenario, series), strict=True):
            go.Figure(chart)
            assert as_sent(chart) == as_sent(figure)
            assert [trace["name"] for trace in chart["data"]] == [s.name for s in series]
