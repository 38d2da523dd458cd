"""Self-assessments and their ratings.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "assessments",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("person_id", Id, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("started_at", UtcDateTime(), nullable=False),
        sa.Column("completed_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_assessments"),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name="fk_assessments_person_id_people"
        ),
    )
    op.create_index("ix_assessments_person_id", "assessments", ["person_id"])
    op.create_table(
        "assessment_ratings",
        sa.Column("assessment_id", Id, nullable=False),
        sa.Column("trait_id", sa.String(40), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("rated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("assessment_id", "trait_id", name="pk_assessment_ratings"),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name="fk_assessment_ratings_assessment_id_assessments",
        ),
    )


def downgrade() -> None:
    op.drop_table("assessment_ratings")
    op.drop_table("assessments")
