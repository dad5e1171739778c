"""One learner in a room, as their kernel sees it: joining, telling the room their path, and
reading whether the room is open and where the tutor holds it. No widgets here: the player's
room panel (``casework.player.room``) and the simulated learners of the tests and benchmarks
(``casework.testing.rooms``) both go through this.

The room learns only moves: (decision, option) pairs from the case. A learner's id in a room
is derived from the room's code and their journey's own random seed, so a reload (or a new
resume code on JupyterHub) counts the same learner once, the id differs from room to room,
and the room's data alone cannot be traced back to a journey.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from casework.journey import Journey
from casework.rooms.codes import ALPHABET, LENGTH, normalise_code
from casework.rooms.store import RoomError, RoomInfo, RoomStore
from casework.scenario import Scenario

log = logging.getLogger("casework.rooms")

Step = tuple[str, str]


class Joined(StrEnum):
    """What came of trying to join a room."""

    joined = "joined"
    not_a_code = "not_a_code"
    not_found = "not_found"
    closed = "closed"
    other_case = "other_case"
    unreachable = "unreachable"


#: What a learner reads when they could not join (the case title is filled in).
MESSAGES = {
    Joined.not_a_code: (
        f"A room code is {LENGTH} letters, such as {ALPHABET[:LENGTH]}. Check the code with "
        "your tutor and try again; meanwhile you can carry on with the case on your own."
    ),
    Joined.not_found: (
        "No room has that code. Check it with your tutor and try again; meanwhile you can "
        "carry on with the case on your own."
    ),
    Joined.closed: (
        "That room has closed. You can carry on with the case on your own: your journey is "
        "yours and is kept as before."
    ),
    Joined.other_case: (
        "That room is for another case: {title}. Open that case to join the room; here you "
        "carry on on your own."
    ),
    Joined.unreachable: (
        "The room could not be reached just now. Carry on with the case; you can try to "
        "join again in a moment."
    ),
}


def learner_secret(journey: Journey) -> str:
    """What a learner's room id is made from: their journey's random seed and start."""
    return f"{journey.case_id}|{journey.seed}|{journey.started}"


def learner_id(code: str, secret: str) -> str:
    """A learner's id in one room: random-looking, the same on every reload."""
    return hashlib.sha256(f"holding-in-mind room|{code}|{secret}".encode()).hexdigest()[:20]


@dataclass(frozen=True)
class JoinResult:
    outcome: Joined
    message: str
    info: RoomInfo | None = None


class RoomMember:
    """A learner's link to a room. ``pending`` and ``post`` are split so that a page can work
    out the moves at once and send them from another thread; ``sync`` does both."""

    def __init__(self, rooms: RoomStore, scenario: Scenario) -> None:
        self.rooms = rooms
        self.scenario = scenario
        self.code: str | None = None
        self.learner: str | None = None
        self.info: RoomInfo | None = None
        #: The path the room has been told (None: tell it the whole path afresh).
        self._told: tuple[Step, ...] | None = None

    @property
    def joined(self) -> bool:
        return self.code is not None

    def join(self, typed: str, secret: str) -> JoinResult:
        """Join the room a code names, if it is open and for this case."""
        code = normalise_code(typed)
        if code is None:
            return JoinResult(Joined.not_a_code, MESSAGES[Joined.not_a_code])
        try:
            info = self.rooms.status(code)
        except RoomError:
            log.warning("a learner could not reach room %s", code, exc_info=True)
            return JoinResult(Joined.unreachable, MESSAGES[Joined.unreachable])
        if info is None:
            return JoinResult(Joined.not_found, MESSAGES[Joined.not_found])
        if not info.open:
            return JoinResult(Joined.closed, MESSAGES[Joined.closed], info)
        if info.case_id != self.scenario.id:
            return JoinResult(
                Joined.other_case,
                MESSAGES[Joined.other_case].format(title=_title(info.case_id)),
                info,
            )
        self.code, self.info = info.code, info
        self.learner = learner_id(info.code, secret)
        self._told = None
        return JoinResult(Joined.joined, "", info)

    def leave(self) -> None:
        """Stop counting in the room (what the room was told stays until the room closes)."""
        self.code = self.learner = self.info = None
        self._told = None

    def pending(self, path: Sequence[Step]) -> list[Step]:
        """The moves that bring the room up to ``path``, and note them as told.

        Joining (or after a failed post) tells the whole path: back at the start, then every
        choice. Otherwise only what changed: new choices, or "back at" the first decision that
        differs when the learner stepped back or started again.
        """
        if not self.joined:
            return []
        now = tuple(path)
        told, self._told = self._told, now
        if told is None:
            return [(self.scenario.case.start, ""), *now]
        if told == now:
            return []
        same = 0
        while same < min(len(told), len(now)) and told[same] == now[same]:
            same += 1
        moves = [] if same == len(told) else [(told[same][0], "")]
        return moves + list(now[same:])

    def post(self, moves: Sequence[Step]) -> bool:
        """Tell the room some moves; False (and the whole path next time) if that failed."""
        code, learner = self.code, self.learner
        if not moves or code is None or learner is None:
            return True
        try:
            self.rooms.post(code, learner, moves)
        except RoomError:
            log.warning("could not tell room %s a learner's moves", code, exc_info=True)
            self._told = None
            return False
        return True

    def sync(self, path: Sequence[Step]) -> bool:
        """Tell the room the learner's path as it is now."""
        return self.post(self.pending(path))

    def needs_resync(self) -> bool:
        return self.joined and self._told is None

    def refresh(self) -> RoomInfo | None:
        """Read the room's status again (RoomError if it cannot be read just now). A room
        that has closed or gone is left."""
        if self.code is None:
            return None
        info = self.rooms.status(self.code)
        if info is None or not info.open:
            self.leave()
        else:
            self.info = info
        return info


def _title(case_id: str) -> str:
    from casework.catalog import load_case
    from casework.validate import CaseFileError

    try:
        return load_case(case_id).title
    except (FileNotFoundError, CaseFileError):
        return case_id
