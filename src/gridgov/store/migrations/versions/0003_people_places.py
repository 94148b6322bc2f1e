"""people on grids, addresses, buildings

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 14:09:39.816865
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "standard_address",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=300), nullable=False),
        sa.Column("normalized", sa.String(length=300), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("grid_code", sa.String(length=17), nullable=True),
        sa.Column("county_code", sa.String(length=6), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_standard_address")),
    )
    with op.batch_alter_table("standard_address", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_standard_address_county_code"), ["county_code"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_standard_address_grid_code"), ["grid_code"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_standard_address_normalized"), ["normalized"], unique=False
        )

    op.create_table(
        "building",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("address_id", sa.Integer(), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("grid_code", sa.String(length=17), nullable=True),
        sa.Column("county_code", sa.String(length=6), nullable=False),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.Column("risk_colour", sa.String(length=8), nullable=False),
        sa.Column(
            "risk_reasons",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["address_id"],
            ["standard_address.id"],
            name=op.f("fk_building_address_id_standard_address"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_building")),
    )
    with op.batch_alter_table("building", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_building_county_code"), ["county_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_building_grid_code"), ["grid_code"], unique=False)

    op.create_table(
        "household",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("county_code", sa.String(length=6), nullable=False),
        sa.Column("door", sa.String(length=40), nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.Column("risk_colour", sa.String(length=8), nullable=False),
        sa.Column(
            "risk_reasons",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["building_id"],
            ["building.id"],
            name=op.f("fk_household_building_id_building"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_household")),
    )
    with op.batch_alter_table("household", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_household_building_id"), ["building_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_household_county_code"), ["county_code"], unique=False)

    op.create_table(
        "grid_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grid_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("county_code", sa.String(length=6), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["grid_id"], ["grid.id"], name=op.f("fk_grid_link_grid_id_grid"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_grid_link_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grid_link")),
        sa.UniqueConstraint(
            "grid_id", "user_id", "kind", name=op.f("uq_grid_link_grid_id_user_id_kind")
        ),
    )
    with op.batch_alter_table("grid_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_grid_link_county_code"), ["county_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_grid_link_grid_id"), ["grid_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_grid_link_user_id"), ["user_id"], unique=False)

    op.create_table(
        "grid_staff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grid_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("county_code", sa.String(length=6), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["grid_id"], ["grid.id"], name=op.f("fk_grid_staff_grid_id_grid"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_grid_staff_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grid_staff")),
        sa.UniqueConstraint(
            "grid_id", "user_id", "role", name=op.f("uq_grid_staff_grid_id_user_id_role")
        ),
    )
    with op.batch_alter_table("grid_staff", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_grid_staff_county_code"), ["county_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_grid_staff_grid_id"), ["grid_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_grid_staff_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("grid_staff", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grid_staff_user_id"))
        batch_op.drop_index(batch_op.f("ix_grid_staff_grid_id"))
        batch_op.drop_index(batch_op.f("ix_grid_staff_county_code"))

    op.drop_table("grid_staff")
    with op.batch_alter_table("grid_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grid_link_user_id"))
        batch_op.drop_index(batch_op.f("ix_grid_link_grid_id"))
        batch_op.drop_index(batch_op.f("ix_grid_link_county_code"))

    op.drop_table("grid_link")
    with op.batch_alter_table("household", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_household_county_code"))
        batch_op.drop_index(batch_op.f("ix_household_building_id"))

    op.drop_table("household")
    with op.batch_alter_table("building", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_building_grid_code"))
        batch_op.drop_index(batch_op.f("ix_building_county_code"))

    op.drop_table("building")
    with op.batch_alter_table("standard_address", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_standard_address_normalized"))
        batch_op.drop_index(batch_op.f("ix_standard_address_grid_code"))
        batch_op.drop_index(batch_op.f("ix_standard_address_county_code"))

    op.drop_table("standard_address")
