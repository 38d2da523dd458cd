"""Development goals with comments; practical tasks agreed with the manager.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _person_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ["people.id"], name=f"fk_{table}_{column}_people")


def upgrade() -> None:
    op.create_table(
        "goals",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("learner_id", Id, nullable=False),
        sa.Column("trait_id", sa.String(40), nullable=False),
        sa.Column("current_level", sa.Integer(), nullable=False),
        sa.Column("target_level", sa.Integer(), nullable=False),
        sa.Column("why", sa.Text(), nullable=False),
        sa.Column("set_by", Id, nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("due_by", sa.Date(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("status_note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_goals"),
        _person_fk("goals", "learner_id"),
        _person_fk("goals", "set_by"),
    )
    op.create_index("ix_goals_learner_id", "goals", ["learner_id"])
    op.create_table(
        "goal_comments",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("goal_id", Id, nullable=False),
        sa.Column("author_id", Id, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_goal_comments"),
        sa.ForeignKeyConstraint(["goal_id"], ["goals.id"], name="fk_goal_comments_goal_id_goals"),
        _person_fk("goal_comments", "author_id"),
    )
    op.create_index("ix_goal_comments_goal_id", "goal_comments", ["goal_id"])
    op.create_index("ix_goal_comments_author_id", "goal_comments", ["author_id"])
    op.create_table(
        "agreements",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("learner_id", Id, nullable=False),
        sa.Column("manager_id", Id, nullable=False),
        sa.Column("task", sa.Text(), nullable=False),
        sa.Column("goal_ids", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_agreements"),
        _person_fk("agreements", "learner_id"),
        _person_fk("agreements", "manager_id"),
    )
    op.create_index("ix_agreements_learner_id", "agreements", ["learner_id"])
    op.create_index("ix_agreements_manager_id", "agreements", ["manager_id"])
    op.create_table(
        "agreement_responses",
        sa.Column("agreement_id", Id, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("agreement_id", "version", name="pk_agreement_responses"),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["agreements.id"],
            name="fk_agreement_responses_agreement_id_agreements",
        ),
    )


def downgrade() -> None:
    op.drop_table("agreement_responses")
    op.drop_table("agreements")
    op.drop_table("goal_comments")
    op.drop_table("goals")
