"""Numbers of a person's (or a partnership's) own: the next one for a new row.

A goal, a milestone, a proposal is numbered per learner, a co-coaching prompt per
partnership (1 = the first), max + 1 at insert. The owner's row is locked first
(`FOR UPDATE` on PostgreSQL; SQLite has one writer at a time and drops the clause), so
two rows written at once for one owner wait for each other instead of both taking the
same number; a unique index per owner backs it."""

from __future__ import annotations

from sqlalchemy import Column, Connection, Table, func, select


def next_number(connection: Connection, table: Table, owner: str, value: int, lock: Table) -> int:
    """The next number in `table` for the owner `table.c[owner] == value`, whose row in
    `lock` (by id) is held until the transaction ends."""
    connection.execute(select(lock.c.id).where(lock.c.id == value).with_for_update())
    column: Column[int] = table.c[owner]
    highest = connection.execute(
        select(func.coalesce(func.max(table.c.number), 0)).where(column == value)
    ).scalar_one()
    return int(highest) + 1
