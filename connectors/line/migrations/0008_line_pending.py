"""LINE pushes not taken yet, retried with their X-Line-Retry-Key (connectors/line/pending.py).

Revision ID: 0008_line_pending
Revises: 0007_booking_lockouts
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_line_pending"
down_revision = "0007_booking_lockouts"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "line_pending_pushes",
        sa.Column("retry_key", sa.String(36), primary_key=True),
        sa.Column("recipient", sa.String(64), nullable=False),
        sa.Column("messages", sa.JSON, nullable=False),
        sa.Column("first_tried_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_try_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_line_pending_pushes_next_try_at", "line_pending_pushes", ["next_try_at"])


def downgrade():
    op.drop_table("line_pending_pushes")
