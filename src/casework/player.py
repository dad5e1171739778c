"""The player: a case as a branching widget scenario with a live relationship chart.

One call from a notebook plays a case (``casework.course.play_case("clarke")``). The
learner reads a scene, chooses with real buttons, sees the consequence, the practice
idea and the research behind it, writes reflections where the case invites them, and
at the end reads a debrief beside the path taken in the study, with the paths not
taken drawn as ghost curves.

Two rules shape the code:
- the journey is saved before anything is shown about a choice, and a reflection at
  most ``SAVE_DELAY`` seconds after typing stops, so nothing is lost to a dead kernel;
- no Python traceback ever reaches a learner: every handler is guarded, the learner
  sees a plain message, the journey is kept, and the details go to the server's log.
"""

from __future__ import annotations

import asyncio
import atexit
import base64
import functools
import logging
import os
import sys
import threading
import weakref
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar
from urllib.parse import parse_qs, urlencode, urlparse, urlunparse

import ipywidgets as widgets

from casework import views
from casework.journey import Journey, JourneyError
from casework.plots import debrief_chart, relationship_chart
from casework.scenario import Ending, Scenario, Scene
from casework.trust_model import Trajectory, alternatives, trajectory

#: Seconds after the last keystroke before a reflection is written to disk.
SAVE_DELAY = 1.0

log = logging.getLogger("casework.player")
if not log.handlers:
    # The kernel's own stderr is shown in notebooks; the original one is the server's log.
    _handler = logging.StreamHandler(sys.__stderr__)
    _handler.setFormatter(logging.Formatter("%(asctime)s casework.player %(message)s"))
    log.addHandler(_handler)
    log.propagate = False

F = TypeVar("F", bound=Callable[..., Any])

HANDOVER_FAILED = (
    "This page could not be prepared for you. Please reload it: your saved work is kept."
)
PLAIN_ERROR = (
    "Something went wrong on our side. Your journey so far is saved. Try the button again; "
    "if it keeps happening, reload the page or tell your tutor."
)


# --- where a journey is kept --------------------------------------------------------------


class JourneyKeeper(Protocol):
    """Somewhere a learner's journey lives between visits."""

    description: str

    def load(self, scenario: Scenario) -> tuple[Journey, str | None]: ...

    def save(self, journey: Journey) -> None: ...


class FileKeeper:
    """A journey file beside the notebook: what notebooks and nbgrader assignments use."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.description = f"saved in {self.path.name}"

    def load(self, scenario: Scenario) -> tuple[Journey, str | None]:
        if not self.path.exists():
            return Journey.new(scenario), None
        try:
            journey = Journey.load(self.path)
            journey.check_against(scenario)
            return journey, None
        except JourneyError as error:
            kept = self._set_aside()
            log.warning("journey file %s set aside as %s: %s", self.path, kept, error)
            return Journey.new(scenario), (
                f"Your saved journey could not be read, so it has been kept aside as "
                f"{kept.name} (nothing in it is lost) and you are starting the case again. "
                "Your tutor can help you recover it."
            )

    def _set_aside(self) -> Path:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        kept = self.path.with_name(f"{self.path.stem}.damaged-{stamp}{self.path.suffix}")
        self.path.rename(kept)
        return kept

    def save(self, journey: Journey) -> None:
        journey.save(self.path)


def in_voila() -> bool:
    """Voila sets these in every kernel it starts."""
    return "VOILA_SERVER_URL" in os.environ or "VOILA_APP_PORT" in os.environ


#: The address handed to this preheated kernel, once it has been (see ``request_url``).
_handed_over: list[str] = []
#: One fetch of the request per kernel: Voila keeps a single waiter per kernel, so a second
#: concurrent reader would wait for ever. Later callers reuse the first one's answer.
_handover_lock = threading.Lock()
#: Attempts to reach Voila's request socket before giving up (with growing pauses).
HANDOVER_ATTEMPTS = 5


class HandoverError(RuntimeError):
    """Voila's request socket could not be read: who the learner is was never learned."""


def waiting_for_learner() -> bool:
    """True in a preheated kernel (Voila's pool) that no learner has been handed yet."""
    return os.environ.get("VOILA_PREHEAT") == "True" and not _handed_over


