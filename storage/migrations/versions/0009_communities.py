"""Communities of practice: the communities, their members, the experiences shared.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "communities",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("space", sa.String(200), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_communities"),
        sa.UniqueConstraint("name", name="uq_communities_name"),
    )
    op.create_table(
        "community_members",
        sa.Column("community_id", Id, nullable=False),
        sa.Column("person_id", Id, nullable=False),
        sa.Column("joined_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("community_id", "person_id", name="pk_community_members"),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name="fk_community_members_community_id_communities",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name="fk_community_members_person_id_people"
        ),
    )
    op.create_index("ix_community_members_person", "community_members", ["person_id"])
    op.create_table(
        "community_posts",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("community_id", Id, nullable=False),
        sa.Column("entry_id", Id, nullable=False),
        sa.Column("author_id", Id, nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_community_posts"),
        sa.UniqueConstraint("entry_id", name="uq_community_posts_entry_id"),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name="fk_community_posts_community_id_communities",
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["diary_entries.id"], name="fk_community_posts_entry_id_diary_entries"
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["people.id"], name="fk_community_posts_author_id_people"
        ),
    )
    op.create_index("ix_community_posts_author_id", "community_posts", ["author_id"])
    op.create_index(
        "ix_community_posts_community_created", "community_posts", ["community_id", "created_at"]
    )


def downgrade() -> None:
    op.drop_table("community_posts")
    op.drop_table("community_members")
    op.drop_table("communities")
