"""Garbage items keep their English name (ゴミの品目_英字 of the standard 11-column set), for answers in English.

Revision ID: 0009_garbage_english
Revises: 0008_line_pending
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_garbage_english"
down_revision = "0008_line_pending"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("garbage_items") as batch:
        batch.add_column(sa.Column("english", sa.String(200), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("garbage_items") as batch:
        batch.drop_column("english")
