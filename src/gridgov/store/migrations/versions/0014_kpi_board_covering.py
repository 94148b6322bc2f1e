"""kpi board: covering indexes (each reading statement answers from one index range, without
a lookup of the row per entry); the supervised cases' list index becomes a partial index in
creation order

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-23 02:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = {
    "ix_kpi_board_scope_day": ["scope", "grain", "kind", "day"],
    "ix_kpi_board_scope_until": ["scope", "grain", "kind", "until", "since"],
    "ix_kpi_board_top": ["scope", "grain", "day", "count"],
}
AFTER = {
    "ix_kpi_board_scope_day": [
        *BEFORE["ix_kpi_board_scope_day"],
        *("member", "outcome", "minutes", "since", "until", "count"),
    ],
    "ix_kpi_board_scope_until": [
        *BEFORE["ix_kpi_board_scope_until"],
        *("member", "outcome", "minutes", "count"),
    ],
    "ix_kpi_board_top": [*BEFORE["ix_kpi_board_top"], "member"],
}


def _replace(indexes: dict[str, list[str]]) -> None:
    with op.batch_alter_table("kpi_board", schema=None) as batch_op:
        for name, columns in indexes.items():
            batch_op.drop_index(name)
            batch_op.create_index(name, columns, unique=False)


def upgrade() -> None:
    _replace(AFTER)
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_index("ix_case_supervised_created")
        batch_op.create_index(
            "ix_case_supervised_created",
            ["created_at"],
            unique=False,
            postgresql_where=sa.text("supervised_level > 0"),
            sqlite_where=sa.text("supervised_level > 0"),
        )


def downgrade() -> None:
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_index("ix_case_supervised_created")
        batch_op.create_index(
            "ix_case_supervised_created", ["supervised_level", "created_at"], unique=False
        )
    _replace(BEFORE)
