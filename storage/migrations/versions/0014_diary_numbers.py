"""Diary entries numbered per author: `diary show|edit|delete <n>` name an entry by it.

Each entry gets its author's own number (1 = their first entry), kept for good: a
deleted entry's number is never given again, so a confirmation button or a number
read a minute ago cannot land on another entry. `people.diary_numbered` is the
author's counter; existing entries are numbered in the order they were written.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(
            sa.Column("diary_numbered", sa.Integer(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("diary_entries") as batch:
        batch.add_column(sa.Column("number", sa.Integer(), nullable=True))
    op.execute(
        """
        UPDATE diary_entries SET number = (
            SELECT count(*) FROM diary_entries AS earlier
            WHERE earlier.author_id = diary_entries.author_id
              AND (earlier.created_at < diary_entries.created_at
                   OR (earlier.created_at = diary_entries.created_at
                       AND earlier.id <= diary_entries.id))
        )
        """
    )
    op.execute(
        """
        UPDATE people SET diary_numbered = (
            SELECT coalesce(max(number), 0) FROM diary_entries
            WHERE diary_entries.author_id = people.id
        )
        """
    )
    with op.batch_alter_table("diary_entries") as batch:
        batch.alter_column("number", existing_type=sa.Integer(), nullable=False)
        batch.create_unique_constraint("uq_diary_entries_author_id_number", ["author_id", "number"])


def downgrade() -> None:
    with op.batch_alter_table("diary_entries") as batch:
        batch.drop_constraint("uq_diary_entries_author_id_number", type_="unique")
        batch.drop_column("number")
    with op.batch_alter_table("people") as batch:
        batch.drop_column("diary_numbered")
