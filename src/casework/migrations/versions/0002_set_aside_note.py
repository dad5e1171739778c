"""Say why a session was set aside, and find stale sessions quickly.

A session whose data no longer fits its case (or cannot be read) is kept, marked
``set_aside``, with a note for the host; hosts clear out old sessions by ``updated_at``.

Revision ID: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("note", sa.Text, nullable=True))
        batch.create_index("ix_sessions_updated_at", ["updated_at"])


def downgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.drop_index("ix_sessions_updated_at")
        batch.drop_column("note")
