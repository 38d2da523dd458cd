"""Ids are never reused (SQLite AUTOINCREMENT on every table with an integer surrogate id);
a cohort's report roster, fixed at kickoff, and the anonymous figures of erased members.

On SQLite, AUTOINCREMENT can only be had by recreating a table, and `people` and others are
referenced by foreign keys, which SQLite enforces on DROP TABLE (even deferred ones fail at
commit). So this migration ends the running transaction, switches enforcement off (it
cannot change inside a transaction), recreates the tables in one transaction of its own,
checks every foreign key (`PRAGMA foreign_key_check`) before committing, and switches
enforcement back on. Running it twice is harmless: a table that has AUTOINCREMENT already is
left alone. PostgreSQL's identity sequences never reuse an id: nothing to do there.

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


def _needing_autoincrement(bind: sa.Connection) -> list[str]:
    inspector = sa.inspect(bind)
    found = []
    for name in inspector.get_table_names():
        if name.startswith(("_alembic", "sqlite_")) or name == "alembic_version":
            continue
        if inspector.get_pk_constraint(name).get("constrained_columns") != ["id"]:
            continue
        sql = bind.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
        ).scalar_one()
        if "AUTOINCREMENT" not in sql.upper():
            found.append(name)
    return found


def upgrade() -> None:
    op.add_column("cohorts", sa.Column("roster", sa.JSON(), nullable=True))
    op.add_column("cohorts", sa.Column("former_figures", sa.JSON(), nullable=True))
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    names = _needing_autoincrement(bind)
    if not names:
        return
    bind.exec_driver_sql("COMMIT")
    bind.exec_driver_sql("PRAGMA foreign_keys=OFF")
    bind.exec_driver_sql("BEGIN IMMEDIATE")
    try:
        for name in names:
            with op.batch_alter_table(
                name, recreate="always", table_kwargs={"sqlite_autoincrement": True}
            ):
                pass
        broken = bind.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"foreign keys broken by recreating tables: {broken[:5]}")
        bind.exec_driver_sql("COMMIT")
    except BaseException:
        bind.exec_driver_sql("ROLLBACK")
        bind.exec_driver_sql("PRAGMA foreign_keys=ON")
        bind.exec_driver_sql("BEGIN IMMEDIATE")
        raise
    bind.exec_driver_sql("PRAGMA foreign_keys=ON")
    bind.exec_driver_sql("BEGIN IMMEDIATE")  # what the migration run commits at its end


def downgrade() -> None:
    # AUTOINCREMENT stays: reusing ids again would be no improvement worth a rebuild.
    with op.batch_alter_table("cohorts") as batch:
        batch.drop_column("former_figures")
        batch.drop_column("roster")
