"""Conversations keyed by channel and sender; the outbox knows each message's channel.

One channel cannot address another channel's conversation any more (a LINE user id posted to the REST webhook
opens a REST conversation of its own). Existing conversations keep the channel they were last used on; queued
outbox messages came from bookings made through the REST webhook (the web widget used it until now).

Revision ID: 0005_channel_keys
Revises: 0004_line
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_channel_keys"
down_revision = "0004_line"
branch_labels = None
depends_on = None


def conversations(*key: str) -> sa.Table:
    """The conversations table with `key` as its primary key."""
    return sa.Table(
        "conversations",
        sa.MetaData(),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("sender_id", sa.String(128), nullable=False),
        sa.Column("session_id", sa.Integer, nullable=False),
        sa.Column("state", sa.JSON, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_active", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(*key, name="conversations_pkey"),
    )


def upgrade():
    # A new primary key: SQLite can only copy the table for it; PostgreSQL takes the same path.
    with op.batch_alter_table("conversations", recreate="always", copy_from=conversations("channel", "sender_id")):
        pass
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("channel", sa.String(32), nullable=False, server_default="rest"))
        batch.drop_index("ix_outbox_sender_pending")
        batch.create_index("ix_outbox_channel_sender_pending", ["channel", "sender_id", "delivered_at"])


def downgrade():
    # Back to one conversation per sender: where a sender has several, the most recently active one stays.
    table = conversations("channel", "sender_id")
    newer = table.alias("newer")
    op.execute(
        table.delete().where(
            sa.exists().where(
                newer.c.sender_id == table.c.sender_id,
                sa.tuple_(newer.c.last_active, newer.c.channel) > sa.tuple_(table.c.last_active, table.c.channel),
            )
        )
    )
    with op.batch_alter_table("conversations", recreate="always", copy_from=conversations("sender_id")):
        pass
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_channel_sender_pending")
        batch.create_index("ix_outbox_sender_pending", ["sender_id", "delivered_at"])
        batch.drop_column("channel")
