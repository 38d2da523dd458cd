"""Relationships over time: memberships, learning groups and group memberships get an
end (group memberships a start too), and each entry shared with a circle keeps the
audience it was written for (entry_readers). Existing rows: a group membership started
when its group was made; of a person's groups in a cohort only the newest stands (the
older ones end when the newer was made, as confirming groups now does); memberships of a
closed cohort end; an existing shared entry keeps the audience its circle had when it
was written.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""

from datetime import datetime

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("memberships") as batch:
        batch.add_column(sa.Column("ended_at", UtcDateTime(), nullable=True))
    with op.batch_alter_table("learning_groups") as batch:
        batch.add_column(sa.Column("ended_at", UtcDateTime(), nullable=True))
    with op.batch_alter_table("group_members") as batch:
        batch.add_column(sa.Column("started_at", UtcDateTime(), nullable=True))
        batch.add_column(sa.Column("ended_at", UtcDateTime(), nullable=True))
    op.create_table(
        "entry_readers",
        sa.Column("entry_id", Id, nullable=False),
        sa.Column("person_id", Id, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("circle_id", Id, nullable=False),
        sa.PrimaryKeyConstraint("entry_id", "person_id", name="pk_entry_readers"),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["diary_entries.id"], name="fk_entry_readers_entry_id_diary_entries"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name="fk_entry_readers_person_id_people"
        ),
    )
    op.create_index("ix_entry_readers_person_id", "entry_readers", ["person_id"])
    _backfill()


def _backfill() -> None:
    c = op.get_bind()
    meta = sa.MetaData()
    cohorts = sa.Table("cohorts", meta, autoload_with=c)
    memberships = sa.Table("memberships", meta, autoload_with=c)
    groups = sa.Table("learning_groups", meta, autoload_with=c)
    group_members = sa.Table("group_members", meta, autoload_with=c)
    partnerships = sa.Table("partnerships", meta, autoload_with=c)
    partnership_members = sa.Table("partnership_members", meta, autoload_with=c)
    entries = sa.Table("diary_entries", meta, autoload_with=c)
    readers = sa.Table("entry_readers", meta, autoload_with=c)

    group_rows = {g.id: g for g in c.execute(sa.select(groups).order_by(groups.c.id))}
    for m in c.execute(sa.select(group_members)).all():
        c.execute(
            sa.update(group_members)
            .where(group_members.c.group_id == m.group_id, group_members.c.person_id == m.person_id)
            .values(started_at=group_rows[m.group_id].created_at)
        )
    # Groups confirmed together share their time; a later confirmation re-formed them.
    batches: dict[int, set] = {}
    for g in group_rows.values():
        batches.setdefault(g.cohort_id, set()).add(g.created_at)
    for g in group_rows.values():
        later = sorted(t for t in batches[g.cohort_id] if t > g.created_at)
        if later:
            c.execute(sa.update(groups).where(groups.c.id == g.id).values(ended_at=later[0]))
    for cohort in c.execute(sa.select(cohorts).where(cohorts.c.status == "closed")).all():
        # closed before this migration: we do not know when, so at its start at the latest
        end = cohort.created_at
        c.execute(
            sa.update(memberships)
            .where(memberships.c.cohort_id == cohort.id, memberships.c.ended_at.is_(None))
            .values(ended_at=end)
        )
        c.execute(
            sa.update(partnerships)
            .where(partnerships.c.cohort_id == cohort.id, partnerships.c.ended_at.is_(None))
            .values(ended_at=end)
        )
        c.execute(
            sa.update(groups)
            .where(groups.c.cohort_id == cohort.id, groups.c.ended_at.is_(None))
            .values(ended_at=end)
        )

    def during(start: datetime | None, end: datetime | None, at: datetime) -> bool:
        return start is not None and start <= at and (end is None or at < end)

    shared = c.execute(
        sa.select(entries).where(entries.c.visibility.in_(["partner", "group", "tutor"]))
    ).all()
    p_rows = c.execute(sa.select(partnerships)).all()
    p_members: dict[int, set[int]] = {}
    for pm in c.execute(sa.select(partnership_members)):
        p_members.setdefault(pm.partnership_id, set()).add(pm.person_id)
    g_members = c.execute(sa.select(group_members)).all()
    group_ends = {g.id: g.ended_at for g in c.execute(sa.select(groups))}
    tutor_rows = c.execute(sa.select(memberships).where(memberships.c.role == "tutor")).all()
    for entry in shared:
        audience: dict[int, tuple[str, int]] = {}
        author, at = entry.author_id, entry.created_at
        if entry.visibility == "partner":
            for p in p_rows:
                if author in p_members.get(p.id, ()) and during(p.created_at, p.ended_at, at):
                    for other in p_members[p.id] - {author}:
                        audience[other] = ("partner", p.id)
        elif entry.visibility == "group":
            mine = {
                m.group_id
                for m in g_members
                if m.person_id == author and during(m.started_at, group_ends.get(m.group_id), at)
            }
            for m in g_members:
                if (
                    m.group_id in mine
                    and m.person_id != author
                    and during(m.started_at, group_ends.get(m.group_id), at)
                ):
                    audience[m.person_id] = ("group", m.group_id)
        else:
            for t in tutor_rows:
                if t.accompanies == author and during(t.joined_at, t.ended_at, at):
                    audience[t.person_id] = ("tutor", t.id)
        for person_id, (kind, circle_id) in audience.items():
            c.execute(
                sa.insert(readers).values(
                    entry_id=entry.id, person_id=person_id, kind=kind, circle_id=circle_id
                )
            )


def downgrade() -> None:
    op.drop_index("ix_entry_readers_person_id", table_name="entry_readers")
    op.drop_table("entry_readers")
    with op.batch_alter_table("group_members") as batch:
        batch.drop_column("ended_at")
        batch.drop_column("started_at")
    with op.batch_alter_table("learning_groups") as batch:
        batch.drop_column("ended_at")
    with op.batch_alter_table("memberships") as batch:
        batch.drop_column("ended_at")
