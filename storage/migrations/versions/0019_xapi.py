"""xAPI with consent: each person's choice (`people.lrs`, `people.lrs_results`, off
until they say yes), a cohort's proposal (`cohorts.lrs_proposed_at`), and the LRS lane
of the outbox (`lrs_statements`). Plain columns with server defaults: on SQLite they
are added in place, so `people` is not recreated and no foreign key to it fires.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column(
        "people", sa.Column("lrs", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column(
        "people",
        sa.Column("lrs_results", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("cohorts", sa.Column("lrs_proposed_at", UtcDateTime(), nullable=True))
    op.create_table(
        "lrs_statements",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("statement_id", sa.String(36), nullable=False),
        sa.Column("person_id", Id, nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("voids", sa.String(36), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("due_at", UtcDateTime(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("claimed_by", sa.String(128), nullable=True),
        sa.Column("claimed_until", UtcDateTime(), nullable=True),
        sa.Column("sent_at", UtcDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name="fk_lrs_statements_person_id_people"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_lrs_statements"),
        sa.UniqueConstraint("statement_id", name="uq_lrs_statements_statement_id"),
        sqlite_autoincrement=True,  # ids are never given again (0014)
    )
    op.create_index("ix_lrs_statements_person_id", "lrs_statements", ["person_id"])
    op.create_index("ix_lrs_statements_status_due", "lrs_statements", ["status", "due_at"])


def downgrade() -> None:
    op.drop_index("ix_lrs_statements_status_due", "lrs_statements")
    op.drop_index("ix_lrs_statements_person_id", "lrs_statements")
    op.drop_table("lrs_statements")
    op.drop_column("cohorts", "lrs_proposed_at")
    op.drop_column("people", "lrs_results")
    op.drop_column("people", "lrs")
