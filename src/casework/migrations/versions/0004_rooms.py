"""Seminar rooms: a room for one seminar, and what learners' kernels add to it.

``rooms`` holds one row per room: its code (and the code's skeleton, unique, so that two rooms
with look-alike codes never exist at once), the case, the SHA-256 of the tutor's key, whether
it is open, where the tutor holds it, which decisions the tutor has revealed, and when it
opened and closes. ``room_events`` holds what learners' kernels add: the room, a random
per-learner id, the decision (a scene or ending id), the option (a choice id, or empty for
"back at this decision") and the time. Nothing a learner writes is ever stored here. A row
for a room that is not open is dropped as it is inserted (a trigger), so a closed room stops
counting even a kernel that has not noticed yet.

Revision ID: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SQLITE_TRIGGER = """
CREATE TRIGGER room_events_only_open BEFORE INSERT ON room_events
FOR EACH ROW WHEN NOT EXISTS (SELECT 1 FROM rooms WHERE code = NEW.room AND status = 'open')
BEGIN SELECT RAISE(IGNORE); END
"""
POSTGRES_FUNCTION = """
CREATE FUNCTION room_events_only_open() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM rooms WHERE code = NEW.room AND status = 'open') THEN
    RETURN NULL;
  END IF;
  RETURN NEW;
END $$
"""
POSTGRES_TRIGGER = """
CREATE TRIGGER room_events_only_open BEFORE INSERT ON room_events
FOR EACH ROW EXECUTE FUNCTION room_events_only_open()
"""


def upgrade() -> None:
    op.create_table(
        "rooms",
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
    op.create_table(
        "room_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("room", sa.String(6), sa.ForeignKey("rooms.code"), nullable=False),
        sa.Column("learner", sa.String(32), nullable=False),
        sa.Column("decision", sa.String(64), nullable=False),
        sa.Column("option", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_room_events_room", "room_events", ["room", "id"])
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute(SQLITE_TRIGGER)
    elif dialect == "postgresql":
        op.execute(POSTGRES_FUNCTION)
        op.execute(POSTGRES_TRIGGER)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        op.execute(
            "DROP TRIGGER IF EXISTS room_events_only_open"
            + (" ON room_events" if dialect == "postgresql" else "")
        )
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS room_events_only_open()")
    op.drop_index("ix_room_events_room", table_name="room_events")
    op.drop_table("room_events")
    op.drop_table("rooms")
