"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22 13:09:56.895190
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "calendar_day",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("is_workday", sa.Boolean(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_day")),
        sa.UniqueConstraint("region_code", "day", name=op.f("uq_calendar_day_region_code_day")),
    )
    op.create_table(
        "region",
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("parent_code", sa.String(length=12), nullable=True),
        sa.Column("county_code", sa.String(length=6), nullable=True),
        sa.ForeignKeyConstraint(
            ["parent_code"], ["region.code"], name=op.f("fk_region_parent_code_region")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_region")),
    )
    with op.batch_alter_table("region", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_region_county_code"), ["county_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_region_parent_code"), ["parent_code"], unique=False)

    op.create_table(
        "sla_policy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("warning_ratio", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_policy")),
        sa.UniqueConstraint("code", name=op.f("uq_sla_policy_code")),
    )
    op.create_table(
        "catalog_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("sla_policy_id", sa.Integer(), nullable=True),
        sa.Column("priority", sa.String(length=16), nullable=False),
        sa.Column("grid_admissible", sa.Boolean(), nullable=False),
        sa.Column("verification_required", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["catalog_item.id"], name=op.f("fk_catalog_item_parent_id_catalog_item")
        ),
        sa.ForeignKeyConstraint(
            ["sla_policy_id"],
            ["sla_policy.id"],
            name=op.f("fk_catalog_item_sla_policy_id_sla_policy"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_item")),
        sa.UniqueConstraint("code", name=op.f("uq_catalog_item_code")),
    )
    with op.batch_alter_table("catalog_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_catalog_item_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "center",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["center.id"], name=op.f("fk_center_parent_id_center")
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["region.code"], name=op.f("fk_center_region_code_region")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_center")),
        sa.UniqueConstraint("code", name=op.f("uq_center_code")),
        sa.UniqueConstraint("region_code", name=op.f("uq_center_region_code")),
    )
    with op.batch_alter_table("center", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_center_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "sla_limit",
        sa.Column("policy_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("amount", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["policy_id"], ["sla_policy.id"], name=op.f("fk_sla_limit_policy_id_sla_policy")
        ),
        sa.PrimaryKeyConstraint("policy_id", "step", name=op.f("pk_sla_limit")),
    )
    op.create_table(
        "case_number_sequence",
        sa.Column("center_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["center_id"], ["center.id"], name=op.f("fk_case_number_sequence_center_id_center")
        ),
        sa.PrimaryKeyConstraint("center_id", "year", name=op.f("pk_case_number_sequence")),
    )
    op.create_table(
        "unit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("center_id", sa.Integer(), nullable=False),
        sa.Column("duties", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["center_id"], ["center.id"], name=op.f("fk_unit_center_id_center")
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["region.code"], name=op.f("fk_unit_region_code_region")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit")),
        sa.UniqueConstraint("code", name=op.f("uq_unit_code")),
    )
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_unit_center_id"), ["center_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_unit_region_code"), ["region_code"], unique=False)

    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=True),
        sa.Column("center_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["center_id"], ["center.id"], name=op.f("fk_app_user_center_id_center")
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["region.code"], name=op.f("fk_app_user_region_code_region")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_app_user_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_user")),
        sa.UniqueConstraint("username", name=op.f("uq_app_user_username")),
    )
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_app_user_center_id"), ["center_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_app_user_region_code"), ["region_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_app_user_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("county_code", sa.String(length=6), nullable=False),
        sa.Column("center_id", sa.Integer(), nullable=False),
        sa.Column("origin_center_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=24), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("grid_code", sa.String(length=20), nullable=True),
        sa.Column("catalog_item_id", sa.Integer(), nullable=True),
        sa.Column("priority", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("lead_unit_id", sa.Integer(), nullable=True),
        sa.Column("verifier_id", sa.Integer(), nullable=True),
        sa.Column("reporter_user_id", sa.Integer(), nullable=True),
        sa.Column("reporter_name", sa.String(length=100), nullable=True),
        sa.Column("reporter_phone", sa.String(length=32), nullable=True),
        sa.Column("sla_colour", sa.String(length=8), nullable=True),
        sa.Column("suspended", sa.Boolean(), nullable=False),
        sa.Column("suspended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "pending_extension",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "pending_suspension",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("supervised_level", sa.Integer(), nullable=False),
        sa.Column("duplicate_of_id", sa.Integer(), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("satisfaction", sa.String(length=24), nullable=True),
        sa.Column("visited", sa.Boolean(), nullable=False),
        sa.Column("return_count", sa.Integer(), nullable=False),
        sa.Column("escalation_count", sa.Integer(), nullable=False),
        sa.Column("extension_count", sa.Integer(), nullable=False),
        sa.Column("rework_count", sa.Integer(), nullable=False),
        sa.Column("reopen_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["catalog_item_id"],
            ["catalog_item.id"],
            name=op.f("fk_case_catalog_item_id_catalog_item"),
        ),
        sa.ForeignKeyConstraint(
            ["center_id"], ["center.id"], name=op.f("fk_case_center_id_center")
        ),
        sa.ForeignKeyConstraint(
            ["duplicate_of_id"], ["case.id"], name=op.f("fk_case_duplicate_of_id_case")
        ),
        sa.ForeignKeyConstraint(
            ["lead_unit_id"], ["unit.id"], name=op.f("fk_case_lead_unit_id_unit")
        ),
        sa.ForeignKeyConstraint(
            ["origin_center_id"], ["center.id"], name=op.f("fk_case_origin_center_id_center")
        ),
        sa.ForeignKeyConstraint(["parent_id"], ["case.id"], name=op.f("fk_case_parent_id_case")),
        sa.ForeignKeyConstraint(
            ["region_code"], ["region.code"], name=op.f("fk_case_region_code_region")
        ),
        sa.ForeignKeyConstraint(
            ["reporter_user_id"], ["app_user.id"], name=op.f("fk_case_reporter_user_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["verifier_id"], ["app_user.id"], name=op.f("fk_case_verifier_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case")),
        sa.UniqueConstraint("channel", "external_id", name=op.f("uq_case_channel_external_id")),
        sa.UniqueConstraint("number", name=op.f("uq_case_number")),
    )
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_case_catalog_item_id"), ["catalog_item_id"], unique=False
        )
        batch_op.create_index("ix_case_center_status", ["center_id", "status"], unique=False)
        batch_op.create_index("ix_case_county_created", ["county_code", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_grid_code"), ["grid_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_lead_unit_id"), ["lead_unit_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_case_origin_center_id"), ["origin_center_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_case_region_code"), ["region_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_sla_colour"), ["sla_colour"], unique=False)

    op.create_table(
        "user_role",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_user_role_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("user_id", "role", name=op.f("pk_user_role")),
    )
    op.create_table(
        "attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("county_code", sa.String(length=6), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"], name=op.f("fk_attachment_case_id_case")),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["app_user.id"], name=op.f("fk_attachment_uploaded_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment")),
    )
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attachment_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_attachment_county_code"), ["county_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_attachment_sha256"), ["sha256"], unique=False)

    op.create_table(
        "case_assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("county_code", sa.String(length=6), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case.id"], name=op.f("fk_case_assignment_case_id_case")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_case_assignment_unit_id_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_assignment")),
    )
    with op.batch_alter_table("case_assignment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_assignment_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_assignment_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "case_center",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("center_id", sa.Integer(), nullable=False),
        sa.Column("relation", sa.String(length=16), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"], name=op.f("fk_case_center_case_id_case")),
        sa.ForeignKeyConstraint(
            ["center_id"], ["center.id"], name=op.f("fk_case_center_center_id_center")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_center")),
    )
    with op.batch_alter_table("case_center", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_center_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_center_center_id"), ["center_id"], unique=False)

    op.create_table(
        "case_deadline",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("county_code", sa.String(length=6), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("limit_amount", sa.Float(), nullable=False),
        sa.Column("limit_unit", sa.String(length=16), nullable=False),
        sa.Column("warning_ratio", sa.Float(), nullable=False),
        sa.Column("extension_seconds", sa.Float(), nullable=False),
        sa.Column("paused_seconds", sa.Float(), nullable=False),
        sa.Column("paused_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("warn_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("warned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("overdue_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case.id"], name=op.f("fk_case_deadline_case_id_case")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_deadline")),
        sa.UniqueConstraint(
            "case_id", "step", "seq", name=op.f("uq_case_deadline_case_id_step_seq")
        ),
    )
    with op.batch_alter_table("case_deadline", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_deadline_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            "ix_case_deadline_open_due",
            ["due_at"],
            unique=False,
            postgresql_where=sa.text("ended_at IS NULL"),
            sqlite_where=sa.text("ended_at IS NULL"),
        )
        batch_op.create_index(
            "ix_case_deadline_open_warn",
            ["warn_at"],
            unique=False,
            postgresql_where=sa.text("ended_at IS NULL"),
            sqlite_where=sa.text("ended_at IS NULL"),
        )

    op.create_table(
        "case_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("county_code", sa.String(length=6), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["app_user.id"], name=op.f("fk_case_event_actor_id_app_user")
        ),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"], name=op.f("fk_case_event_case_id_case")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_event")),
        sa.UniqueConstraint("case_id", "seq", name=op.f("uq_case_event_case_id_seq")),
    )
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_event_action"), ["action"], unique=False)
        batch_op.create_index("ix_case_event_county_at", ["county_code", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.drop_index("ix_case_event_county_at")
        batch_op.drop_index(batch_op.f("ix_case_event_action"))

    op.drop_table("case_event")
    with op.batch_alter_table("case_deadline", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_case_deadline_open_warn",
            postgresql_where=sa.text("ended_at IS NULL"),
            sqlite_where=sa.text("ended_at IS NULL"),
        )
        batch_op.drop_index(
            "ix_case_deadline_open_due",
            postgresql_where=sa.text("ended_at IS NULL"),
            sqlite_where=sa.text("ended_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_case_deadline_case_id"))

    op.drop_table("case_deadline")
    with op.batch_alter_table("case_center", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_center_center_id"))
        batch_op.drop_index(batch_op.f("ix_case_center_case_id"))

    op.drop_table("case_center")
    with op.batch_alter_table("case_assignment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_assignment_unit_id"))
        batch_op.drop_index(batch_op.f("ix_case_assignment_case_id"))

    op.drop_table("case_assignment")
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachment_sha256"))
        batch_op.drop_index(batch_op.f("ix_attachment_county_code"))
        batch_op.drop_index(batch_op.f("ix_attachment_case_id"))

    op.drop_table("attachment")
    op.drop_table("user_role")
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_sla_colour"))
        batch_op.drop_index(batch_op.f("ix_case_region_code"))
        batch_op.drop_index(batch_op.f("ix_case_origin_center_id"))
        batch_op.drop_index(batch_op.f("ix_case_lead_unit_id"))
        batch_op.drop_index(batch_op.f("ix_case_grid_code"))
        batch_op.drop_index("ix_case_county_created")
        batch_op.drop_index("ix_case_center_status")
        batch_op.drop_index(batch_op.f("ix_case_catalog_item_id"))

    op.drop_table("case")
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_app_user_unit_id"))
        batch_op.drop_index(batch_op.f("ix_app_user_region_code"))
        batch_op.drop_index(batch_op.f("ix_app_user_center_id"))

    op.drop_table("app_user")
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unit_region_code"))
        batch_op.drop_index(batch_op.f("ix_unit_center_id"))

    op.drop_table("unit")
    op.drop_table("case_number_sequence")
    op.drop_table("sla_limit")
    with op.batch_alter_table("center", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_center_parent_id"))

    op.drop_table("center")
    with op.batch_alter_table("catalog_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_item_parent_id"))

    op.drop_table("catalog_item")
    op.drop_table("sla_policy")
    with op.batch_alter_table("region", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_region_parent_code"))
        batch_op.drop_index(batch_op.f("ix_region_county_code"))

    op.drop_table("region")
    op.drop_table("calendar_day")
