"""The tutor's page (``course/tutor.ipynb``): open a room, then watch and steer it, projected.

Everything the view shows is read from the store every ``REFRESH_SECONDS`` (on the kernel's
event loop, the reading itself in a worker thread), and everything the tutor sets (a hold, a
reveal) is written there first: a tutor who reloads the page, or opens it on another computer
with the same address, loses nothing. The address carries the room's key; without it the
page can only open a new room.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from html import escape
from typing import Any

import ipywidgets as widgets

import casework.rooms.band as band
import casework.rooms.html as html
from casework.catalog import list_cases, load_case
from casework.player.chart import ChartView
from casework.player.handover import in_voila, kernel_loop, request_url, waiting_for_learner
from casework.rooms.export import counts_csv, file_name
from casework.rooms.links import learner_link, room_in_address, tutor_address
from casework.rooms.store import DEFAULT_HOURS, RoomError, RoomInfo, RoomStore
from casework.rooms.tally import RoomState, RoomTally

log = logging.getLogger("casework.rooms")

#: Seconds between two readings of the room.
REFRESH_SECONDS = 2.0
PLAIN_ERROR = "Something went wrong on our side; the room is as it was. Try again."

_reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="casework-tutor")


def _button(label: str, action: Callable[[], None]) -> widgets.Button:
    button = widgets.Button(description=label, layout=widgets.Layout(width="auto", height="auto"))
    button.add_class("hm-control")
    button.on_click(lambda _b: action())
    return button


def _row(*children: widgets.Widget) -> widgets.Box:
    row = widgets.Box(list(children))
    row.add_class("hm-controls")
    return row


class TutorView:
    """One room, for its tutor: who is there, the counts, the band, and the controls."""

    def __init__(self, rooms: RoomStore, code: str, key: str, page_url: str | None) -> None:
        self.rooms, self.code, self.key = rooms, code, key
        self.info: RoomInfo = rooms.tutor(code, key)
        if not self.info.open:
            raise RoomError("This room has closed; its counts have been deleted.")
        self.scenario = load_case(self.info.case_id)
        self.tally = RoomTally(self.scenario)
        self.state = RoomState()
        self._signature: tuple[int, int] | None = None
        self._shown: tuple[object, ...] | None = None
        self._band_shown: object = None
        self._confirm_close = False
        self._timer: asyncio.TimerHandle | None = None
        self.closed = False
        link = learner_link(page_url, self.scenario.id, code) if page_url else None
        address = tutor_address(page_url, code, key) if page_url else None
        marker = f'<span hidden data-hm-room-address="room={escape(code)}&amp;key={escape(key)}">'
        self.header = widgets.HTML(
            html.header_html(self.scenario, self.info, link, address) + marker + "</span>"
        )
        self.message = widgets.HTML()
        self.updated = widgets.HTML()
        options = html.decision_options(self.scenario)
        self.decision = widgets.Dropdown(
            options=options,
            value=self.info.held_at if self.info.held_at in dict(options).values() else None,
            description="Decision",
            style={"description_width": "initial"},
            layout=widgets.Layout(width="min(520px, 100%)"),
        )
        if self.decision.value is None and options:
            self.decision.value = options[0][1]
        self.download = widgets.HTML()
        self.close_button = _button("Close the room", self._close)
        self.body = widgets.HTML()
        self.chart = ChartView()
        self.widget = widgets.VBox(
            [
                self.header,
                self.message,
                widgets.HTML("<h3>Steer the room</h3>"),
                _row(
                    self.decision,
                    _button("Pause the room at this decision", self._guard(self._hold)),
                    _button("Let the room go on", self._guard(self._release)),
                ),
                _row(
                    _button(
                        "Show what the worker in the study did here", self._guard(self._reveal)
                    ),
                    _button("Hide it", self._guard(self._hide)),
                ),
                _row(_button("Export the counts (CSV)", self._guard(self._export)), self.download),
                _row(self.close_button),
                self.updated,
                self.body,
                self.chart.output,
            ],
            layout=widgets.Layout(width="100%"),
        )
        self.widget.add_class("hm-room-tutor")
        self.refresh()
        self._schedule()

    # --- reading the room -------------------------------------------------------------------

    def _fetch(self) -> tuple[RoomInfo, RoomState | None, tuple[int, int]]:
        """Read the room (in the worker thread): its status, and its events if they changed."""
        info = self.rooms.tutor(self.code, self.key)
        signature = self.rooms.signature(self.code)
        state = None
        if info.open and signature != self._signature:
            state = self.tally.state(self.rooms.events(self.code))
        return info, state, signature

    def _show(self, info: RoomInfo, state: RoomState | None, signature: tuple[int, int]) -> None:
        """Put what was read on the page (on the kernel's loop); only what changed is sent."""
        if not info.open:
            self._show_closed()
            return
        self._signature = signature
        if state is not None:
            self.state = state
        self.info = info
        shown = (self.state.key(), info.held_at, info.revealed)
        if shown != self._shown:
            self._shown = shown
            self.body.value = html.state_html(
                self.scenario, self.state, info.held_at, info.revealed
            )
            self.updated.value = (
                f'<p class="hm-small" role="status">Last change: '
                f"{datetime.now().strftime('%H:%M:%S')}. The view follows the room by itself.</p>"
            )
        paths = tuple(sorted(self.state.paths))
        if paths != self._band_shown:
            self._band_shown = paths
            spread = band.bands(self.tally, list(paths))
            self.chart.show(
                band.band_charts(self.scenario, spread),
                "The room's relationship curves as a band beside the path in the study.",
                heading_html=band.band_heading_html(),
                text_html=band.band_text_html(self.scenario, spread),
            )

    def refresh(self) -> None:
        """Read the room now and show it (at once, in this thread)."""
        self._show(*self._fetch())

    def _schedule(self) -> None:
        loop = kernel_loop()
        if loop is not None and not self.closed:
            self._timer = loop.call_later(REFRESH_SECONDS, self._tick, loop)

    def _tick(self, loop: asyncio.AbstractEventLoop) -> None:
        future = loop.run_in_executor(_reader, self._fetch)
        future.add_done_callback(self._fetched)

    def _fetched(self, future: asyncio.Future[Any]) -> None:
        try:
            self._show(*future.result())
        except Exception:
            log.warning("could not read room %s", self.code, exc_info=True)
            self.updated.value = (
                '<p class="hm-small" role="status">The room could not be read just now; '
                "trying again.</p>"
            )
        self._schedule()

    def _show_closed(self) -> None:
        self.closed = True
        if self._timer is not None:
            self._timer.cancel()
        self.widget.children = [widgets.HTML(html.closed_html(self.scenario, self.code))]

    # --- the tutor's controls --------------------------------------------------------------

    def _say(self, text: str) -> None:
        self.message.value = f'<p role="status" aria-live="polite">{escape(text)}</p>'

    def _guard(self, action: Callable[[], None]) -> Callable[[], None]:
        @functools.wraps(action)
        def guarded() -> None:
            try:
                action()
            except RoomError as error:
                self._say(str(error))
            except Exception:
                log.exception("tutor view error in %s (room %s)", action.__name__, self.code)
                self._say(PLAIN_ERROR)

        return guarded

    def _apply(self, info: RoomInfo, said: str) -> None:
        self._say(said)
        self._show(info, None, self._signature or (0, 0))

    def _title(self) -> str:
        return html.decision_title(self.scenario, str(self.decision.value))

    def _hold(self) -> None:
        info = self.rooms.hold(self.code, self.key, str(self.decision.value))
        self._apply(info, f"The room is paused at {self._title()}.")

    def _release(self) -> None:
        self._apply(self.rooms.hold(self.code, self.key, None), "The room goes on.")

    def _reveal(self) -> None:
        shown = self.info.revealed | {str(self.decision.value)}
        info = self.rooms.reveal(self.code, self.key, frozenset(shown))
        self._apply(info, f"Shown: what the worker in the study did at {self._title()}.")

    def _hide(self) -> None:
        shown = self.info.revealed - {str(self.decision.value)}
        self._apply(self.rooms.reveal(self.code, self.key, frozenset(shown)), "Hidden again.")

    def _export(self) -> None:
        self.refresh()
        text = counts_csv(self.code, self.scenario, self.state)
        data = base64.b64encode(text.encode()).decode()
        name = escape(file_name(self.code, self.scenario.id))
        self.download.value = (
            f'<a download="{name}" href="data:text/csv;base64,{data}">Download {name}</a>'
        )

    def _close(self) -> None:
        if not self._confirm_close:
            self._confirm_close = True
            self.close_button.description = "Press again to close: the counts are deleted"
            return
        try:
            self.rooms.close(self.code, self.key)
        except RoomError as error:
            self._say(str(error))
            return
        self._show_closed()


class RoomOpener:
    """Open a room for a case: the first thing on the tutor's page."""

    def __init__(self, rooms: Callable[[], RoomStore], page_url: str | None) -> None:
        self.rooms, self.page_url = rooms, page_url
        cases = [
            (item.scenario.title, item.scenario.id)
            for item in list_cases()
            if item.scenario is not None and item.scenario.case.listed
        ]
        self.case = widgets.Dropdown(
            options=cases,
            description="Case",
            style={"description_width": "initial"},
            layout=widgets.Layout(width="min(520px, 100%)"),
        )
        self.hours = widgets.BoundedFloatText(
            value=DEFAULT_HOURS,
            min=0.5,
            max=24.0,
            step=0.5,
            description="Close it by itself after (hours)",
            style={"description_width": "initial"},
        )
        self.message = widgets.HTML()
        intro = widgets.HTML(
            "<h3>Open a room for a seminar</h3><p>A room joins your learners&#8217; journeys "
            "through one case for one seminar: you see how many chose each option, never who, "
            "and nothing anyone writes. You get a short code to read out and an address for "
            "this view; keep the address to yourself, it is the key to the room.</p>"
        )
        self.widget = widgets.VBox(
            [intro, _row(self.case, self.hours, _button("Open a room", self._open)), self.message],
            layout=widgets.Layout(width="100%"),
        )

    def _open(self) -> None:
        try:
            rooms = self.rooms()
            opened = rooms.open(str(self.case.value), float(self.hours.value))
            view = TutorView(rooms, opened.code, opened.key, self.page_url)
        except RoomError as error:
            hint = " On JupyterHub only educators can open rooms." if made_here(self) else ""
            self.message.value = f'<p role="alert">{escape(str(error) + hint)}</p>'
            return
        except Exception:
            log.exception("could not open a room")
            self.message.value = (
                '<p role="alert">A room could not be opened here. On JupyterHub only '
                "educators can open rooms, and the course must keep journeys in PostgreSQL.</p>"
            )
            return
        self.widget.children = [view.widget]


def made_here(opener: RoomOpener) -> bool:
    """Whether rooms here are the shared schema of a JupyterHub (where learners may not open
    one)."""
    try:
        return opener.rooms().schema is not None
    except Exception:
        return False


def tutor_widget() -> widgets.Widget:
    """The tutor's page: the room its address names (with the right key), or a way to open
    one."""
    url = request_url() if in_voila() and not waiting_for_learner() else None
    code, key = room_in_address(url)
    made: list[RoomStore] = []

    def rooms() -> RoomStore:
        if not made:
            made.append(RoomStore())
        return made[0]

    note = ""
    if code and key:
        try:
            return TutorView(rooms(), code, key, url).widget
        except RoomError as error:
            note = f'<p role="alert">{escape(str(error))}</p>'
        except Exception:
            log.exception("could not show room %s", code)
            note = f'<p role="alert">{escape(PLAIN_ERROR)}</p>'
    opener = RoomOpener(rooms, url)
    if note:
        opener.message.value = note
    return opener.widget


def tutor_page() -> None:
    """Show the tutor's page here (the one call ``course/tutor.ipynb`` makes)."""
    from IPython.display import display

    from casework.logs import log_to_server

    log_to_server()
    display(tutor_widget())
