"""Bulky-waste bookings, their items, pickup capacity, payments (with the sandbox provider's ledger) and the outbox.

Revision ID: 0003_booking
Revises: 0002_garbage
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_booking"
down_revision = "0002_garbage"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "bulky_bookings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("number", sa.String(12), nullable=False, unique=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("area", sa.String(100), nullable=False),
        sa.Column("address", sa.Text, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("pickup_date", sa.Date, nullable=False),
        sa.Column("total_fee", sa.Integer, nullable=False),
        sa.Column("payment_method", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("sender_id", sa.String(128), nullable=False),
        sa.Column("request_key", sa.String(64), nullable=True, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminder_claim", sa.String(64), nullable=True),
        sa.Column("reminder_claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminder_sent_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_bulky_bookings_date_area", "bulky_bookings", ["pickup_date", "area"])
    op.create_index("ix_bulky_bookings_sender", "bulky_bookings", ["channel", "sender_id"])
    op.create_table(
        "bulky_booking_items",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("booking_id", sa.Integer, sa.ForeignKey("bulky_bookings.id", ondelete="CASCADE"), nullable=False),
        sa.Column("item_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("quantity", sa.Integer, nullable=False),
        sa.Column("unit_fee", sa.Integer, nullable=False),
    )
    op.create_index("ix_bulky_booking_items_booking_id", "bulky_booking_items", ["booking_id"])
    op.create_table(
        "bulky_pickup_capacity",
        sa.Column("area", sa.String(100), primary_key=True),
        sa.Column("date", sa.Date, primary_key=True),
        sa.Column("capacity", sa.Integer, nullable=False),
        sa.Column("booked", sa.Integer, nullable=False),
        sa.CheckConstraint("booked >= 0 AND booked <= capacity", name="ck_bulky_capacity_booked"),
    )
    op.create_table(
        "payments",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("booking_id", sa.Integer, sa.ForeignKey("bulky_bookings.id", ondelete="CASCADE"), nullable=False),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("provider_ref", sa.String(128), nullable=True),
        sa.Column("amount", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("checkout_url", sa.Text, nullable=False),
        sa.Column("refund_ref", sa.String(128), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refunded_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("provider", "provider_ref", name="uq_payments_provider_ref"),
    )
    op.create_index("ix_payments_booking_id", "payments", ["booking_id"])
    op.create_table(
        "payment_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("event_id", sa.String(128), nullable=False),
        sa.Column("payment_id", sa.String(40), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("provider", "event_id", name="uq_payment_events"),
    )
    op.create_table(
        "payment_sandbox_charges",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("merchant_ref", sa.String(40), nullable=False, unique=True),
        sa.Column("amount", sa.Integer, nullable=False),
        sa.Column("description", sa.String(200), nullable=False),
        sa.Column("callback_url", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refunded_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("sender_id", sa.String(128), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("custom", sa.JSON, nullable=True),
        sa.Column("retry_key", sa.String(128), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_outbox_sender_pending", "outbox", ["sender_id", "delivered_at"])


def downgrade():
    op.drop_table("outbox")
    op.drop_table("payment_sandbox_charges")
    op.drop_table("payment_events")
    op.drop_table("payments")
    op.drop_table("bulky_pickup_capacity")
    op.drop_table("bulky_booking_items")
    op.drop_table("bulky_bookings")
