"""Goals, milestones and proposals numbered per learner, co-coaching prompts per
partnership: commands name them by that number (`goals comment 1`, `plan done 2`,
`agree yes 1/1 --of @ana`, `partner met 3`), never by a database id.

Each row gets its owner's own number (1 = their first), max + 1 at insert and kept for
good (nothing of these is deleted but with its owner). Existing rows are numbered in the
order they were made. The column is added NOT NULL with a server default of 0, which
SQLite adds in place (no table is recreated, so no foreign key to `goals` or
`agreements` is touched); a unique index per owner keeps two rows from one number.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

# table, owner column, the time its rows are ordered by
NUMBERED = (
    ("goals", "learner_id", "created_at"),
    ("milestones", "learner_id", "created_at"),
    ("agreements", "learner_id", "created_at"),
    ("cocoaching", "partnership_id", "prompted_at"),
)


def upgrade() -> None:
    for table, owner, at in NUMBERED:
        op.add_column(table, sa.Column("number", sa.Integer(), nullable=False, server_default="0"))
        op.execute(
            f"""
            UPDATE {table} SET number = (
                SELECT count(*) FROM {table} AS earlier
                WHERE earlier.{owner} = {table}.{owner}
                  AND (earlier.{at} < {table}.{at}
                       OR (earlier.{at} = {table}.{at} AND earlier.id <= {table}.id))
            )
            """
        )
        op.create_index(
            f"uq_{table}_{owner.removesuffix('_id')}_number", table, [owner, "number"], unique=True
        )


def downgrade() -> None:
    for table, owner, _ in reversed(NUMBERED):
        op.drop_index(f"uq_{table}_{owner.removesuffix('_id')}_number", table_name=table)
        # in place on both (SQLite 3.35+): no table is recreated
        op.execute(f"ALTER TABLE {table} DROP COLUMN number")
