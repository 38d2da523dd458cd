"""Meetings with a calendar invite: co-coaching sessions set with `/learn partner meet`
(hanging off their partnership, erased with it) and learning groups' live colleague-advice
rounds set with `/learn group meet` (hanging off the group); one row per meeting, the id
makes the invite's UID and `sequence` counts its changes (each update or cancellation is
SEQUENCE + 1).

Revision ID: 0020
Revises: 0018
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "meetings",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("partnership_id", Id, nullable=True),
        sa.Column("group_id", Id, nullable=True),
        sa.Column("starts_at", UtcDateTime(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("cancelled", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_meetings"),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name="fk_meetings_partnership_id_partnerships",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["learning_groups.id"], name="fk_meetings_group_id_learning_groups"
        ),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_meetings_partnership_id", "meetings", ["partnership_id"])
    op.create_index("ix_meetings_group_id", "meetings", ["group_id"])


def downgrade() -> None:
    op.drop_index("ix_meetings_group_id", table_name="meetings")
    op.drop_index("ix_meetings_partnership_id", table_name="meetings")
    op.drop_table("meetings")
