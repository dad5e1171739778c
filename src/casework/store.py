"""The journey store: where hosted learners' journeys and reflections are kept.

In a notebook a journey lives in a file beside it. A hosted Voila page has no notebook to
save into, and its kernel can die or be culled at any moment, so the journey is kept in a
database: SQLite by default (one file under the data directory, in WAL mode so many
kernels can write at once), or PostgreSQL for hosts who run one
(``CASEWORK_DATABASE_URL=postgresql+psycopg://...``). The schema is migrated with Alembic
(``src/casework/migrations``), step by step from the first schema.

A learner holds a resume token: 136 random bits from ``secrets``, shown as a code in
groups of four and put in a personal link. Only its SHA-256 is stored, so the database
alone cannot be used to open anyone's journey, and one token tells nothing about another.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import re
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError

from casework.journey import Journey, JourneyError, Step, place_from, seed_for_old_journey
from casework.locations import data_dir
from casework.scenario import Scenario

metadata = sa.MetaData()

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("case_id", sa.String(64), nullable=False),
    sa.Column("case_version", sa.String(32), nullable=False),
    sa.Column("status", sa.String(16), nullable=False, server_default="active"),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("seed", sa.BigInteger, nullable=True),
    sa.Column("place", sa.String(16), nullable=True),
)
steps = sa.Table(
    "steps",
    metadata,
    sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id"), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("scene", sa.String(64), nullable=False),
    sa.Column("choice", sa.String(64), nullable=False),
    sa.Column("at", sa.String(40), nullable=False),
    sa.Column("shown", sa.Text, nullable=True),
)
reflections = sa.Table(
    "reflections",
    metadata,
    sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id"), primary_key=True),
    sa.Column("reflection_id", sa.String(64), primary_key=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

#: Random bytes in a resume token (136 bits: more than the 128 asked for, and a whole
#: number of base32 characters).
TOKEN_BYTES = 17
#: How long a writer waits for a busy SQLite database before retrying, in seconds.
BUSY_TIMEOUT = 10.0
#: The newest migration in casework/migrations/versions (tests hold the two equal).
HEAD_REVISION = "0004"
#: How many times a write is retried when the database is locked, with growing pauses.
RETRIES = 8
#: Days a journey is kept after it was last used ($CASEWORK_KEEP_DAYS; 0 keeps them until the
#: host deletes them). Reflections are personal data: the course keeps them no longer than it
#: needs, and tells learners how long their code and this computer's memory of it last.
DEFAULT_KEEP_DAYS = 90


def keep_days() -> int:
    """How long journeys are kept, from $CASEWORK_KEEP_DAYS (whole days; 0: no limit)."""
    configured = os.environ.get("CASEWORK_KEEP_DAYS", "").strip()
    if not configured:
        return DEFAULT_KEEP_DAYS
    try:
        return max(0, int(configured))
    except ValueError:
        return DEFAULT_KEEP_DAYS


T = TypeVar("T")


class StoreError(RuntimeError):
    """The store cannot do what was asked; the message is safe to show a learner."""


def new_token() -> str:
    """A fresh resume token: 28 characters of base32 (A-Z, 2-7), 136 random bits."""
    return base64.b32encode(secrets.token_bytes(TOKEN_BYTES)).decode().rstrip("=")


def normalise_token(text: str) -> str:
    """What a learner typed (any case, spaces or dashes) as a token."""
    return re.sub(r"[^A-Z2-7]", "", text.upper())


def display_token(token: str) -> str:
    """The code as shown to a learner: groups of four, easy to copy out."""
    return "-".join(token[i : i + 4] for i in range(0, len(token), 4))


def _hash(token: str) -> str:
    return hashlib.sha256(normalise_token(token).encode()).hexdigest()


def database_url() -> str:
    url = os.environ.get("CASEWORK_DATABASE_URL")
    if url:
        return url
    folder = data_dir()
    if not folder.exists():
        folder.mkdir(parents=True)
        folder.chmod(0o700)  # learners' reflections: for the server's user alone
    return f"sqlite:///{folder / 'journeys.sqlite'}"


def _sqlite_pragmas(connection: object, _record: object) -> None:
    cursor = connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
    cursor.execute("PRAGMA synchronous=NORMAL")  # durable across a killed process
    cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT * 1000)}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _now() -> datetime:
    return datetime.now(UTC)


def _locked(error: OperationalError) -> bool:
    text = str(error.orig).lower()
    return "locked" in text or "busy" in text


class JourneyStore:
    """Journeys and reflections in a database, by resume token."""

    def __init__(
        self, url: str | None = None, *, migrate: bool = True, keep: int | None = None
    ) -> None:
        self.url = url or database_url()
        #: Days a journey is kept after its last use (0: no limit); see ``forget_old``.
        self.keep_days = keep_days() if keep is None else keep
        self.engine: Engine = sa.create_engine(self.url, pool_pre_ping=True)
        if self.engine.dialect.name == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            database = self.engine.url.database
            if database and database != ":memory:" and not Path(database).exists():
                # Created owner-only; SQLite gives its -wal and -shm files the same mode.
                os.close(os.open(database, os.O_CREAT | os.O_WRONLY, 0o600))
        if migrate:
            self.upgrade()

    # --- schema -----------------------------------------------------------------------------

    def upgrade(self, revision: str = "head") -> None:
        """Bring the database to ``revision`` with Alembic; safe to call on every start.

        Many kernels may start at once against one new SQLite file: if another process
        migrated first (its tables "already exist", or the file is locked), wait and run
        the upgrade again, which then finds the database current and does nothing.
        """
        if revision == "head" and self._recorded_revision() == HEAD_REVISION:
            return  # current: skip Alembic, whose import alone costs ~0.1 s per page view
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", "casework:migrations")
        pause = 0.05
        for attempt in range(RETRIES):
            try:
                with self.engine.begin() as connection:
                    config.attributes["connection"] = connection
                    command.upgrade(config, revision)
                return
            except OperationalError as error:
                racing = _locked(error) or "already exists" in str(error.orig).lower()
                if not racing or attempt == RETRIES - 1:
                    raise
                time.sleep(pause)
                pause = min(pause * 2, 2.0)

    def _recorded_revision(self) -> str | None:
        """The revision Alembic recorded in this database, read without importing Alembic;
        None when there is none yet (a new database) or it cannot be read."""
        try:
            with self.engine.connect() as connection:
                rows = connection.execute(sa.text("SELECT version_num FROM alembic_version"))
                found = [row[0] for row in rows]
        except sa.exc.SQLAlchemyError:
            return None
        return found[0] if len(found) == 1 else None

    def revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    # --- writing with retries ----------------------------------------------------------------

    def _retrying(self, action: Callable[[], T]) -> T:
        """Run ``action``; if SQLite is locked past its busy timeout, wait and try again."""
        pause = 0.05
        for attempt in range(RETRIES):
            try:
                return action()
            except OperationalError as error:
                if not _locked(error) or attempt == RETRIES - 1:
                    raise StoreError(
                        "Your work could not be saved just now. Keep this page open and try "
                        "again in a moment."
                    ) from error
                time.sleep(pause)
                pause = min(pause * 2, 2.0)
        raise AssertionError("unreachable")  # pragma: no cover

    def _write(self, work: Callable[[Connection], T]) -> T:
        def attempt() -> T:
            with self.engine.begin() as connection:
                return work(connection)

        return self._retrying(attempt)

    # --- sessions ---------------------------------------------------------------------------

    def start(self, scenario: Scenario) -> tuple[str, Journey]:
        """A new session for a case: its token (give it to the learner) and an empty journey."""
        token = new_token()
        journey = Journey.new(scenario)
        now = _now()
        self._write(
            lambda c: c.execute(
                sessions.insert().values(
                    token_hash=_hash(token),
                    case_id=scenario.id,
                    case_version=scenario.case.version,
                    created_at=now,
                    updated_at=now,
                    seed=journey.seed,
                )
            )
        )
        return token, journey

    def _session(self, connection: Connection, token: str) -> sa.Row[Any] | None:
        return connection.execute(
            sa.select(sessions).where(sessions.c.token_hash == _hash(token))
        ).first()

    def load(self, token: str, scenario: Scenario) -> Journey | None:
        """The journey for a token, or None if the token is unknown or for another case.

        A journey that no longer fits its case is set aside (kept, marked, with a note)
        and ``JourneyError`` is raised so the learner can be told and start again.
        """
        with self.engine.connect() as connection:
            session = self._session(connection, token)
            if session is None or session.case_id != scenario.id or session.status != "active":
                return None
            step_rows = connection.execute(
                sa.select(steps).where(steps.c.session_id == session.id).order_by(steps.c.position)
            ).all()
            reflection_rows = connection.execute(
                sa.select(reflections).where(reflections.c.session_id == session.id)
            ).all()
        started = session.created_at.isoformat()
        journey = Journey(
            case_id=session.case_id,
            case_version=session.case_version,
            steps=[
                Step(r.scene, r.choice, r.at, tuple(r.shown.split(",")) if r.shown else None)
                for r in step_rows
            ],
            reflections={r.reflection_id: r.text for r in reflection_rows},
            started=started,
            updated=session.updated_at.isoformat(),
            seed=(
                session.seed
                if session.seed is not None
                else seed_for_old_journey(session.case_id, started)
            ),
            place=place_from(session.place, bool(step_rows)),
        )
        positions = [r.position for r in step_rows]
        try:
            if positions != list(range(len(positions))):
                raise JourneyError("the saved steps are out of order or have gaps")
            journey.check_against(scenario)
        except JourneyError as error:
            self.set_aside(token, str(error))
            raise
        return journey

    def reopen_latest(self, case_id: str) -> str | None:
        """A new code for the most recent active session of a case, or None if there is none.

        Only for a store that holds one learner's journeys (each learner's own server on
        JupyterHub): there, opening a case with no code brings back where they were. The
        old code stops working; only the new one, shown to the learner, opens the journey.
        """
        token = new_token()

        def work(connection: Connection) -> bool:
            latest = connection.execute(
                sa.select(sessions.c.id)
                .where(sessions.c.case_id == case_id, sessions.c.status == "active")
                .order_by(sessions.c.updated_at.desc(), sessions.c.id.desc())
                .limit(1)
            ).first()
            if latest is None:
                return False
            connection.execute(
                sessions.update().where(sessions.c.id == latest.id).values(token_hash=_hash(token))
            )
            return True

        return token if self._write(work) else None

    def status(self, token: str) -> str | None:
        """'active', 'set_aside', or None for a code the store has never issued."""
        with self.engine.connect() as connection:
            session = self._session(connection, token)
        return None if session is None else str(session.status)

    def save(self, token: str, journey: Journey) -> None:
        """Make the stored journey equal to this one, in one transaction."""

        def work(connection: Connection) -> None:
            session = self._session(connection, token)
            if session is None:
                raise StoreError("This resume code is not known here any more.")
            now = _now()
            connection.execute(steps.delete().where(steps.c.session_id == session.id))
            if journey.steps:
                connection.execute(
                    steps.insert(),
                    [
                        {
                            "session_id": session.id,
                            "position": i,
                            "scene": s.scene,
                            "choice": s.choice,
                            "at": s.at,
                            "shown": ",".join(s.shown) if s.shown is not None else None,
                        }
                        for i, s in enumerate(journey.steps)
                    ],
                )
            connection.execute(reflections.delete().where(reflections.c.session_id == session.id))
            if journey.reflections:
                connection.execute(
                    reflections.insert(),
                    [
                        {
                            "session_id": session.id,
                            "reflection_id": key,
                            "text": text,
                            "updated_at": now,
                        }
                        for key, text in journey.reflections.items()
                    ],
                )
            connection.execute(
                sessions.update()
                .where(sessions.c.id == session.id)
                .values(updated_at=now, seed=journey.seed, place=journey.place)
            )

        self._write(work)

    def set_aside(self, token: str, note: str) -> None:
        """Keep a session's data but stop using it (it could not be read or no longer fits)."""
        self._write(
            lambda c: c.execute(
                sessions.update()
                .where(sessions.c.token_hash == _hash(token))
                .values(status="set_aside", note=note[:2000], updated_at=_now())
            )
        )

    def forget_old(self, days: int | None = None) -> int:
        """Delete every session last used more than ``days`` ago (default: ``keep_days``),
        with its steps and reflections; returns how many went. Nothing happens with 0 days."""
        days = self.keep_days if days is None else days
        if days <= 0:
            return 0
        cutoff = _now() - timedelta(days=days)

        def work(connection: Connection) -> int:
            old = sa.select(sessions.c.id).where(sessions.c.updated_at < cutoff)
            connection.execute(steps.delete().where(steps.c.session_id.in_(old)))
            connection.execute(reflections.delete().where(reflections.c.session_id.in_(old)))
            gone = connection.execute(sessions.delete().where(sessions.c.updated_at < cutoff))
            return int(gone.rowcount or 0)

        return self._write(work)

    def counts(self) -> dict[str, int]:
        """How many sessions, steps and reflections are stored (for reports and tests)."""
        with self.engine.connect() as connection:
            return {
                name: int(
                    connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
                )
                for name, table in (
                    ("sessions", sessions),
                    ("steps", steps),
                    ("reflections", reflections),
                )
            }

    def close(self) -> None:
        self.engine.dispose()


_shared: dict[str, JourneyStore] = {}


def shared_store(url: str | None = None) -> JourneyStore:
    """One store per process and database (a kernel opens it once, on first use)."""
    key = url or database_url()
    if key not in _shared:
        store = JourneyStore(key)
        with contextlib.suppress(StoreError):  # busy just now: the next kernel will do it
            store.forget_old()  # a kernel opening the store clears what is past keeping
        _shared[key] = store
    return _shared[key]
