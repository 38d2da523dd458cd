"""The weekly digests' timers for what existed before them: one `nudges` timer for each
person who accompanies a learner now (a standing tutor membership), one `cop-digest`
timer for each community of practice. New ones are set by the core when a tutor is given
a learner or a community is opened; these are due at the next Monday 09:00 UTC, and the
first digest sets the next one in the tutor's own time zone (bot/handlers/nudges.py). No
schema change.

Revision ID: 0021
Revises: 0018
Create Date: 2026-12-02
"""

from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

KINDS = ("nudges", "cop-digest")

timers = sa.table(
    "timers",
    sa.column("kind", sa.String),
    sa.column("subject", sa.String),
    sa.column("due_at", UtcDateTime()),
)
memberships = sa.table(
    "memberships",
    sa.column("person_id", sa.Integer),
    sa.column("role", sa.String),
    sa.column("accompanies", sa.Integer),
    sa.column("status", sa.String),
    sa.column("ended_at", UtcDateTime()),
)
communities = sa.table("communities", sa.column("id", sa.Integer))


def _next_monday(now: datetime) -> datetime:
    days = (7 - now.weekday()) % 7 or 7
    return datetime.combine(now.date() + timedelta(days=days), time(9), tzinfo=UTC)


def upgrade() -> None:
    connection = op.get_bind()
    due = _next_monday(datetime.now(UTC))
    tutors = connection.execute(
        sa.select(memberships.c.person_id)
        .where(
            memberships.c.role == "tutor",
            memberships.c.status == "active",
            memberships.c.ended_at.is_(None),
            memberships.c.accompanies.is_not(None),
        )
        .distinct()
    ).scalars()
    rows = [{"kind": "nudges", "subject": str(p), "due_at": due} for p in tutors]
    rows += [
        {"kind": "cop-digest", "subject": str(c), "due_at": due}
        for c in connection.execute(sa.select(communities.c.id)).scalars()
    ]
    taken = {
        (r.kind, r.subject) for r in connection.execute(sa.select(timers.c.kind, timers.c.subject))
    }
    rows = [r for r in rows if (r["kind"], r["subject"]) not in taken]
    if rows:
        connection.execute(sa.insert(timers), rows)


def downgrade() -> None:
    op.execute(sa.delete(timers).where(timers.c.kind.in_(KINDS)))
