"""The player's relationship chart: a plotly figure shown in an ``Output`` and replaced on update.

Measured against ``go.FigureWidget`` under Voila (docs/design-notes.md has the figures and the
reasons for this choice): the ``Output`` costs a learner's page 5 MB less and the server about
100 MB less per page.
"""

from __future__ import annotations

import asyncio
import json
from html import escape
from typing import Any

import ipywidgets as widgets

from casework.journey import Journey
from casework.paths import alternatives, study_path_steps
from casework.plots import debrief_chart
from casework.scenario import Scenario
from casework.trust_model import Trajectory, trajectory

#: How plotly draws the chart in the page. ``responsive``: redraw to the window's width when
#: it changes (a phone turned, a page zoomed to 200%), instead of being cut off. No plotly
#: logo link and no "Share chart" button: that one uploads the chart to Plotly's cloud, and
#: learner pages talk to no third party. The select tools mean nothing on this chart and
#: each is one more Tab stop for keyboard users.
CHART_CONFIG: dict[str, Any] = {
    "responsive": True,
    "displaylogo": False,
    "modeBarButtonsToRemove": ["sendChartToCloud", "select2d", "lasso2d"],
}


#: On a hosted page, the first chart is sent this long (seconds) after the page is built.
#: Starting plotly.js costs the learner's browser about 0.8 s on a two-core machine, and the
#: page shows no widget until every widget in it has drawn: a chart sent with the page holds
#: back the buttons (preheated page, first button live: 2.3 s with the chart, 1.5 s without;
#: benchmarks/voila_speed.py). Sent a moment later, it is drawn after the buttons appear.
#: If the browser asks for the page's widgets later than this, the chart is simply among them.
FIRST_CHART_DELAY = 2.5


class ChartView:
    """The relationship chart, replaced in one state update each time it changes.

    ``first_delay``: seconds to hold back the first chart (see ``FIRST_CHART_DELAY``).
    """

    def __init__(self, first_delay: float = 0.0) -> None:
        self.output = widgets.Output(layout=widgets.Layout(width="100%"))
        self.output.add_class("hm-chart")
        #: The last mime bundle shown (what the page draws), kept for tests and checks.
        self.current: dict[str, Any] = {}
        self._first_delay = first_delay
        self._pending: asyncio.TimerHandle | None = None

    def show(self, figure: Any, description: str) -> None:
        """Replace the chart (plotly JSON or a figure); ``description`` is its text alternative."""
        chart = figure if isinstance(figure, dict) else _plotly_json(figure)
        chart = {**chart, "config": CHART_CONFIG}
        bundle = {"application/vnd.plotly.v1+json": chart, "text/plain": description}
        self.current = bundle
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        delay, self._first_delay = self._first_delay, 0.0
        if delay:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                pass
            else:
                placeholder = (
                    f'<div class="hm-chart-placeholder" role="img" '
                    f'aria-label="{escape(description)}"></div>'
                )
                self._draw({"text/html": placeholder, "text/plain": description})
                self._pending = loop.call_later(delay, self._draw, bundle)
                return
        self._draw(bundle)

    def _draw(self, bundle: dict[str, Any]) -> None:
        """Replace what the Output holds in one state update (also from a timer, where no
        cell's output is being captured)."""
        self._pending = None
        self.output.outputs = ({"output_type": "display_data", "data": bundle, "metadata": {}},)


def debrief_for(
    scenario: Scenario, journey: Journey, path: Trajectory, ghost_step: int | None
) -> dict[str, Any]:
    """The debrief chart: the learner's path, the study's, and (at a chosen decision) the paths
    not taken there, listed in the order this learner saw the options."""
    study = None
    if scenario.case.study_path:
        study = trajectory(scenario, study_path_steps(scenario))
    ghosts: dict[str, Trajectory] = {}
    labels: dict[str, str] = {}
    if ghost_step is not None and ghost_step < len(journey.steps):
        steps = journey.path()
        found = alternatives(scenario, steps, ghost_step)
        scene_id = steps[ghost_step][0]
        order = [c.id for c in journey.options(scenario, scene_id)]
        ghosts = {c: found[c] for c in order if c in found}
        labels = {c: scenario.choice(scene_id, c).label for c in ghosts}
    return debrief_chart(scenario, path, study, ghosts, labels)


def _plotly_json(figure: Any) -> dict[str, Any]:
    import plotly.io as pio

    loaded: dict[str, Any] = json.loads(pio.to_json(figure, validate=False))
    return loaded


def chart_description(scenario: Scenario, path: Trajectory) -> str:
    """The chart in words, for screen readers and text-only views."""
    last = path.points[-1]
    parts = [
        f"{d.label}: {path.start.values[d.id]:.0f} at the start, {last.values[d.id]:.0f} now"
        for d in scenario.case.dimensions
    ]
    return "Relationship chart (a teaching model, not a prediction). " + "; ".join(parts) + "."
