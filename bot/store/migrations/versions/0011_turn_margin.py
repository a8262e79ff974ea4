"""Each turn's margin between its top two intents, and an index on when turns arrived.

The margin lets analysts find answers the classifier barely chose (the console's low-margin list) with a plain
WHERE; turns stored before this revision get theirs from the ranking they kept. The index serves every date-range
read of the turns (the console's dashboard and queue, `bot report --days`).

Revision ID: 0011_turn_margin
Revises: 0008_line_pending
"""

import sqlalchemy as sa
from alembic import op

from bot.store.tracker_store import ranking_margin

revision = "0011_turn_margin"
down_revision = "0008_line_pending"
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade():
    op.add_column("turns", sa.Column("margin", sa.Float, nullable=True))
    op.create_index("ix_turns_received", "turns", ["received_at"])
    turns = sa.table("turns", sa.column("id", sa.Integer), sa.column("ranking", sa.JSON), sa.column("margin", sa.Float))
    conn = op.get_bind()
    last = 0
    while True:
        rows = conn.execute(
            sa.select(turns.c.id, turns.c.ranking)
            .where(turns.c.id > last, turns.c.ranking.is_not(None))
            .order_by(turns.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        values = [{"key": i, "value": ranking_margin(r)} for i, r in rows]
        conn.execute(
            turns.update().where(turns.c.id == sa.bindparam("key")).values(margin=sa.bindparam("value")), values
        )
        last = rows[-1][0]


def downgrade():
    op.drop_index("ix_turns_received", table_name="turns")
    with op.batch_alter_table("turns") as batch:
        batch.drop_column("margin")
