"""Kickoff: membership status and team, people one will not be paired with, timers,
learning plans and milestones, pairing and group proposals, group spaces, co-coaching.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _person_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ["people.id"], name=f"fk_{table}_{column}_people")


def upgrade() -> None:
    with op.batch_alter_table("memberships") as batch:
        batch.add_column(
            sa.Column("status", sa.String(16), nullable=False, server_default="active")
        )
        batch.add_column(sa.Column("team", sa.String(100), nullable=True))
    with op.batch_alter_table("learning_groups") as batch:
        batch.add_column(sa.Column("space", sa.String(200), nullable=True))
    op.create_table(
        "person_exclusions",
        sa.Column("person_id", Id, nullable=False),
        sa.Column("other_id", Id, nullable=False),
        sa.PrimaryKeyConstraint("person_id", "other_id", name="pk_person_exclusions"),
        _person_fk("person_exclusions", "person_id"),
        _person_fk("person_exclusions", "other_id"),
    )
    op.create_table(
        "timers",
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("subject", sa.String(100), nullable=False),
        sa.Column("due_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "subject", name="pk_timers"),
    )
    op.create_index("ix_timers_due_at", "timers", ["due_at"])
    op.create_table(
        "learning_plans",
        sa.Column("learner_id", Id, nullable=False),
        sa.Column("committed_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("learner_id", name="pk_learning_plans"),
        _person_fk("learning_plans", "learner_id"),
    )
    op.create_table(
        "milestones",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("learner_id", Id, nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("goal_id", Id, nullable=True),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("done_at", UtcDateTime(), nullable=True),
        sa.Column("reflection", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_milestones"),
        _person_fk("milestones", "learner_id"),
    )
    op.create_index("ix_milestones_learner_id", "milestones", ["learner_id"])
    op.create_table(
        "proposals",
        sa.Column("cohort_id", Id, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("circles", sa.JSON(), nullable=False),
        sa.Column("notes", sa.JSON(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("cohort_id", "kind", name="pk_proposals"),
        sa.ForeignKeyConstraint(
            ["cohort_id"], ["cohorts.id"], name="fk_proposals_cohort_id_cohorts"
        ),
    )
    op.create_table(
        "cocoaching",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("partnership_id", Id, nullable=False),
        sa.Column("prompted_at", UtcDateTime(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("answered_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_cocoaching"),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["partnerships.id"],
            name="fk_cocoaching_partnership_id_partnerships",
        ),
        sa.UniqueConstraint("partnership_id", "prompted_at", name="uq_cocoaching_partnership_id"),
    )


def downgrade() -> None:
    op.drop_table("cocoaching")
    op.drop_table("proposals")
    op.drop_table("milestones")
    op.drop_table("learning_plans")
    op.drop_table("timers")
    op.drop_table("person_exclusions")
    with op.batch_alter_table("learning_groups") as batch:
        batch.drop_column("space")
    with op.batch_alter_table("memberships") as batch:
        batch.drop_column("team")
        batch.drop_column("status")