def request_url() -> str | None:
    """The address the learner opened.

    A preheated kernel (``--preheat_kernel=True``) runs the page before anyone asks for it;
    ``wait_for_request`` blocks until Voila hands the request over, as CGI-style variables
    (SCRIPT_NAME, QUERY_STRING, ...). The kernel's VOILA_REQUEST_URL is then the address of
    an earlier request (the one that made Voila refill its pool), which can carry another
    learner's resume code, so it is never used here. Pages call this only once the request
    has come (see ``player_widget``): blocking a cell until then would break the page.
    Raises ``HandoverError`` if Voila's socket cannot be read: guessing would open the wrong
    journey or give the learner a wrong personal link.
    """
    if os.environ.get("VOILA_PREHEAT") == "True":
        with _handover_lock:
            if not _handed_over:
                if not wait_for_request():
                    raise HandoverError("Voila never handed this kernel its request")
                port = os.environ.get("SERVER_PORT", "")
                host = os.environ.get("SERVER_NAME", "127.0.0.1") + (f":{port}" if port else "")
                path = os.environ.get("SCRIPT_NAME", "")
                query = os.environ.get("QUERY_STRING", "")
                _handed_over.append(urlunparse(("http", host, path, "", query, "")))
        return _handed_over[0]
    return os.environ.get("VOILA_REQUEST_URL")


def wait_for_request() -> bool:
    """Block until Voila hands this preheated kernel its request; put it in the environment.

    What ``voila.utils.wait_for_request`` does (Voila 0.5), without importing Voila into the
    kernel: that import brings the server's whole stack (jupyter_server, nbconvert, ...),
    about 46 MB in every learner's kernel. Tornado's websocket client is already loaded.
    Unlike Voila's helper, a refused or dropped connection is tried again (Voila keeps the
    request for a kernel that is not listening yet); False if it never came.
    """
    import json
    import time

    from tornado.websocket import websocket_connect

    protocol = os.environ.get("VOILA_WS_PROTOCOL", "ws")
    host = os.environ.get("VOILA_APP_IP", "127.0.0.1")
    port = os.environ.get("VOILA_APP_PORT", "8866")
    base = os.environ.get("VOILA_WS_BASE_URL", os.environ.get("VOILA_SERVER_URL", "/"))
    url = f"{protocol}://{host}:{port}{base}voila/query/{os.environ.get('VOILA_KERNEL_ID')}"
    received: list[str] = []

    async def fetch() -> None:
        connection = await websocket_connect(url, connect_timeout=5)
        try:
            message = await connection.read_message()  # waits for as long as no learner comes
            if isinstance(message, str):
                received.append(message)
        finally:
            connection.close()

    def run() -> None:
        pause = 0.2
        for attempt in range(HANDOVER_ATTEMPTS):
            loop = asyncio.new_event_loop()
            try:
                loop.run_until_complete(fetch())
            except Exception:
                log.warning(
                    "could not read the request from Voila at %s (attempt %d)",
                    url,
                    attempt + 1,
                    exc_info=True,
                )
            finally:
                loop.close()
            if received:
                return
            time.sleep(pause)
            pause *= 3

    thread = threading.Thread(target=run, name="casework-wait-for-request", daemon=True)
    thread.start()
    thread.join()
    if not received:
        log.error("Voila never handed the request to this kernel (%s)", url)
        return False
    os.environ.update({str(k): str(v) for k, v in json.loads(received[0]).items()})
    return True


def resume_token(url: str | None) -> str | None:
    """The ``resume`` code in a page address, if any."""
    if not url:
        return None
    values = parse_qs(urlparse(url).query).get("resume")
    return values[0] if values else None


def default_keeper(case_id: str, folder: str | Path | None = None) -> JourneyKeeper:
    """A file beside the notebook; on hosted Voila pages, the journey store, by resume code.

    Never a file in the served folder on hosted pages: every learner's kernel runs there.
    """
    if in_voila():
        from casework.store import StoreKeeper, shared_store

        return StoreKeeper(
            shared_store(),
            resume_token(request_url()),
            reopen_latest=os.environ.get("CASEWORK_STORE_PER_LEARNER") == "1",
        )
    return FileKeeper(Path(folder or Path.cwd()) / f"{case_id}.journey.json")


