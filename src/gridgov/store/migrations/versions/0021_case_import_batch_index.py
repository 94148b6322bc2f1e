"""an import's cases indexed by their batch (imported cases only): withdrawing an import and
the queue's batch filter read them without reading every case

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-25 04:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    where = sa.text("import_batch_id IS NOT NULL")
    op.create_index(
        "ix_case_import_batch_id",
        "case",
        ["import_batch_id"],
        unique=False,
        postgresql_where=where,
        sqlite_where=where,
    )


def downgrade() -> None:
    op.drop_index("ix_case_import_batch_id", table_name="case")
