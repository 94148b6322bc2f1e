"""a case's caller: the digits of its callback number, filled in for the cases on file, and
indexed (cases with a number only) so that a caller's other cases are found at once

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-25 05:00:00.000000
"""

import sqlite3
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHUNK = 5_000
_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def key(phone: str) -> str | None:
    """``gridgov.intake.pii.caller_key`` as of this revision: the number's digits without the
    country code (a landline given internationally gets its trunk 0 back)."""
    digits = "".join(c for c in phone.translate(_DIGITS) if "0" <= c <= "9")
    international = False
    if digits.startswith("0086"):
        digits, international = digits[4:], True
    elif digits.startswith("86") and (
        phone.lstrip().startswith("+") or (len(digits) == 13 and digits[2] == "1")
    ):
        digits, international = digits[2:], True
    if international and not digits.startswith(("0", "1")):
        digits = "0" + digits
    return digits if 5 <= len(digits) <= 20 else None


def upgrade() -> None:
    op.add_column("case", sa.Column("caller_key", sa.String(length=20), nullable=True))
    fill(op.get_bind())
    where = sa.text("caller_key IS NOT NULL")
    op.create_index(
        "ix_case_caller_key_created",
        "case",
        ["caller_key", "created_at"],
        unique=False,
        postgresql_where=where,
        sqlite_where=where,
    )


def fill(conn: sa.Connection) -> None:
    """Each case with a callback number gets its key."""
    case = sa.table("case", sa.column("id", sa.Integer), sa.column("reporter_phone"))
    keyed = sa.table("case", sa.column("id", sa.Integer), sa.column("caller_key"))
    update = (
        sa.update(keyed)
        .where(keyed.c.id == sa.bindparam("case_id"))
        .values(caller_key=sa.bindparam("key"))
    )
    last = 0
    while True:  # in chunks by id: a large table is never held in memory whole
        rows = conn.execute(
            sa.select(case.c.id, case.c.reporter_phone)
            .where(case.c.id > last, case.c.reporter_phone.is_not(None))
            .order_by(case.c.id)
            .limit(CHUNK)
        ).all()
        if not rows:
            break
        last = rows[-1][0]
        found = [{"case_id": i, "key": k} for i, phone in rows if (k := key(phone))]
        if found:
            conn.execute(update, found)


def downgrade() -> None:
    op.drop_index("ix_case_caller_key_created", table_name="case")
    # dropped in place where SQLite can (3.35+): copying case, which many tables refer to,
    # would break their foreign keys
    native = sqlite3.sqlite_version_info >= (3, 35) or op.get_bind().dialect.name != "sqlite"
    with op.batch_alter_table(
        "case", schema=None, recreate="never" if native else "auto"
    ) as batch_op:
        batch_op.drop_column("caller_key")
