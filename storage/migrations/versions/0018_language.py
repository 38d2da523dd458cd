"""Each person's chosen language: `people.language` ("de", "en"), set by
`/learn language de|en`; NULL until chosen (then the platform's locale, or
TANDEM_LOCALE, decides). A plain nullable column: on SQLite it is added and dropped in
place, so `people` is not recreated and no foreign key to it fires.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("people", sa.Column("language", sa.String(8), nullable=True))


def downgrade() -> None:
    op.drop_column("people", "language")
