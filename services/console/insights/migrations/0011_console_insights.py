"""The console's unanswered queue: what analysts resolved, and how.

Revision ID: 0011_console_insights
Revises: 0008_line_pending
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_console_insights"
down_revision = "0008_line_pending"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "insights_resolutions",
        sa.Column("source", sa.String(16), primary_key=True),
        sa.Column("source_id", sa.Integer, primary_key=True),
        sa.Column("resolution", sa.String(32), nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_insights_resolutions_resolved_at", "insights_resolutions", ["resolved_at"])


def downgrade():
    op.drop_table("insights_resolutions")
