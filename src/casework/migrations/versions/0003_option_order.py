"""Keep the order in which each learner saw a decision's options, and where they stopped.

Each session gets the seed that shuffles its options (so a learner sees the same order after
a reload or a resume), and each step the choice ids in the order shown (so the cohort report
can tell whether learners favoured a position). Sessions saved before have neither; their
seed is derived from what they hold when they are opened. ``place`` says where the learner was
(the introduction, a scene, or the consequence of their last choice), so coming back returns
them to that step.

Revision ID: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("seed", sa.BigInteger, nullable=True))
        batch.add_column(sa.Column("place", sa.String(16), nullable=True))
    with op.batch_alter_table("steps") as batch:
        batch.add_column(sa.Column("shown", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("steps") as batch:
        batch.drop_column("shown")
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("place")
        batch.drop_column("seed")
