"""Rooms in the journey store: opening, finding, adding learners' events, holding, closing.

The room tables live in the same database as the journeys (migration 0004), so on
``make start`` every learner's kernel and the tutor's page write to one SQLite file in WAL mode
and one Voila server is enough. On JupyterHub each person's server connects as their own
PostgreSQL role; the rooms are then in a shared schema (``$CASEWORK_ROOMS_SCHEMA``, made by
``deploy/jupyterhub_config.py``) where learners may only add events and ask one function for
a room's status, and only educators may read events or open, hold and close rooms. This
module is written so that a learner's kernel needs no more than that.

A tutor controls a room with a key given when it opens; only the key's SHA-256 is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

from casework.rooms.codes import new_code, normalise_code, skeleton
from casework.store import RETRIES, JourneyStore, shared_store

metadata = sa.MetaData()

rooms = sa.Table(
    "rooms",
    metadata,
    sa.Column("code", sa.String(6), primary_key=True),
    sa.Column("skeleton", sa.String(6), nullable=False, unique=True),
    sa.Column("case_id", sa.String(64), nullable=False),
    sa.Column("key_hash", sa.String(64), nullable=False),
    sa.Column("status", sa.String(8), nullable=False, server_default="open"),
    sa.Column("held_at", sa.String(64), nullable=True),
    sa.Column("revealed", sa.Text, nullable=True),
    sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
)
room_events = sa.Table(
    "room_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("room", sa.String(6), sa.ForeignKey("rooms.code"), nullable=False),
    sa.Column("learner", sa.String(32), nullable=False),
    sa.Column("decision", sa.String(64), nullable=False),
    sa.Column("option", sa.String(64), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    # Learners on JupyterHub may insert but not read: no RETURNING of the new row's id.
    implicit_returning=False,
)

#: Hours a room stays open unless the tutor closes it first (``casework room open --hours``).
DEFAULT_HOURS = 3.0  # casework.rooms.commands.HOURS says the same
#: Days any room data is kept at most ($CASEWORK_ROOM_KEEP_DAYS): a room closes, and its
#: events go, no later than this after it opened; what is left of a closed room (its code, so
#: that an old link says "closed" rather than opening someone else's room) goes this long
#: after it closed.
DEFAULT_KEEP_DAYS = 1
#: A room's status, as stored.
OPEN, CLOSED = "open", "closed"

T = TypeVar("T")


def keep_days() -> int:
    """Days room data is kept at most, from $CASEWORK_ROOM_KEEP_DAYS (at least 1)."""
    try:
        return max(1, int(os.environ.get("CASEWORK_ROOM_KEEP_DAYS", "").strip()))
    except ValueError:
        return DEFAULT_KEEP_DAYS


class RoomError(RuntimeError):
    """A room cannot do what was asked; the message is safe to show a learner or a tutor."""


@dataclass(frozen=True)
class RoomInfo:
    """A room as a learner's kernel may see it (``revealed`` is filled for the tutor only)."""

    code: str
    case_id: str
    status: str
    held_at: str | None
    closes_at: datetime
    revealed: frozenset[str] = frozenset()

    @property
    def open(self) -> bool:
        return self.status == OPEN


@dataclass(frozen=True)
class OpenedRoom:
    """A room just opened: its code (for learners) and its key (for the tutor alone)."""

    code: str
    key: str
    info: RoomInfo


