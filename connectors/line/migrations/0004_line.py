"""LINE webhook events already taken in (deduplicates redeliveries).

Revision ID: 0004_line
Revises: 0003_booking
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_line"
down_revision = "0003_booking"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "line_webhook_events",
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_line_webhook_events_received_at", "line_webhook_events", ["received_at"])


def downgrade():
    op.drop_table("line_webhook_events")
