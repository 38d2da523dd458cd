"""People, cohorts and memberships, partnerships and learning groups, the diary, the outbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("workspace", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(128), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("locale", sa.String(32), nullable=False),
        sa.Column("is_facilitator", sa.Boolean(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_people"),
        sa.UniqueConstraint("platform", "workspace", "user_id", name="uq_people_identity"),
    )
    op.create_table(
        "cohorts",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cohorts"),
    )
    op.create_table(
        "memberships",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("cohort_id", Id, nullable=False),
        sa.Column("person_id", Id, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("accompanies", Id, nullable=True),
        sa.Column("joined_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_memberships"),
        sa.ForeignKeyConstraint(
            ["cohort_id"], ["cohorts.id"], name="fk_memberships_cohort_id_cohorts"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name="fk_memberships_person_id_people"
        ),
        sa.ForeignKeyConstraint(
            ["accompanies"], ["people.id"], name="fk_memberships_accompanies_people"
        ),
    )
    op.create_index("ix_memberships_person_id", "memberships", ["person_id"])
    op.create_index("ix_memberships_accompanies", "memberships", ["accompanies"])
    op.create_table(
        "partnerships",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("cohort_id", Id, nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("ended_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_partnerships"),
        sa.ForeignKeyConstraint(
            ["cohort_id"], ["cohorts.id"], name="fk_partnerships_cohort_id_cohorts"
        ),
    )
    op.create_table(
        "partnership_members",
        sa.Column("partnership_id", Id, nullable=False),
        sa.Column("person_id", Id, nullable=False),
        sa.PrimaryKeyConstraint("partnership_id", "person_id", name="pk_partnership_members"),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name="fk_partnership_members_partnership_id_partnerships",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name="fk_partnership_members_person_id_people"
        ),
    )
    op.create_index("ix_partnership_members_person_id", "partnership_members", ["person_id"])
    op.create_table(
        "learning_groups",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("cohort_id", Id, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_learning_groups"),
        sa.ForeignKeyConstraint(
            ["cohort_id"], ["cohorts.id"], name="fk_learning_groups_cohort_id_cohorts"
        ),
    )
    op.create_table(
        "group_members",
        sa.Column("group_id", Id, nullable=False),
        sa.Column("person_id", Id, nullable=False),
        sa.PrimaryKeyConstraint("group_id", "person_id", name="pk_group_members"),
        sa.ForeignKeyConstraint(
            ["group_id"], ["learning_groups.id"], name="fk_group_members_group_id_learning_groups"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name="fk_group_members_person_id_people"
        ),
    )
    op.create_index("ix_group_members_person_id", "group_members", ["person_id"])
    op.create_table(
        "diary_entries",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("author_id", Id, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("visibility", sa.String(16), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_diary_entries"),
        sa.ForeignKeyConstraint(
            ["author_id"], ["people.id"], name="fk_diary_entries_author_id_people"
        ),
    )
    op.create_index("ix_diary_entries_author_created", "diary_entries", ["author_id", "created_at"])
    op.create_table(
        "outbox",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("recipient_id", Id, nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("due_at", UtcDateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("claimed_by", sa.String(100), nullable=True),
        sa.Column("claimed_until", UtcDateTime(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("sent_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        sa.ForeignKeyConstraint(
            ["recipient_id"], ["people.id"], name="fk_outbox_recipient_id_people"
        ),
        sa.UniqueConstraint("idempotency_key", name="uq_outbox_idempotency_key"),
    )
    op.create_index("ix_outbox_recipient_id", "outbox", ["recipient_id"])
    op.create_index("ix_outbox_status_due", "outbox", ["status", "due_at"])


def downgrade() -> None:
    for table in (
        "outbox",
        "diary_entries",
        "group_members",
        "learning_groups",
        "partnership_members",
        "partnerships",
        "memberships",
        "cohorts",
        "people",
    ):
        op.drop_table(table)
