"""Wrong phone numbers given for a booking number, which lock it for a while after too many.

Revision ID: 0007_booking_lockouts
Revises: 0006_payment_retries
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_booking_lockouts"
down_revision = "0006_payment_retries"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "bulky_lookup_failures",
        sa.Column("number", sa.String(12), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade():
    op.drop_table("bulky_lookup_failures")
