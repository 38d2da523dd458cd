"""Where a platform's event stream was read to (`sync_cursors`): the Matrix adapter keeps
its sync token here, one row per bot account, written after the events of a sync batch
are handled, so a restart neither replays nor skips messages. No person key.

Revision ID: 0023
Revises: 0018
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0023"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_cursors",
        sa.Column("account", sa.String(300), primary_key=True),
        sa.Column("token", sa.Text, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sync_cursors")