# --- the chart ---------------------------------------------------------------------------


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
    """The relationship chart: a plotly figure shown in an Output and replaced on update.

    Measured against ``go.FigureWidget`` under Voila (``benchmarks/chart_choice.py``):
    see docs/design-notes.md for the figures and the reasons for this choice.
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
                    f'aria-label="{views.escape(description)}"></div>'
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


def _plotly_json(figure: Any) -> dict[str, Any]:
    import json

    import plotly.io as pio

    return json.loads(pio.to_json(figure, validate=False))


def _chart_description(scenario: Scenario, path: Trajectory) -> str:
    """The chart in words, for screen readers and text-only views."""
    last = path.points[-1]
    parts = [
        f"{d.label}: {path.start.values[d.id]:.0f} at the start, {last.values[d.id]:.0f} now"
        for d in scenario.case.dimensions
    ]
    return "Relationship chart (a teaching model, not a prediction). " + "; ".join(parts) + "."


# --- the player --------------------------------------------------------------------------


STYLE = """
<style>
.hm-player { max-width: 1200px; font-size: 16px; line-height: 1.5; color: #1f2933; }
.hm-player h2 { font-size: 1.5em; margin: 0.3em 0; }
.hm-player h3 { font-size: 1.25em; margin: 0.6em 0 0.3em; }
.hm-player h4 { font-size: 1.1em; margin: 0.8em 0 0.2em; }
.hm-player p, .hm-player li, .hm-player dd, .hm-player dt { max-width: 70ch; }
.hm-main { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
.hm-story { flex: 1 1 360px; min-width: 0; }
.hm-chartpanel { flex: 1 1 360px; min-width: 0; }
.hm-facts { display: grid; grid-template-columns: max-content 1fr; gap: 0 12px; }
.hm-facts dt { font-weight: bold; }
.hm-facts dd { margin: 0; }
.hm-note { border-left: 6px solid #8a3b00; background: #fff6ee; padding: 4px 12px; }
.hm-small { font-size: 0.92em; }
.hm-status { min-height: 1.5em; }
.hm-error { border-left: 6px solid #a4001d; background: #fdeeee; padding: 4px 12px; }
.hm-player .widget-button, .hm-player .jupyter-button {
  height: auto; min-height: 44px; white-space: normal; text-align: left;
  line-height: 1.35; padding: 8px 14px; font-size: 1em; max-width: 100%;
}
.hm-choice.widget-button, .hm-choice.jupyter-button {
  width: 100%; background: #ffffff; color: #1f2933; border: 2px solid #0b5394;
  border-radius: 6px; margin: 4px 0;
}
.hm-choice.widget-button:hover { background: #e8f0fa; }
.hm-primary.widget-button { background: #0b5394; color: #ffffff; }
.hm-player .widget-button:focus-visible, .hm-player button:focus-visible,
.hm-player textarea:focus-visible, .hm-player select:focus-visible,
.hm-player a:focus-visible, .hm-player summary:focus-visible {
  outline: 3px solid #1f2933; outline-offset: 2px; box-shadow: 0 0 0 5px #ffd54f;
}
.hm-player textarea { font: inherit; line-height: 1.5; width: 100%; }
.hm-reflection .widget-label { width: auto; font-weight: bold; }
.hm-player progress { width: min(320px, 100%); height: 1em; vertical-align: middle; }
.hm-controls { display: flex; flex-wrap: wrap; gap: 8px; }
.hm-download a { display: inline-block; margin: 4px 12px 4px 0; padding: 8px 12px;
  border: 2px solid #0b5394; border-radius: 6px; color: #0b5394; }
.hm-chart { min-height: 200px; }
.hm-chart-placeholder { height: 440px; }
/* Widgets 100% wide plus ipywidgets' side margins would overflow a phone-width page. */
.hm-player .jupyter-widgets { margin-left: 0; margin-right: 0; }
.hm-player a, .hm-player code { overflow-wrap: anywhere; }
.hm-chart img.plot-img:not([src]) { display: none; }
@media (max-width: 480px) { .hm-player { font-size: 15px; } }
</style>
"""


def _guarded(method: F) -> F:
    """Every learner action: on any failure, a plain message; the details go to the log."""

    @functools.wraps(method)
    def wrapper(self: Player, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except Exception:
            log.exception("player error in %s (case %s)", method.__name__, self.scenario.id)
            self._error(PLAIN_ERROR)
            return None

    return wrapper  # type: ignore[return-value]


def _kernel_loop() -> asyncio.AbstractEventLoop | None:
    """The running event loop, if this code runs inside an IPython kernel (else None)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipykernel
        return None
    shell = get_ipython()
    if shell is None or getattr(shell, "kernel", None) is None:
        return None
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def player_widget(
    scenario: Scenario, keeper: JourneyKeeper | None = None, *, write_reflections: bool = True
) -> widgets.Widget:
    """The player's widget for a page, also in a preheated kernel.

    In Voila's pool a page is run before any learner asks for it, and who the learner is
    (their address and resume code) arrives only when Voila hands the kernel over. Waiting
    for that inside the page's cell would hold the cell open until a learner comes, and a
    cell open longer than the server's cell timeout (``serve.CELL_TIMEOUT_SECONDS``) breaks
    the page the next learner gets. So the page shows a holding box at once, a thread waits
    for the request, and the player is built into the box on the kernel's event loop as soon
    as it comes (before the learner's browser has loaded the page's scripts).
    """
    loop = _kernel_loop()
    if keeper is not None or not waiting_for_learner() or loop is None:
        return Player(scenario, keeper, write_reflections=write_reflections).widget
    box = widgets.VBox(
        [widgets.HTML('<p class="hm-small" role="status">Opening the case&hellip;</p>')],
        layout=widgets.Layout(width="100%"),
    )

    def show(message: str) -> None:
        box.children = [
            widgets.HTML(f'<div class="hm-error" role="alert"><p>{views.escape(message)}</p></div>')
        ]

    def build() -> None:
        try:
            box.children = [Player(scenario, write_reflections=write_reflections).widget]
        except Exception:
            log.exception("could not open the case %s for a learner", scenario.id)
            show(PLAIN_ERROR)

    def wait() -> None:
        try:
            request_url()
        except Exception:
            log.exception("a pooled page never learned its request")
            loop.call_soon_threadsafe(show, HANDOVER_FAILED)
        else:
            loop.call_soon_threadsafe(build)

    threading.Thread(target=wait, name="casework-wait-for-learner", daemon=True).start()
    return box


#: Every player in this kernel, weakly held: at exit, those with a save still pending write it.
_players: weakref.WeakSet[Player] = weakref.WeakSet()


@atexit.register
def _save_pending_at_exit() -> None:
    """Write the journey of every player whose debounced save is still pending: the kernel
    is stopping (Voila stops a closed page's kernel at once)."""
    for live in list(_players):
        if live._save_handle is None:
            continue
        live._save_handle = None
        try:
            live._save()
        except Exception:
            log.exception("could not save the journey as the kernel stopped")


class Player:
    """A case played in a notebook or a Voila page. Build it, then ``display(player.widget)``
    (on hosted pages, ``player_widget`` builds it when the learner's request has come)."""

    def __init__(
        self,
        scenario: Scenario,
        keeper: JourneyKeeper | None = None,
        *,
        write_reflections: bool = True,
    ) -> None:
        self.scenario = scenario
        self.keeper = keeper or default_keeper(scenario.id)
        #: In an nbgrader assignment the learner writes reflections in graded cells instead.
        self.write_reflections = write_reflections
        self._save_handle: asyncio.TimerHandle | None = None
        self._confirm_restart = False
        self._ghost_step: int | None = None
        self.journey, message = self.keeper.load(scenario)
        self.stage = "intro" if not self.journey.steps else "scene"
        self._notes_seen: set[str] = set()

        self.status = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.status.add_class("hm-status")
        self.timeline = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.story = widgets.VBox(layout=widgets.Layout(width="100%"))
        self.story.add_class("hm-story")
        self.chart = ChartView(first_delay=FIRST_CHART_DELAY if in_voila() else 0.0)
        self.caption = widgets.HTML(views.chart_caption_html(scenario))
        chart_panel = widgets.VBox([self.chart.output, self.caption])
        chart_panel.add_class("hm-chartpanel")
        main = widgets.Box([self.story, chart_panel])
        main.add_class("hm-main")
        self.back_button = self._button("Step back one choice", self._back, "hm-control")
        self.restart_button = self._button("Start the case again", self._restart, "hm-control")
        controls = widgets.Box([self.back_button, self.restart_button])
        controls.add_class("hm-controls")
        header = widgets.HTML(
            f'<p class="hm-small"><strong>{views.escape(scenario.title)}</strong></p>'
        )
        self.resume = widgets.VBox()
        self.widget = widgets.VBox(
            [widgets.HTML(STYLE), header, self.status, self.timeline, main, controls, self.resume],
            layout=widgets.Layout(width="100%"),
        )
        self.widget.add_class("hm-player")
        if message:
            self._error(message)
        self._render_resume()
        self._render()
        # A reflection typed in the last second before the page closed is still waiting for
        # its save when Voila stops the kernel: write it as the kernel exits.
        _players.add(self)

    # --- helpers ---------------------------------------------------------------------------

    def _button(self, label: str, action: Callable[[], None], css: str) -> widgets.Button:
        width = "100%" if css == "hm-choice" else "auto"
        button = widgets.Button(
            description=label, tooltip=label, layout=widgets.Layout(width=width, height="auto")
        )
        button.add_class(css)
        button.on_click(lambda _button: action())
        return button

    def _error(self, message: str) -> None:
        self.status.value = (
            f'<div class="hm-error" role="alert"><p>{views.escape(message)}</p></div>'
        )

    def _say(self, message: str) -> None:
        self.status.value = f'<p role="status" aria-live="polite">{views.escape(message)}</p>'

    def _trajectory(self) -> Trajectory:
        return trajectory(self.scenario, self.journey.path())

    def _save(self) -> None:
        self.keeper.save(self.journey)

    # --- drawing -----------------------------------------------------------------------------

    def _render(self) -> None:
        path = self._trajectory()
        node = self.scenario.node(path.position)
        self.timeline.value = views.timeline_html(self.scenario, self.journey, path)
        self.back_button.disabled = not self.journey.steps
        if isinstance(node, Ending) and self.stage != "consequence":
            self.stage = "ending"
            self._render_ending(node, path)
            return
        self.chart.show(
            relationship_chart(self.scenario, path), _chart_description(self.scenario, path)
        )
        if self.stage == "intro":
            begin = self._button("Begin the case", self._begin, "hm-primary")
            self.story.children = [widgets.HTML(views.case_intro_html(self.scenario)), begin]
        elif self.stage == "consequence":
            self._render_consequence(path)
        else:
            self._render_scene(node)

    def _render_scene(self, scene: Scene) -> None:
        if scene.content_note and scene.id not in self._notes_seen:
            go_on = self._button(
                "Continue to the scene", lambda: self._see_note(scene), "hm-primary"
            )
            self.story.children = [widgets.HTML(views.scene_note_html(scene)), go_on]
            return
        buttons = [
            self._button(choice.label, functools.partial(self._choose, choice.id), "hm-choice")
            for choice in scene.choices
        ]
        group = widgets.VBox(buttons)
        self.story.children = [widgets.HTML(views.scene_html(self.scenario, scene)), group]

    def _render_consequence(self, path: Trajectory) -> None:
        step = self.journey.steps[-1]
        scene = self.scenario.scenes[step.scene]
        choice = self.scenario.choice(step.scene, step.choice)
        before = path.points[-2].values
        moved = views.movement_lines(self.scenario, before, path.steps[-1].values)
        parts: list[widgets.Widget] = [
            widgets.HTML(views.consequence_html(self.scenario, choice, moved))
        ]
        if scene.reflection is not None:
            parts.append(self._reflection_box(scene.reflection.id, scene.reflection.prompt))
        nxt = self.scenario.node(path.position)
        label = (
            "See how the case ends"
            if isinstance(nxt, Ending)
            else f"Continue to {views.when(self.scenario, nxt.time).lower()}: {nxt.title}"
        )
        continue_button = self._button(label, self._continue, "hm-primary")
        parts.append(continue_button)
        self.story.children = parts
        continue_button.focus()

    def _reflection_box(self, reflection_id: str, prompt: str) -> widgets.Widget:
        heading = widgets.HTML(
            f'<h4>Pause and reflect</h4><p id="hm-prompt-{views.escape(reflection_id)}">'
            f"{views.escape(' '.join(prompt.split()))}</p>"
        )
        if not self.write_reflections:
            note = widgets.HTML(
                "<p>Write your answer in the matching reflection section of this assignment, "
                "below the player: that is where it is read and marked.</p>"
            )
            return widgets.VBox([heading, note])
        box = widgets.Textarea(
            value=self.journey.reflections.get(reflection_id, ""),
            description="Your reflection (saved as you type)",
            placeholder="Write as much or as little as you like. Only you can see this.",
            continuous_update=True,
            rows=6,
            layout=widgets.Layout(width="100%", flex_flow="column"),
            style={"description_width": "initial"},
        )
        box.add_class("hm-reflection")
        box.observe(functools.partial(self._typed, reflection_id), names="value")
        return widgets.VBox([heading, box])

    def _draw_debrief(self, path: Trajectory) -> None:
        study = None
        if self.scenario.case.study_path:
            study = trajectory(self.scenario, self.scenario.study_path_steps())
        ghosts: dict[str, Trajectory] = {}
        labels: dict[str, str] = {}
        if self._ghost_step is not None and self._ghost_step < len(self.journey.steps):
            steps = self.journey.path()
            ghosts = alternatives(self.scenario, steps, self._ghost_step)
            scene_id = steps[self._ghost_step][0]
            labels = {c: self.scenario.choice(scene_id, c).label for c in ghosts}
        self.chart.show(
            debrief_chart(self.scenario, path, study, ghosts, labels),
            _chart_description(self.scenario, path),
        )

    def _render_ending(self, ending: Ending, path: Trajectory) -> None:
        self._draw_debrief(path)
        parts: list[widgets.Widget] = [
            widgets.HTML(views.ending_html(self.scenario, ending, self.journey))
        ]
        options = [("Choose a decision...", -1)] + [
            (
                f"{views.when(self.scenario, self.scenario.scenes[s].time)}: "
                f"{self.scenario.scenes[s].title}",
                i,
            )
            for i, (s, _c) in enumerate(self.journey.path())
            if len(self.scenario.scenes[s].choices) > 1
        ]
        picker = widgets.Dropdown(
            options=options,
            value=self._ghost_step if self._ghost_step is not None else -1,
            description="Show the paths not taken at",
            style={"description_width": "initial"},
            layout=widgets.Layout(width="100%"),
        )
        picker.observe(self._pick_ghost, names="value")
        parts.append(
            widgets.HTML(
                "<h4>What if you had chosen otherwise?</h4><p>Pick a decision to see, as dotted "
                "lines, how the model says the relationship would have gone with each other "
                "choice there (later choices kept as yours where the paths meet again).</p>"
            )
        )
        parts.append(picker)
        if ending.reflection is not None:
            parts.append(self._reflection_box(ending.reflection.id, ending.reflection.prompt))
        parts.append(widgets.HTML(self._downloads_html()))
        self.story.children = parts

    def _downloads_html(self) -> str:
        journey = base64.b64encode(self.journey.to_json().encode()).decode()
        notes = views.reflections_markdown(self.scenario, self.journey)
        notes64 = base64.b64encode(notes.encode()).decode()
        case = views.escape(self.scenario.id)
        return (
            '<div class="hm-download"><h4>Keep a copy</h4>'
            f'<a download="{case}-journey.json" '
            f'href="data:application/json;base64,{journey}">Download your journey (JSON)</a>'
            f'<a download="{case}-reflections.md" '
            f'href="data:text/markdown;base64,{notes64}">Download your reflections '
            "(markdown)</a></div>"
        )

    def _render_resume(self) -> None:
        """On hosted pages: the learner's resume code and link, and a way to enter a code."""
        token = getattr(self.keeper, "token", None)
        if not token:
            self.resume.children = []
            return
        from casework.store import display_token

        link = ""
        url = request_url()
        if url:
            parts = urlparse(url)
            personal = urlunparse(parts._replace(query=urlencode({"resume": token})))
            link = (
                f'<p>Or keep this personal link: <a href="{views.escape(personal)}">'
                f"{views.escape(personal)}</a></p>"
            )
        panel = widgets.HTML(
            '<section class="hm-resume" aria-labelledby="hm-resume-title">'
            '<h4 id="hm-resume-title">Coming back later</h4>'
            "<p>Your work is saved as you go. To come back to it, note your resume code: "
            f"<strong><code>{views.escape(display_token(token))}</code></strong>. It is private "
            "to you: anyone with it can open your journey and reflections.</p>"
            f"{link}</section>"
        )
        code = widgets.Text(
            description="Have a resume code?",
            placeholder="XXXX-XXXX-...",
            # Sent whole when the box loses focus: typed key by key, the page queues the
            # updates behind one another and a quick Tab+Enter could resume with half a code.
            continuous_update=False,
            style={"description_width": "initial"},
            layout=widgets.Layout(width="min(420px, 100%)"),
        )
        go = self._button(
            "Resume with this code", lambda: self._resume_with(code.value), "hm-control"
        )
        row = widgets.Box([code, go])
        row.add_class("hm-controls")
        self.resume.children = [panel, row]

    @_guarded
    def _resume_with(self, code: str) -> None:
        from casework.store import StoreKeeper, normalise_token

        if not isinstance(self.keeper, StoreKeeper) or not normalise_token(code):
            self._say("Type the resume code you were given, then press the button.")
            return
        self._flush()
        self.keeper = StoreKeeper(self.keeper.store, code)
        self.journey, message = self.keeper.load(self.scenario)
        self.stage = "scene" if self.journey.steps else "intro"
        self._ghost_step = None
        if message:
            self._error(message)
        else:
            self._say("Welcome back: your journey has been restored.")
        self._render_resume()
        self._render()

    # --- learner actions -----------------------------------------------------------------------

    def _focus_next_action(self) -> None:
        """Move keyboard focus to what comes next (the first choice, or the button that goes
        on): the button just pressed has gone, and focus must not fall back to the page top."""
        for child in self.story.children:
            if isinstance(child, widgets.Button):
                child.focus()
                return
            if isinstance(child, widgets.VBox) and child.children:
                first = child.children[0]
                if isinstance(first, widgets.Button):
                    first.focus()
                    return

    @_guarded
    def _begin(self) -> None:
        self.stage = "scene"
        self.status.value = ""
        self._render()
        self._focus_next_action()

    @_guarded
    def _see_note(self, scene: Scene) -> None:
        self._notes_seen.add(scene.id)
        self._render()
        self._focus_next_action()

    @_guarded
    def _choose(self, choice_id: str) -> None:
        if self.stage != "scene":
            return  # a second click on a button already answered
        self.journey.choose(self.scenario, choice_id)
        self._save()  # committed before its consequence is shown
        self.stage = "consequence"
        self._confirm_restart = False
        self.status.value = ""
        self._render()

    @_guarded
    def _continue(self) -> None:
        self._flush()
        self.stage = "scene"
        self._render()
        self._focus_next_action()

    @_guarded
    def _back(self) -> None:
        if self.journey.back() is None:
            return
        self._save()
        self.stage = "scene"
        self._ghost_step = None
        self._say("You stepped back one choice. You can choose again.")
        self._render()

    @_guarded
    def _restart(self) -> None:
        if not self._confirm_restart:
            self._confirm_restart = True
            self.restart_button.description = "Press again to start again (reflections are kept)"
            return
        self._confirm_restart = False
        self.restart_button.description = "Start the case again"
        self.journey.restart()
        self._save()
        self.stage = "scene"
        self._ghost_step = None
        self._say("You are back at the start. Your reflections are kept.")
        self._render()

    @_guarded
    def _pick_ghost(self, change: dict[str, Any]) -> None:
        self._ghost_step = None if change["new"] == -1 else int(change["new"])
        self._draw_debrief(self._trajectory())

    @_guarded
    def _typed(self, reflection_id: str, change: dict[str, Any]) -> None:
        try:
            self.journey.reflect(reflection_id, change["new"])
        except JourneyError as error:
            self._error(str(error))
            return
        self._schedule_save()

    # --- saving reflections ----------------------------------------------------------------

    def _schedule_save(self) -> None:
        """Save ``SAVE_DELAY`` seconds after the last keystroke, on the kernel's own loop.

        Outside a kernel (a script, a test) there is no one to run a deferred save, so the
        save happens at once; any other event loop that happens to be running is not ours.
        """
        if self._save_handle is not None:
            self._save_handle.cancel()
            self._save_handle = None
        loop = _kernel_loop()
        if loop is None:
            self._flush()
            return
        self._save_handle = loop.call_later(SAVE_DELAY, self._flush)

    def _flush(self) -> None:
        if self._save_handle is not None:
            self._save_handle.cancel()
            self._save_handle = None
        try:
            self._save()
        except OSError as error:
            log.exception("could not save the journey")
            self._error(
                f"Your reflection could not be saved ({error.strerror}); keep this page open."
            )
            return
        self._say(f"Saved at {datetime.now().strftime('%H:%M:%S')}.")
