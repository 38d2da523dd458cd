"""Asks: questions waiting for one person's Yes or No (send a task to someone who is not
one's manager; a group's proposed check-in cadence).

Revision ID: 0012
Revises: 0009
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0012"
down_revision = "0009"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "asks",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("person_id", Id, nullable=False),
        sa.Column("about_id", Id, nullable=True),
        sa.Column("group_id", Id, nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("answered_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_asks"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name="fk_asks_person_id_people"),
        sa.ForeignKeyConstraint(["about_id"], ["people.id"], name="fk_asks_about_id_people"),
        sa.ForeignKeyConstraint(
            ["group_id"], ["learning_groups.id"], name="fk_asks_group_id_learning_groups"
        ),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_asks_person_id", "asks", ["person_id"])
    op.create_index("ix_asks_about_id", "asks", ["about_id"])
    op.create_index("ix_asks_group_id", "asks", ["group_id"])


def downgrade() -> None:
    op.drop_index("ix_asks_group_id", table_name="asks")
    op.drop_index("ix_asks_about_id", table_name="asks")
    op.drop_index("ix_asks_person_id", table_name="asks")
    op.drop_table("asks")