@dataclass(frozen=True)
class Event:
    """One row a learner's kernel added: decision (scene or ending id) and option (a choice id,
    or "" for "back at this decision")."""

    learner: str
    decision: str
    option: str
    at: datetime
    id: int = 0


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    """SQLite gives back naive times: the store writes UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _locked(error: OperationalError) -> bool:
    text = str(error.orig).lower()
    return "locked" in text or "busy" in text


class RoomStore:
    """The rooms of one journey store (by default the store this kernel uses)."""

    def __init__(
        self,
        journeys: JourneyStore | None = None,
        *,
        schema: str | None = None,
        keep: int | None = None,
    ) -> None:
        self.journeys = journeys or shared_store()
        chosen = schema if schema is not None else os.environ.get("CASEWORK_ROOMS_SCHEMA", "")
        if chosen and not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", chosen):
            raise RoomError(f"the rooms schema {chosen!r} is not a plain lower-case name")
        #: The shared schema on PostgreSQL (JupyterHub), or None: the store's own tables.
        self.schema = chosen or None
        base: Engine = self.journeys.engine
        self.engine: Engine = (
            base.execution_options(schema_translate_map={None: self.schema})
            if self.schema
            else base
        )
        self.keep_days = keep_days() if keep is None else keep

    # --- plumbing ------------------------------------------------------------------------

    def _retrying(self, action: Callable[[], T]) -> T:
        """Run ``action``; a locked SQLite is waited for; any other failure is a RoomError."""
        pause = 0.05
        for attempt in range(RETRIES):
            try:
                return action()
            except OperationalError as error:
                if not _locked(error) or attempt == RETRIES - 1:
                    raise RoomError("The room could not be reached just now.") from error
                time.sleep(pause)
                pause = min(pause * 2, 2.0)
            except SQLAlchemyError as error:
                raise RoomError("The room could not be reached just now.") from error
        raise AssertionError("unreachable")  # pragma: no cover

    def _write(self, work: Callable[[Connection], T]) -> T:
        def attempt() -> T:
            with self.engine.begin() as connection:
                return work(connection)

        return self._retrying(attempt)

    def _read(self, work: Callable[[Connection], T]) -> T:
        def attempt() -> T:
            with self.engine.connect() as connection:
                return work(connection)

        return self._retrying(attempt)

    @staticmethod
    def _info(row: Any, *, tutor: bool = False) -> RoomInfo:
        revealed = getattr(row, "revealed", None) if tutor else None
        return RoomInfo(
            code=str(row.code),
            case_id=str(row.case_id),
            status=str(row.status),
            held_at=row.held_at,
            closes_at=_aware(row.closes_at),
            revealed=frozenset(filter(None, (revealed or "").split(","))),
        )

    def _expire(self, connection: Connection, codes: sa.Select[Any] | list[str]) -> int:
        """Close rooms and delete their events; how many events went."""
        gone = connection.execute(room_events.delete().where(room_events.c.room.in_(codes)))
        connection.execute(
            rooms.update()
            .where(rooms.c.code.in_(codes), rooms.c.status == OPEN)
            .values(status=CLOSED, held_at=None, revealed=None, closed_at=_now())
        )
        return int(gone.rowcount or 0)

    # --- for learners' kernels ---------------------------------------------------------

    def status(self, typed: str) -> RoomInfo | None:
        """The room a code (as typed) names, open or closed; None if there is none.

        Found by the code's skeleton, so a look-alike letter still finds it. A room past its
        closing time is closed (and its events deleted) by whoever asks first.
        """
        code = normalise_code(typed)
        if code is None:
            return None
        wanted = skeleton(code)
        if self.schema:
            # JupyterHub: learners may not read the table; a function answers for one room.
            query = sa.text(
                f"SELECT code, case_id, status, held_at, closes_at FROM "
                f"{self.schema}.room_status(:skeleton)"
            )
            # (In a transaction of its own: a room past its time is closed as it answers.)
            row = self._write(lambda c: c.execute(query, {"skeleton": wanted}).first())
            return None if row is None else self._info(row)

        def work(connection: Connection) -> Any:
            found = connection.execute(sa.select(rooms).where(rooms.c.skeleton == wanted)).first()
            if found is not None and found.status == OPEN and _aware(found.closes_at) <= _now():
                self._expire(connection, [found.code])
                query = sa.select(rooms).where(rooms.c.code == found.code)
                found = connection.execute(query).first()
            return found

        row = self._write(work)
        return None if row is None else self._info(row)

    def post(self, code: str, learner: str, moves: Sequence[tuple[str, str]]) -> None:
        """Add one learner's moves, (decision, option) in order, in one transaction. A room
        that is not open drops them (the database's trigger)."""
        if not moves:
            return
        now = _now()
        rows = [
            {
                "room": code,
                "learner": learner,
                "decision": decision,
                "option": option,
                # Distinct, increasing times within a post: the order is the learner's.
                "at": now + timedelta(microseconds=number),
            }
            for number, (decision, option) in enumerate(moves)
        ]
        # inline(): the new rows' ids are never fetched (learners may not read them back).
        self._write(lambda c: c.execute(room_events.insert().inline(), rows))

    # --- for the tutor -----------------------------------------------------------------

    def open(self, case_id: str, hours: float = DEFAULT_HOURS) -> OpenedRoom:
        """Open a room for a case; it closes by itself after ``hours`` (at most the days
        room data is kept)."""
        self.forget_old()
        hours = min(max(hours, 0.1), 24.0 * self.keep_days)
        key = secrets.token_urlsafe(18)
        opened = _now()
        closes = opened + timedelta(hours=hours)
        for _attempt in range(100):
            code = new_code()
            values = {
                "code": code,
                "skeleton": skeleton(code),
                "case_id": case_id,
                "key_hash": key_hash(key),
                "status": OPEN,
                "opened_at": opened,
                "closes_at": closes,
            }
            insert = rooms.insert().values(**values)

            def add(connection: Connection, statement: Any = insert) -> None:
                connection.execute(statement)

            try:
                self._write(add)
            except RoomError as error:
                if isinstance(error.__cause__, IntegrityError):
                    continue  # a look-alike of this code exists: draw another
                raise
            return OpenedRoom(code, key, RoomInfo(code, case_id, OPEN, None, closes))
        raise RoomError("No free room code could be found; try again.")

    def _tutor_row(self, connection: Connection, code: str, key: str | None) -> Any:
        row = connection.execute(sa.select(rooms).where(rooms.c.code == code)).first()
        if row is None:
            raise RoomError("There is no room with that code (it may have closed long ago).")
        if key is not None and not hmac.compare_digest(key_hash(key), str(row.key_hash)):
            raise RoomError("That is not this room's key: only the tutor's address controls it.")
        if row.status == OPEN and _aware(row.closes_at) <= _now():
            self._expire(connection, [code])
            row = connection.execute(sa.select(rooms).where(rooms.c.code == code)).first()
        return row

    def tutor(self, code: str, key: str | None) -> RoomInfo:
        """The room for its tutor (``key`` None: on the host's command line)."""
        return self._info(self._write(lambda c: self._tutor_row(c, code, key)), tutor=True)

    def events(self, code: str) -> list[Event]:
        """Every event of a room, in time order (the tutor's view reconstructs paths)."""
        query = (
            sa.select(room_events)
            .where(room_events.c.room == code)
            .order_by(room_events.c.at, room_events.c.id)
        )
        rows = self._read(lambda c: c.execute(query).all())
        return [Event(r.learner, r.decision, r.option, _aware(r.at), int(r.id)) for r in rows]

    def signature(self, code: str) -> tuple[int, int]:
        """(events, largest id): changes whenever a learner's kernel adds to the room."""
        query = sa.select(sa.func.count(), sa.func.max(room_events.c.id)).where(
            room_events.c.room == code
        )
        row: Any = self._read(lambda c: c.execute(query).one())
        return int(row[0] or 0), int(row[1] or 0)

    def _update(self, code: str, key: str | None, **values: Any) -> RoomInfo:
        def work(connection: Connection) -> Any:
            row = self._tutor_row(connection, code, key)
            if row.status != OPEN:
                raise RoomError("This room has closed.")
            connection.execute(rooms.update().where(rooms.c.code == code).values(**values))
            return self._tutor_row(connection, code, key)

        return self._info(self._write(work), tutor=True)

    def hold(self, code: str, key: str | None, scene_id: str | None) -> RoomInfo:
        """Hold the room at a decision (None: let it go on)."""
        return self._update(code, key, held_at=scene_id)

    def reveal(self, code: str, key: str | None, scenes: frozenset[str]) -> RoomInfo:
        """The decisions at which the projected view shows what the worker in the study did."""
        return self._update(code, key, revealed=",".join(sorted(scenes)) or None)

    def close(self, code: str, key: str | None = None) -> int:
        """Close a room now: its events are deleted; learners' journeys are untouched.
        Returns how many events went."""

        def work(connection: Connection) -> int:
            self._tutor_row(connection, code, key)
            return self._expire(connection, [code])

        return self._write(work)

    def open_rooms(self) -> list[RoomInfo]:
        """Every open room (for the host's command line)."""
        query = sa.select(rooms).where(rooms.c.status == OPEN).order_by(rooms.c.opened_at)
        return [self._info(r) for r in self._read(lambda c: c.execute(query).all())]

    def forget_old(self) -> int:
        """Close rooms past their time and delete what is past keeping; events deleted."""
        now = _now()
        limit = now - timedelta(days=self.keep_days)

        def work(connection: Connection) -> int:
            due = sa.select(rooms.c.code).where(
                rooms.c.status == OPEN, sa.or_(rooms.c.closes_at <= now, rooms.c.opened_at < limit)
            )
            gone = self._expire(connection, due)
            old = sa.select(rooms.c.code).where(rooms.c.status == CLOSED, rooms.c.closed_at < limit)
            cleared = connection.execute(room_events.delete().where(room_events.c.room.in_(old)))
            gone += int(cleared.rowcount or 0)
            connection.execute(rooms.delete().where(rooms.c.code.in_(old)))
            return gone

        return self._write(work)
