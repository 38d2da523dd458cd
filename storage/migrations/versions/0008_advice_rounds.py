"""Colleague-advice rounds (their state as JSON), and the channel a cohort's groups meet in.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("cohorts") as batch:
        batch.add_column(sa.Column("space", sa.String(200), nullable=True))
    op.create_table(
        "advice_rounds",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("group_id", Id, nullable=False),
        sa.Column("case_giver_id", Id, nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("space", sa.String(200), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_advice_rounds"),
        sa.ForeignKeyConstraint(
            ["group_id"], ["learning_groups.id"], name="fk_advice_rounds_group_id_learning_groups"
        ),
        sa.ForeignKeyConstraint(
            ["case_giver_id"], ["people.id"], name="fk_advice_rounds_case_giver_id_people"
        ),
    )
    op.create_index("ix_advice_rounds_group_id", "advice_rounds", ["group_id"])


def downgrade() -> None:
    op.drop_table("advice_rounds")
    with op.batch_alter_table("cohorts") as batch:
        batch.drop_column("space")
