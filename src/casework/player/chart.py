"""The player's relationship chart: a plotly figure shown in an ``Output`` and replaced on update.

Measured against ``go.FigureWidget`` under Voila (docs/design-notes.md has the figures and the
reasons for this choice): the ``Output`` costs a learner's page 5 MB less and the server about
100 MB less per page.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from html import escape
from typing import Any

import ipywidgets as widgets

from casework import chart_text, views
from casework.journey import Journey
from casework.paths import alternatives, study_path_steps
from casework.plots import Series, debrief_series
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

    What the page shows, in reading order: a heading with the legend (HTML, so it wraps on a
    phone), the chart or charts (the debrief's small multiples, one figure per dimension, laid
    out two across or one above another by the page's CSS), then the chart in words (a summary
    per line and the values in a table). ``first_delay``: seconds to hold back the first chart
    (see ``FIRST_CHART_DELAY``); the words are shown at once.
    """

    def __init__(self, first_delay: float = 0.0, *, hold_first: bool = False) -> None:
        self.output = widgets.Output(layout=widgets.Layout(width="100%"))
        self.output.add_class("hm-chart")
        #: The first chart's mime bundle (what the page draws), kept for tests and checks.
        self.current: dict[str, Any] = {}
        #: Every chart's mime bundle, in order.
        self.charts: list[dict[str, Any]] = []
        self._first_delay = first_delay
        self._pending: asyncio.TimerHandle | None = None
        #: A preheated page holds its first chart until ``release_first`` (the learner came).
        self._hold_first = hold_first
        self._held: list[dict[str, Any]] | None = None

    def show(
        self,
        figures: Any,
        description: str,
        *,
        heading_html: str = "",
        text_html: str = "",
    ) -> None:
        """Replace the chart: one figure or a list (plotly JSON or figures), its description
        (the text alternative), and the HTML before it (heading, legend) and after it (words)."""
        many = figures if isinstance(figures, list) else [figures]
        self.charts = [
            {
                "application/vnd.plotly.v1+json": {
                    **(one if isinstance(one, dict) else _plotly_json(one)),
                    "config": CHART_CONFIG,
                },
                "text/plain": description,
            }
            for one in many
        ]
        self.current = self.charts[0] if self.charts else {}
        before = [{"text/html": heading_html, "text/plain": ""}] if heading_html else []
        after = [{"text/html": text_html, "text/plain": description}] if text_html else []
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        if self._hold_first:
            placeholder = (
                f'<div class="hm-chart-placeholder" role="img" '
                f'aria-label="{escape(description)}"></div>'
            )
            self._draw([*before, {"text/html": placeholder, "text/plain": description}, *after])
            self._held = [*before, *self.charts, *after]
            return
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
                self._draw([*before, {"text/html": placeholder, "text/plain": description}, *after])
                self._pending = loop.call_later(delay, self._draw, [*before, *self.charts, *after])
                return
        self._draw([*before, *self.charts, *after])

    def release_first(self) -> None:
        """The learner has come: draw the held chart ``first_delay`` seconds from now (so it
        follows the buttons into their page), or at once outside an event loop."""
        self._hold_first = False
        held, self._held = self._held, None
        if held is None:
            return
        delay, self._first_delay = self._first_delay, 0.0
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._draw(held)
            return
        self._pending = loop.call_later(delay, self._draw, held)

    def _draw(self, bundles: list[dict[str, Any]]) -> None:
        """Replace what the Output holds in one state update (also from a timer, where no
        cell's output is being captured)."""
        self._pending = None
        self.output.outputs = tuple(
            {"output_type": "display_data", "data": bundle, "metadata": {}} for bundle in bundles
        )


def debrief_for(
    scenario: Scenario, journey: Journey, path: Trajectory, ghost_step: int | None
) -> list[Series]:
    """The debrief's lines: the learner's path, the study's, and (at a chosen decision) the
    paths not taken there, listed in the order this learner saw the options."""
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
    return debrief_series(path, study, ghosts, labels)


def live_chart_html(scenario: Scenario) -> str:
    """The live chart's heading and legend."""
    return (
        '<div class="hm-chart-head hm-chart-wide"><h4>How the relationship has moved so far</h4>'
        f"{chart_text.dimension_legend_html(scenario)}</div>"
    )


def debrief_chart_html(series: list[Series]) -> str:
    """The debrief chart's heading and legend."""
    return (
        '<div class="hm-chart-head hm-chart-wide">'
        "<h4>Your path beside the path in the study</h4>"
        f"{chart_text.series_legend_html(series)}</div>"
    )


def ghost_picker(
    scenario: Scenario,
    journey: Journey,
    current: int | None,
    on_pick: Callable[[dict[str, Any]], None],
) -> list[widgets.Widget]:
    """At the debrief: choose a decision to draw the paths not taken there."""
    options = [("Choose a decision...", -1)] + [
        (f"{views.when(scenario, scenario.scenes[s].time)}: {scenario.scenes[s].title}", i)
        for i, (s, _c) in enumerate(journey.path())
        if len(scenario.scenes[s].choices) > 1
    ]
    picker = widgets.Dropdown(
        options=options,
        value=current if current is not None else -1,
        description="Show the paths not taken at",
        style={"description_width": "initial"},
        layout=widgets.Layout(width="100%"),
    )
    picker.observe(on_pick, names="value")
    heading = widgets.HTML(
        "<h4>What if you had chosen otherwise?</h4><p>Pick a decision to see, as dotted "
        "lines, how the model says the relationship would have gone with each other "
        "choice there (later choices kept as yours where the paths meet again).</p>"
    )
    return [heading, picker]


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
