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
import functools
import logging
import weakref
from collections.abc import Callable
from datetime import datetime
from html import escape
from importlib import resources
from typing import Any
from urllib.parse import urlencode, urlparse, urlunparse

import ipywidgets as widgets

from casework import chart_text, views
from casework.journey import JourneyError
from casework.player.chart import (
    FIRST_CHART_DELAY,
    ChartView,
    chart_description,
    debrief_chart_html,
    debrief_for,
    ghost_picker,
    live_chart_html,
)
from casework.player.coming_back import resume_html, resume_widgets
from casework.player.handover import in_voila, kernel_loop, request_url
from casework.player.keepers import JourneyKeeper, WaitingKeeper, default_keeper
from casework.player.room import RoomLink
from casework.player.stage import Stage, guarded
from casework.player.writing import first_answer_panel, needs_first_answer, reflection_box
from casework.plots import debrief_charts, relationship_chart
from casework.scenario import Ending, Scenario, Scene
from casework.store import display_token
from casework.trust_model import Trajectory, trajectory

#: Seconds after the last keystroke before a reflection is written to disk.
SAVE_DELAY = 1.0

log = logging.getLogger("casework.player")

#: The player's styles (player.css beside this module), sent once with each player.
STYLE = (
    "<style>\n"
    + resources.files("casework.player").joinpath("player.css").read_text("utf-8")
    + "</style>\n"
)


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
        waiting: bool = False,
    ) -> None:
        """``waiting``: built in a preheated kernel before its learner came (see ``arrive``)."""
        self.scenario = scenario
        self.keeper = keeper or (WaitingKeeper() if waiting else default_keeper(scenario.id))
        #: In an nbgrader assignment the learner writes reflections in graded cells instead.
        self.write_reflections = write_reflections
        self._save_handle: asyncio.TimerHandle | None = None
        self._confirm_restart = False
        self._ghost_step: int | None = None
        #: The learner asked this computer to forget them (see ``_forget``).
        self._forgotten = False
        self.journey, message = self.keeper.load(scenario)
        self.stage = self._stage_on_arrival()
        self._notes_seen: set[str] = set()
        #: Scenes whose options this learner has asked to see after the first-answer question.
        self._options_seen: set[str] = set()

        self.status = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.status.add_class("hm-status")
        self.timeline = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.story = widgets.VBox(layout=widgets.Layout(width="100%"))
        self.story.add_class("hm-story")
        self.chart = ChartView(
            first_delay=FIRST_CHART_DELAY if in_voila() else 0.0, hold_first=waiting
        )
        self.caption = widgets.HTML(views.chart_caption_html(scenario))
        chart_panel = widgets.VBox([self.chart.output, self.caption])
        chart_panel.add_class("hm-chartpanel")
        main = widgets.Box([self.story, chart_panel])
        main.add_class("hm-main")
        self.back_button = self._button("Step back one choice", self._back, "hm-control")
        self.restart_button = self._button("Start the case again", self._restart, "hm-control")
        controls = widgets.Box([self.back_button, self.restart_button])
        controls.add_class("hm-controls")
        header = widgets.HTML(f'<p class="hm-small"><strong>{escape(scenario.title)}</strong></p>')
        self.resume = widgets.VBox()
        self.room = RoomLink(self, waiting=waiting)  # a seminar room, where the learner joins one
        top = [widgets.HTML(STYLE), header, self.status, self.room.widget, self.timeline]
        self.widget = widgets.VBox(
            [*top, main, controls, self.resume],
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

    def _stage_on_arrival(self) -> Stage:
        """Where a learner who comes back lands: the step they were on (a consequence they were
        reading, with its reflection box), the next scene, or the start."""
        return {"intro": Stage.intro, "consequence": Stage.consequence}.get(
            self.journey.place, Stage.scene
        )

    def _button(self, label: str, action: Callable[[], None], css: str) -> widgets.Button:
        width = "100%" if css == "hm-choice" else "auto"
        button = widgets.Button(
            description=label, tooltip=label, layout=widgets.Layout(width=width, height="auto")
        )
        button.add_class(css)
        button.on_click(lambda _button: action())
        return button

    def _error(self, message: str) -> None:
        self.status.value = f'<div class="hm-error" role="alert"><p>{escape(message)}</p></div>'

    def _say(self, message: str) -> None:
        self.status.value = f'<p role="status" aria-live="polite">{escape(message)}</p>'

    def _trajectory(self) -> Trajectory:
        return trajectory(self.scenario, self.journey.path())

    def _save(self) -> None:
        self.keeper.save(self.journey)
        self.room.moved()  # a room the learner is in hears of a changed path, nothing else

    # --- drawing -----------------------------------------------------------------------------

    def _render(self) -> None:
        path = self._trajectory()
        node = self.scenario.node(path.position)
        self.timeline.value = views.timeline_html(self.scenario, self.journey, path)
        self.back_button.disabled = not self.journey.steps
        if isinstance(node, Ending) and self.stage != Stage.consequence:
            self.stage = Stage.ending
            self._render_ending(node, path)
            return
        self.chart.show(
            relationship_chart(self.scenario, path),
            chart_description(self.scenario, path),
            heading_html=live_chart_html(self.scenario),
            text_html=chart_text.text_equivalent_html(self.scenario, [("Your path so far", path)]),
        )
        if self.stage == Stage.intro:
            begin = self._button("Begin the case", self._begin, "hm-primary")
            self.story.children = [widgets.HTML(views.case_intro_html(self.scenario)), begin]
        elif self.stage == Stage.consequence:
            self._render_consequence(path)
        elif isinstance(node, Scene):
            self._render_scene(node)

    def _render_scene(self, scene: Scene) -> None:
        if scene.content_note and scene.id not in self._notes_seen:
            go_on = self._button(
                "Continue to the scene", lambda: self._see_note(scene), "hm-primary"
            )
            self.story.children = [widgets.HTML(views.scene_note_html(scene)), go_on]
            return
        first = scene.first_answer
        shown_html = views.scene_html(self.scenario, scene)
        if first and needs_first_answer(scene, self.journey.reflections, self._options_seen):
            parts, _box = first_answer_panel(
                shown_html,
                first,
                self.journey.reflections.get(first.id, ""),
                functools.partial(self._typed, first.id),
                in_assignment=not self.write_reflections,
            )
            ready = self._button(
                "Show me the options", lambda: self._show_options(scene), "hm-primary"
            )
            self.story.children = [*parts, ready]
            return
        buttons = [
            self._button(choice.label, functools.partial(self._choose, choice.id), "hm-choice")
            for choice in self.journey.options(self.scenario, scene.id)
        ]
        group = widgets.VBox(buttons)
        group.add_class("hm-options")
        self.room.gate(scene.id, group)  # held back while the tutor holds the room here
        written = views.first_answer_html(self.journey.reflections.get(first.id) if first else None)
        self.story.children = [widgets.HTML(shown_html + written), group]

    def _render_consequence(self, path: Trajectory) -> None:
        step = self.journey.steps[-1]
        scene = self.scenario.scenes[step.scene]
        choice = self.scenario.choice(step.scene, step.choice)
        before = path.points[-2].values
        moved = views.movement_lines(self.scenario, before, path.steps[-1].values)
        first = scene.first_answer
        parts: list[widgets.Widget] = [
            widgets.HTML(
                views.consequence_html(
                    self.scenario,
                    choice,
                    moved,
                    scene=scene,
                    first_answer=self.journey.reflections.get(first.id) if first else None,
                )
            )
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
        return reflection_box(
            reflection_id,
            prompt,
            self.journey.reflections.get(reflection_id, ""),
            functools.partial(self._typed, reflection_id),
            in_assignment=not self.write_reflections,
        )

    def _draw_debrief(self, path: Trajectory) -> None:
        series = debrief_for(self.scenario, self.journey, path, self._ghost_step)
        self.chart.show(
            debrief_charts(self.scenario, series),
            chart_description(self.scenario, path),
            heading_html=debrief_chart_html(series),
            text_html=chart_text.text_equivalent_html(
                self.scenario, [(s.name, s.path) for s in series]
            ),
        )

    def _render_ending(self, ending: Ending, path: Trajectory) -> None:
        self._draw_debrief(path)
        parts: list[widgets.Widget] = [
            widgets.HTML(views.ending_html(self.scenario, ending, self.journey))
        ]
        parts += ghost_picker(self.scenario, self.journey, self._ghost_step, self._pick_ghost)
        if ending.reflection is not None:
            parts.append(self._reflection_box(ending.reflection.id, ending.reflection.prompt))
        parts.append(widgets.HTML(views.downloads_html(self.scenario, self.journey)))
        self.story.children = parts

    def _render_resume(self) -> None:
        """On hosted pages: the learner's resume code and link, and a way to enter a code."""
        token = self.keeper.token
        if not token:
            self.resume.children = []
            return
        personal = None
        url = request_url()
        if url:
            parts = urlparse(url)
            personal = urlunparse(parts._replace(query=urlencode({"resume": token})))
        days = getattr(getattr(self.keeper, "store", None), "keep_days", 0)
        html = resume_html(display_token(token), token, personal, days, self._forgotten)
        self.resume.children = resume_widgets(
            html, self._button, self._resume_with, None if self._forgotten else self._forget
        )

    @guarded
    def _forget(self) -> None:
        """On a shared computer: this browser stops remembering the code (the page's template
        deletes its cookie); the journey itself is untouched and the code still opens it."""
        self._flush()
        self._forgotten = True
        self._render_resume()
        self._say(
            "This computer will no longer bring you back here. Your code and your link still "
            "open your journey."
        )

    def arrive(self, keeper: JourneyKeeper) -> None:
        """A preheated page's learner has come: keep their journey where they keep it.

        For a new learner (no code, nothing stored) only the resume panel changes; the page
        the pool built is theirs as it is. A learner coming back gets their journey and the
        step they were on. The first chart then follows the buttons into the page.
        """
        journey, message = keeper.load(self.scenario)
        self.keeper = keeper
        returning = bool(journey.steps or journey.reflections) or journey.place != "intro"
        if returning:
            self.journey = journey
            self.stage = self._stage_on_arrival()
            self._render()
        else:
            journey.seed, journey.started = self.journey.seed, self.journey.started
            self.journey = journey
            self._save()
        if message:
            self._error(message)
        self._render_resume()
        self.room.arrive()
        self.chart.release_first()

    @guarded
    def _resume_with(self, code: str) -> None:
        keeper = self.keeper.resume(code)
        if keeper is None:
            self._say("Type the resume code you were given, then press the button.")
            return
        self._flush()
        self.keeper = keeper
        self._forgotten = False
        self.journey, message = self.keeper.load(self.scenario)
        self.stage = self._stage_on_arrival()
        self._ghost_step = None
        if message:
            self._error(message)
        else:
            self._say("Welcome back: your journey has been restored.")
        self._render_resume()
        self.room.rejoin()
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

    @guarded
    def _begin(self) -> None:
        self.journey.begin()
        self._save()
        self.stage = Stage.scene
        self.status.value = ""
        self._render()
        self._focus_next_action()

    @guarded
    def _show_options(self, scene: Scene) -> None:
        self._flush()
        self._options_seen.add(scene.id)
        self._render()
        self._focus_next_action()

    @guarded
    def _see_note(self, scene: Scene) -> None:
        self._notes_seen.add(scene.id)
        self._render()
        self._focus_next_action()

    @guarded
    def _choose(self, choice_id: str) -> None:
        if self.stage != Stage.scene:
            return  # a second click on a button already answered
        self.journey.choose(self.scenario, choice_id)
        self._save()  # committed before its consequence is shown
        self.stage = Stage.consequence
        self._confirm_restart = False
        self.status.value = ""
        self._render()

    @guarded
    def _continue(self) -> None:
        self.journey.go_on()
        self._flush()
        self.stage = Stage.scene
        self._render()
        self._focus_next_action()

    @guarded
    def _back(self) -> None:
        if self.journey.back() is None:
            return
        self._save()
        self.stage = Stage.scene
        self._ghost_step = None
        self._say("You stepped back one choice. You can choose again.")
        self._render()

    @guarded
    def _restart(self) -> None:
        if not self._confirm_restart:
            self._confirm_restart = True
            self.restart_button.description = "Press again to start again (reflections are kept)"
            return
        self._confirm_restart = False
        self.restart_button.description = "Start the case again"
        self.journey.restart()
        self._save()
        self.stage = Stage.scene
        self._ghost_step = None
        self._say("You are back at the start. Your reflections are kept.")
        self._render()

    @guarded
    def _pick_ghost(self, change: dict[str, Any]) -> None:
        self._ghost_step = None if change["new"] == -1 else int(change["new"])
        self._draw_debrief(self._trajectory())

    @guarded
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
        loop = kernel_loop()
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
