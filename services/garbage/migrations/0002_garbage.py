"""Garbage sorting items, synonyms, collection areas and centers, sources and misses.

Revision ID: 0002_garbage
Revises: 0001_core
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_garbage"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "garbage_sources",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("location", sa.Text, nullable=False),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("checksum", sa.String(64), nullable=False),
        sa.Column("counts", sa.JSON, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "garbage_items",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("reading", sa.String(400), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("notes", sa.Text, nullable=False),
        sa.Column("remarks", sa.Text, nullable=False),
        sa.Column("bulky_fee", sa.String(100), nullable=False),
        sa.Column("synonyms", sa.JSON, nullable=False),
        sa.Column("area", sa.String(100), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.UniqueConstraint("source", "key", name="uq_garbage_items_source_key"),
    )
    op.create_index("ix_garbage_items_name", "garbage_items", ["name"])
    op.create_table(
        "garbage_synonyms",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("item_name", sa.String(200), nullable=False),
        sa.Column("synonym", sa.String(200), nullable=False),
        sa.UniqueConstraint("source", "item_name", "synonym", name="uq_garbage_synonyms"),
    )
    op.create_table(
        "garbage_areas",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("reading", sa.String(200), nullable=False),
        sa.Column("center", sa.String(100), nullable=False),
        sa.Column("rules", sa.JSON, nullable=False),
        sa.Column("remarks", sa.JSON, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.UniqueConstraint("source", "name", name="uq_garbage_areas_source_name"),
    )
    op.create_table(
        "garbage_centers",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("break_start", sa.Date, nullable=False),
        sa.Column("break_end", sa.Date, nullable=False),
        sa.UniqueConstraint("source", "name", "break_start", name="uq_garbage_centers"),
    )
    op.create_table(
        "garbage_misses",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("query", sa.String(200), nullable=False),
        sa.Column("suggestions", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_garbage_misses_created", "garbage_misses", ["created_at"])


def downgrade():
    op.drop_table("garbage_misses")
    op.drop_table("garbage_centers")
    op.drop_table("garbage_areas")
    op.drop_table("garbage_synonyms")
    op.drop_table("garbage_items")
    op.drop_table("garbage_sources")
