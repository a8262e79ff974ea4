"""Payments retried until they land: the sandbox's queue of outgoing callbacks, and payments looked up by status
(refunds waiting for the provider are retried).

Revision ID: 0006_payment_retries
Revises: 0005_channel_keys
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_payment_retries"
down_revision = "0005_channel_keys"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "payment_sandbox_callbacks",
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("charge_id", sa.String(40), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_try_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(200), nullable=False),
    )
    op.create_index("ix_payment_sandbox_callbacks_next_try_at", "payment_sandbox_callbacks", ["next_try_at"])
    op.create_index("ix_payments_status", "payments", ["status"])


def downgrade():
    op.drop_index("ix_payments_status", "payments")
    op.drop_table("payment_sandbox_callbacks")
