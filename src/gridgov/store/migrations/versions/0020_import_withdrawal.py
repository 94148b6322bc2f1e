"""import withdrawal: each case names the import batch that wrote it (filled in from its
import event for the batches already on file), a batch keeps its withdrawal, and the columns
that name a case or an event are indexed (deleting one checks them)

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-25 03:00:00.000000
"""

import sqlite3
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

# an imported case's first event says which batch wrote it (since 0019)
FILL = {
    "sqlite": """
        UPDATE "case" SET import_batch_id = (
            SELECT CAST(json_extract(e.payload, '$.batch') AS INTEGER) FROM case_event e
            WHERE e.case_id = "case".id AND e.seq = 1 AND e.action = 'import')
        WHERE id IN (
            SELECT case_id FROM case_event
            WHERE seq = 1 AND action = 'import' AND json_extract(payload, '$.batch') IS NOT NULL)
    """,
    "postgresql": """
        UPDATE "case" c SET import_batch_id = (e.payload ->> 'batch')::integer
        FROM case_event e
        WHERE e.case_id = c.id AND e.seq = 1 AND e.action = 'import' AND e.payload ? 'batch'
    """,
}


# the columns that name a case, indexed where they do: deleting a case checks its foreign
# keys by them (without an index, a scan of the table for each case deleted)
REFERRING = (
    ("case", "duplicate_of_id"),
    ("case", "probable_duplicate_id"),
    ("case", "parent_id"),
    ("dead_letter", "case_id"),
)


def upgrade() -> None:
    op.add_column("case", sa.Column("import_batch_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("import_batch", schema=None) as batch_op:
        batch_op.add_column(sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("withdrawn_by", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("withdrawal", JSON, nullable=True))
    for table, column in REFERRING:
        where = sa.text(f"{column} IS NOT NULL")
        op.create_index(
            f"ix_{table}_{column}",
            table,
            [column],
            unique=False,
            postgresql_where=where,
            sqlite_where=where,
        )
    op.create_index("ix_webhook_delivery_event_id", "webhook_delivery", ["event_id"], unique=False)
    fill = FILL.get(op.get_bind().dialect.name)
    if fill is not None:
        op.execute(fill)


def downgrade() -> None:
    op.drop_index("ix_webhook_delivery_event_id", table_name="webhook_delivery")
    for table, column in REFERRING:
        op.drop_index(f"ix_{table}_{column}", table_name=table)
    # dropped in place where SQLite can (3.35+): copying import_batch, which dead letters
    # refer to, would break their foreign keys
    native = sqlite3.sqlite_version_info >= (3, 35) or op.get_bind().dialect.name != "sqlite"
    recreate = "never" if native else "auto"
    with op.batch_alter_table("import_batch", schema=None, recreate=recreate) as batch_op:
        batch_op.drop_column("withdrawal")
        batch_op.drop_column("withdrawn_by")
        batch_op.drop_column("withdrawn_at")
    with op.batch_alter_table("case", schema=None, recreate=recreate) as batch_op:
        batch_op.drop_column("import_batch_id")
