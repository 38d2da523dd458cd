"""Diary entries numbered per author: `diary show|edit|delete <n>` name an entry by it.

Each entry gets its author's own number (1 = their first entry), kept for good: a
deleted entry's number is never given again, so a confirmation button or a number
read a minute ago cannot land on another entry. `people.diary_numbered` is the
author's counter; existing entries are numbered in the order they were written.

On SQLite the column becomes NOT NULL and unique per author only by recreating
`diary_entries`, which `entry_readers`, `checkins` and `community_posts` reference: as in
0014, foreign key enforcement is off while it is recreated (with AUTOINCREMENT kept, ids
are never reused), and every foreign key is checked before committing.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02
"""

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op
from alembic.operations import BatchOperations

revision = "0016"
down_revision = "0015"
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
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        with op.batch_alter_table("diary_entries") as batch:
            _number_required(batch)
        return
    _recreating_on_sqlite(bind, _number_required)


def _number_required(batch: BatchOperations) -> None:
    batch.alter_column("number", existing_type=sa.Integer(), nullable=False)
    batch.create_unique_constraint("uq_diary_entries_author_id_number", ["author_id", "number"])


def _number_dropped(batch: BatchOperations) -> None:
    batch.drop_constraint("uq_diary_entries_author_id_number", type_="unique")
    batch.drop_column("number")


def _recreating_on_sqlite(bind: sa.Connection, change: Callable[[BatchOperations], None]) -> None:
    """Recreate `diary_entries` with `change` applied, foreign keys off meanwhile (SQLite
    enforces them on DROP TABLE; the pragma cannot change inside a transaction)."""
    bind.exec_driver_sql("COMMIT")
    bind.exec_driver_sql("PRAGMA foreign_keys=OFF")
    bind.exec_driver_sql("BEGIN IMMEDIATE")
    try:
        with op.batch_alter_table(
            "diary_entries", recreate="always", table_kwargs={"sqlite_autoincrement": True}
        ) as batch:
            change(batch)
        broken = bind.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"foreign keys broken by recreating diary_entries: {broken[:5]}")
        bind.exec_driver_sql("COMMIT")
    except BaseException:
        bind.exec_driver_sql("ROLLBACK")
        bind.exec_driver_sql("PRAGMA foreign_keys=ON")
        bind.exec_driver_sql("BEGIN IMMEDIATE")
        raise
    bind.exec_driver_sql("PRAGMA foreign_keys=ON")
    bind.exec_driver_sql("BEGIN IMMEDIATE")  # what the migration run commits at its end


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        with op.batch_alter_table("diary_entries") as batch:
            _number_dropped(batch)
        with op.batch_alter_table("people") as batch:
            batch.drop_column("diary_numbered")
        return
    _recreating_on_sqlite(bind, _number_dropped)
    # SQLite drops a plain column in place (3.35+): `people` is not recreated, so no
    # foreign key to it fires and its AUTOINCREMENT stays.
    bind.exec_driver_sql("ALTER TABLE people DROP COLUMN diary_numbered")
