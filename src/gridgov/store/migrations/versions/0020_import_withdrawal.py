"""import withdrawal: each case names the import batch that wrote it (filled in from its
import event for the batches already on file), and a batch keeps its withdrawal

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


def upgrade() -> None:
    op.add_column("case", sa.Column("import_batch_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("import_batch", schema=None) as batch_op:
        batch_op.add_column(sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("withdrawn_by", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("withdrawal", JSON, nullable=True))
    fill = FILL.get(op.get_bind().dialect.name)
    if fill is not None:
        op.execute(fill)


def downgrade() -> None:
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
