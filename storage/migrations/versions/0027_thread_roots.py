"""Which event is the root of a thread Tandem started (`thread_roots`): the Matrix
adapter keeps a colleague-advice round's `m.thread` root here, so after a restart the
round's next post lands in the same thread. No person key.

Revision ID: 0027
Revises: 0024
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0027"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "thread_roots",
        sa.Column("channel", sa.String(300), primary_key=True),
        sa.Column("thread", sa.String(100), primary_key=True),
        sa.Column("root", sa.String(300), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("thread_roots")
