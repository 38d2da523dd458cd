"""Check-in schedules and check-ins; the outbox's kind; a person's own time zone choice.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("people") as people:
        people.add_column(
            sa.Column("timezone_chosen", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("outbox") as outbox:
        outbox.add_column(
            sa.Column("kind", sa.String(32), nullable=False, server_default="message")
        )
    op.create_index("ix_outbox_recipient_kind_due", "outbox", ["recipient_id", "kind", "due_at"])
    op.create_table(
        "checkin_schedules",
        sa.Column("person_id", Id, nullable=False),
        sa.Column("weekdays", sa.String(20), nullable=False),
        sa.Column("wall_time", sa.String(5), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("paused_until", UtcDateTime(), nullable=True),
        sa.Column("next_due_at", UtcDateTime(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("person_id", name="pk_checkin_schedules"),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name="fk_checkin_schedules_person_id_people"
        ),
    )
    op.create_index("ix_checkin_schedules_next_due_at", "checkin_schedules", ["next_due_at"])
    op.create_table(
        "checkins",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("person_id", Id, nullable=False),
        sa.Column("due_at", UtcDateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("requested", sa.Boolean(), nullable=False),
        sa.Column("asked_at", UtcDateTime(), nullable=True),
        sa.Column("remind_at", UtcDateTime(), nullable=True),
        sa.Column("expires_at", UtcDateTime(), nullable=True),
        sa.Column("reminded_at", UtcDateTime(), nullable=True),
        sa.Column("answered_at", UtcDateTime(), nullable=True),
        sa.Column("entry_id", Id, nullable=True),
        sa.Column("skip_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_checkins"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name="fk_checkins_person_id_people"),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["diary_entries.id"], name="fk_checkins_entry_id_diary_entries"
        ),
        sa.UniqueConstraint("person_id", "due_at", name="uq_checkins_person_due"),
    )
    op.create_index("ix_checkins_status_remind", "checkins", ["status", "remind_at"])
    op.create_index("ix_checkins_status_expires", "checkins", ["status", "expires_at"])


def downgrade() -> None:
    op.drop_table("checkins")
    op.drop_table("checkin_schedules")
    op.drop_index("ix_outbox_recipient_kind_due", "outbox")
    with op.batch_alter_table("outbox") as outbox:
        outbox.drop_column("kind")
    with op.batch_alter_table("people") as people:
        people.drop_column("timezone_chosen")
