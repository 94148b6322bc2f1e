"""kpi board: the cockpit's narrow rollups; each case's counted facts kept in its state; the
big screen's list indexes on the case table (newest first, by colour, by supervision)

The rollups are derived data: this revision clears them (and the cursor), and the keeper
counts everything again from the event log on its next rounds (or ``gridgov analytics
rebuild`` at once).

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-22 23:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "kpi_board",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("scope", sa.String(length=12), nullable=False),
        sa.Column("grain", sa.String(length=8), nullable=False),
        sa.Column("member", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("since", sa.Date(), nullable=True),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kpi_board")),
        sa.UniqueConstraint("key", name=op.f("uq_kpi_board_key")),
    )
    with op.batch_alter_table("kpi_board", schema=None) as batch_op:
        batch_op.create_index(
            "ix_kpi_board_scope_day", ["scope", "grain", "kind", "day"], unique=False
        )
        batch_op.create_index(
            "ix_kpi_board_scope_until", ["scope", "grain", "kind", "until", "since"], unique=False
        )
        batch_op.create_index("ix_kpi_board_top", ["scope", "grain", "day", "count"], unique=False)
    with op.batch_alter_table("kpi_case_state", schema=None) as batch_op:
        batch_op.add_column(sa.Column("facts", sa.Text(), nullable=True))
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_index("ix_case_sla_colour")
        batch_op.create_index("ix_case_created_at", ["created_at"], unique=False)
        batch_op.create_index("ix_case_colour_created", ["sla_colour", "created_at"], unique=False)
        batch_op.create_index(
            "ix_case_supervised_created", ["supervised_level", "created_at"], unique=False
        )
    op.execute("DELETE FROM kpi_rollup")
    op.execute("DELETE FROM kpi_case_state")
    op.execute("DELETE FROM kpi_cursor")


def downgrade() -> None:
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_index("ix_case_supervised_created")
        batch_op.drop_index("ix_case_colour_created")
        batch_op.drop_index("ix_case_created_at")
        batch_op.create_index("ix_case_sla_colour", ["sla_colour"], unique=False)
    with op.batch_alter_table("kpi_case_state", schema=None) as batch_op:
        batch_op.drop_column("facts")
    with op.batch_alter_table("kpi_board", schema=None) as batch_op:
        batch_op.drop_index("ix_kpi_board_top")
        batch_op.drop_index("ix_kpi_board_scope_until")
        batch_op.drop_index("ix_kpi_board_scope_day")
    op.drop_table("kpi_board")
