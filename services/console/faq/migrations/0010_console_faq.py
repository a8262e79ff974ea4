"""Every version of every FAQ entry and intent's examples that the console saved (services/console/faq/models.py).

Revision ID: 0010_console_faq
Revises: 0009_console_users
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_console_faq"
down_revision = "0009_console_users"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "console_faq_versions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("content", sa.JSON, nullable=False),
        sa.Column("retired", sa.Boolean, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("kind", "key", "number", name="uq_console_faq_versions_number"),
    )
    op.create_index("ix_console_faq_versions_pending", "console_faq_versions", ["published_at"])


def downgrade():
    op.drop_table("console_faq_versions")
