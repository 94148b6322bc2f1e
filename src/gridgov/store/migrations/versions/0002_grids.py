"""grids, region boundaries, reported coordinates

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 13:52:53.156846
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "grid",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=17), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=24), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("county_code", sa.String(length=6), nullable=False),
        sa.Column("parent_code", sa.String(length=17), nullable=True),
        sa.Column("geometry", sa.LargeBinary(), nullable=False),
        sa.Column("min_lon", sa.Float(), nullable=False),
        sa.Column("min_lat", sa.Float(), nullable=False),
        sa.Column("max_lon", sa.Float(), nullable=False),
        sa.Column("max_lat", sa.Float(), nullable=False),
        sa.Column("centroid_lon", sa.Float(), nullable=False),
        sa.Column("centroid_lat", sa.Float(), nullable=False),
        sa.Column("area_m2", sa.Float(), nullable=False),
        sa.Column("source_crs", sa.String(length=8), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_code"], ["region.code"], name=op.f("fk_grid_region_code_region")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grid")),
        sa.UniqueConstraint("code", name=op.f("uq_grid_code")),
    )
    with op.batch_alter_table("grid", schema=None) as batch_op:
        batch_op.create_index("ix_grid_bbox", ["min_lon", "min_lat"], unique=False)
        batch_op.create_index("ix_grid_county_kind", ["county_code", "kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_grid_parent_code"), ["parent_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_grid_region_code"), ["region_code"], unique=False)

    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("source_crs", sa.String(length=8), server_default="wgs84", nullable=False)
        )
        batch_op.add_column(sa.Column("source_lon", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("source_lat", sa.Float(), nullable=True))

    with op.batch_alter_table("region", schema=None) as batch_op:
        batch_op.add_column(sa.Column("boundary", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("region", schema=None) as batch_op:
        batch_op.drop_column("boundary")

    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_column("source_lat")
        batch_op.drop_column("source_lon")
        batch_op.drop_column("source_crs")

    with op.batch_alter_table("grid", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grid_region_code"))
        batch_op.drop_index(batch_op.f("ix_grid_parent_code"))
        batch_op.drop_index("ix_grid_county_kind")
        batch_op.drop_index("ix_grid_bbox")

    op.drop_table("grid")
