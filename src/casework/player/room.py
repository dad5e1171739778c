"""A learner's seminar room on a case page: the join box, the room's panel, and the pause.

On a hosted page the learner can type their tutor's room code (or arrive with ``?room=CODE``
in the address). From then on the player tells the room each change of path (the choices
only: never a reflection or a first answer), and reads the room's status every
``POLL_SECONDS`` on the kernel's event loop, the reading itself in a worker thread, for as
long as the learner is in the room. Where the tutor holds the room, the decision's options
give way to a notice until the tutor lets the room go on; a learner already past that
decision is never pulled back. Leaving the room, a closed room, a lost connection or a failed
reading change nothing of the learner's journey, which is kept as it always is; a failed
reading is simply tried again. The course's page template keeps ``?room=CODE`` in the
address while the learner is in a room (``data-hm-room-address``), so a reload rejoins.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from html import escape
from typing import Any, Protocol

import ipywidgets as widgets

from casework.journey import Journey
from casework.player.handover import in_voila, kernel_loop, request_url, waiting_for_learner
from casework.rooms.codes import display_code
from casework.rooms.links import room_in_address
from casework.rooms.member import Joined, RoomMember, learner_secret
from casework.rooms.store import RoomError, RoomInfo, RoomStore
from casework.scenario import Scenario
from casework.store import shared_store

log = logging.getLogger("casework.player")

#: Seconds between two readings of the room's status, while the learner is in a room.
POLL_SECONDS = 2.0

STYLE = """<style>
.hm-room { margin: 4px 0 8px; }
.hm-room-paused { border-left: 6px solid #8a3b00; background: #fff6ee; padding: 4px 12px; }
.hm-room-panel { border-left: 6px solid #0b5394; background: #f0f5fb; padding: 2px 12px; }
</style>"""

PAUSED = (
    '<div class="hm-room-paused" role="status" aria-live="polite">'
    "<h4>Your tutor has paused the room here</h4><p>Your tutor has paused the room at this "
    "decision for a discussion. The options will appear here when your tutor lets the room go "
    "on. Meanwhile, think about what you would do, and why.</p></div>"
)

#: One worker thread per kernel posts moves and reads the room, in order.
_worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="casework-room")
_rooms: list[RoomStore] = []


def room_store() -> RoomStore | None:
    """The rooms this page can join, or None where rooms cannot be shared (a notebook; or on
    JupyterHub, journeys kept in each learner's own SQLite file, with no shared schema)."""
    if not in_voila():
        return None
    per_learner = os.environ.get("CASEWORK_STORE_PER_LEARNER") == "1"
    if per_learner and not os.environ.get("CASEWORK_ROOMS_SCHEMA"):
        return None
    if not _rooms:
        try:
            rooms = RoomStore(shared_store())
            if rooms.schema is None:  # a page opening the store clears what is past keeping
                with contextlib.suppress(RoomError):
                    rooms.forget_old()
            _rooms.append(rooms)
        except Exception:
            log.exception("rooms are not available on this page")
            return None
    return _rooms[0]


class Player(Protocol):
    """What the room part needs of its player (``casework.player.player.Player``)."""

    scenario: Scenario
    journey: Journey

    def _button(self, label: str, action: Callable[[], None], css: str) -> widgets.Button: ...


class RoomLink:
    """The room part of one player: see the module's docstring."""

    def __init__(self, player: Player, *, waiting: bool = False) -> None:
        self.player = player
        rooms = room_store()
        self.member = RoomMember(rooms, player.scenario) if rooms is not None else None
        self.widget = widgets.VBox(layout=widgets.Layout(width="100%"))
        self.widget.add_class("hm-room")
        self._note = ""
        self._gate: tuple[str, widgets.Box, tuple[widgets.Widget, ...]] | None = None
        self._timer: asyncio.TimerHandle | None = None
        #: The learner is in a room and this page follows it.
        self._following = False
        self._typed = widgets.Text(
            description="In a seminar? Room code:",
            placeholder="ACD EFG",
            # Sent whole when the box loses focus (see coming_back.resume_widgets).
            continuous_update=False,
            style={"description_width": "initial"},
            layout=widgets.Layout(width="min(360px, 100%)"),
        )
        self._draw()
        if not waiting:
            self.arrive()

    # --- joining and leaving -------------------------------------------------------------

    def arrive(self) -> None:
        """Join the room named in the page's address, if there is one."""
        if self.member is None or waiting_for_learner():
            return
        try:
            code, _key = room_in_address(request_url())
        except Exception:
            log.warning("could not read the page's address for a room", exc_info=True)
            return
        if code:
            self.join(code)

    def join(self, typed: str) -> None:
        try:
            self._join(typed)
        except Exception:
            log.exception("could not join a room (case %s)", self.player.scenario.id)
            self._note = "The room could not be joined just now: carry on, and try again later."
            self._draw()

    def _join(self, typed: str) -> None:
        if self.member is None:
            return
        if self.member.joined:
            self.member.leave()
        self._following = False
        self._stop()
        result = self.member.join(typed, learner_secret(self.player.journey))
        if result.outcome != Joined.joined:
            self._note = result.message
            self._draw()
            return
        self._note = "You have joined the room."
        self._following = True
        self._send(self.member.pending(self.player.journey.path()))
        self._draw()
        self._apply_gate(focus=False)
        self._schedule()

    def rejoin(self) -> None:
        """The learner's journey changed (a resume code): count it in the room afresh."""
        if self.member is not None and self.member.code:
            self.join(self.member.code)

    def leave(self) -> None:
        try:
            if self.member is not None:
                self.member.leave()
            self._following = False
            self._stop()
            self._note = (
                "You have left the room. Your journey carries on as before; you can join "
                "again with the code."
            )
            self._draw()
            self._apply_gate(focus=True)
        except Exception:
            log.exception("could not leave a room")

    # --- telling the room, reading the room -----------------------------------------------

    def moved(self) -> None:
        """The journey was saved: tell the room if the path changed (never what was written)."""
        if self.member is not None and self.member.joined:
            self._send(self.member.pending(self.player.journey.path()))

    def _send(self, moves: list[tuple[str, str]]) -> None:
        member = self.member
        if not moves or member is None:
            return
        loop = kernel_loop()
        if loop is None:
            member.post(moves)
        else:
            loop.run_in_executor(_worker, member.post, moves)

    def _read(self) -> RoomInfo | None:
        """In the worker thread: mend what a failed post left out, then read the status."""
        member = self.member
        if member is None:
            return None
        if member.needs_resync():
            member.post(member.pending(self.player.journey.path()))
        return member.refresh()

    def poll_now(self) -> None:
        """Read the room now, in this thread (tests, and pages without a loop)."""
        try:
            info: RoomInfo | None = self._read()
        except RoomError:
            return
        self._apply(info)

    def _schedule(self) -> None:
        loop = kernel_loop()
        if loop is None or not self._following:
            return
        self._stop()
        self._timer = loop.call_later(POLL_SECONDS, self._tick, loop)

    def _stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _tick(self, loop: asyncio.AbstractEventLoop) -> None:
        self._timer = None
        future = loop.run_in_executor(_worker, self._read)
        future.add_done_callback(self._read_done)

    def _read_done(self, future: asyncio.Future[Any]) -> None:
        """Back on the kernel's loop: show what was read. A failure is tried again later."""
        try:
            self._apply(future.result())
        except RoomError:
            pass  # the store is busy or out of reach for a moment: the next reading will do
        except Exception:
            log.exception("could not follow the room")
        self._schedule()

    def _apply(self, info: RoomInfo | None) -> None:
        """Show a reading of the room: a closed room stops counting the learner, and a hold
        placed or lifted shows or hides the options where the learner is."""
        member = self.member
        if member is None or not self._following:
            return
        if not member.joined:
            self._following = False
            self._stop()
            self._note = "The room has closed. Your journey is yours and carries on as before."
            self._draw()
        self._apply_gate(focus=True)

    # --- the page ---------------------------------------------------------------------------

    def held(self, scene_id: str) -> bool:
        member = self.member
        info = member.info if member is not None and member.joined else None
        return info is not None and info.open and info.held_at == scene_id

    def gate(self, scene_id: str, options: widgets.Box) -> None:
        """A scene's options are about to be shown: hold them back while the tutor holds the
        room here (the player calls this once it has built the options)."""
        self._gate = (scene_id, options, tuple(options.children))
        self._apply_gate(focus=False)

    def _apply_gate(self, focus: bool) -> None:
        if self._gate is None:
            return
        scene_id, box, buttons = self._gate
        paused = tuple(box.children) != buttons
        if self.held(scene_id) and not paused:
            box.children = (widgets.HTML(PAUSED),)
        elif not self.held(scene_id) and paused:
            box.children = buttons
            if focus and buttons and isinstance(buttons[0], widgets.Button):
                buttons[0].focus()

    def _draw(self) -> None:
        member = self.member
        if member is None:
            self.widget.children = []
            return
        note = (
            f'<p class="hm-small" role="status" aria-live="polite">{escape(self._note)}</p>'
            if self._note
            else ""
        )
        if member.joined and member.code:
            code = member.code
            panel = widgets.HTML(
                f'{STYLE}<div class="hm-room-panel" data-hm-room-address="room={escape(code)}">'
                f"<p>You are in your tutor&#8217;s room <strong>{escape(display_code(code))}"
                "</strong>. Your tutor sees how many chose each option, never who, and nothing "
                f"you write.</p>{note}</div>"
            )
            leave = self.player._button("Leave the room", self.leave, "hm-control")
            self.widget.children = [panel, leave]
            return
        typed = self._typed
        go = self.player._button("Join the room", lambda: self.join(typed.value), "hm-control")
        row = widgets.Box([typed, go])
        row.add_class("hm-controls")
        self.widget.children = [
            widgets.HTML(f'{STYLE}<div data-hm-room-address="">{note}</div>'),
            row,
        ]
