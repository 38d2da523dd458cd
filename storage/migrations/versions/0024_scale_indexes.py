"""The outbox's (status, due_at) index gets `id` as a third column: the claim orders by
(due_at, id), and many rows fall due in the same minute (everyone's check-in at 09:00),
so without `id` PostgreSQL read and sorted all of them to pick the first 100. With it, a
claim walks the index in order and stops after its batch (bench/heartbeat.py).

Revision ID: 0024
Revises: 0018
Create Date: 2026-12-02
"""

from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_outbox_status_due_id", "outbox", ["status", "due_at", "id"])
    op.drop_index("ix_outbox_status_due", table_name="outbox")


def downgrade() -> None:
    op.create_index("ix_outbox_status_due", "outbox", ["status", "due_at"])
    op.drop_index("ix_outbox_status_due_id", table_name="outbox")
