"""Personal data sealed at rest: names, emails, device names, consent purposes and reasons and
mail recipients become text columns holding sealed values (cvh1:<key id>:<token>); a person is
found by the keyed digest of their email (people.email_digest, a unique index) instead of the
email. The unique constraint on the (now sealed) email stays: two seals never match, so it holds
nothing back, and dropping it would copy the people table on SQLite.

Rows written before keep their plaintext and still read: the registry's start seals them and
fills the digests before it serves (cvihub_registry.reencrypt.seal_rows_from_before), as this
migration has no keys. Downgrade only while every value is still plaintext.

Revision ID: 0015_sealed_at_rest
Revises: 0014_partner_rate_limit
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_sealed_at_rest"
down_revision: str | None = "0014_partner_rate_limit"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table, column, its type before, nullable
_SEALED: tuple[tuple[str, str, sa.types.TypeEngine[str], bool], ...] = (
    ("partners", "contact_email", sa.String(length=254), True),
    ("people", "display_name", sa.String(length=200), False),
    ("people", "email", sa.String(length=254), False),
    ("device_sessions", "device_name", sa.String(length=200), False),
    ("mail_outbox", "to_address", sa.String(length=254), False),
    ("consents", "purpose", sa.String(length=500), False),
    ("consents", "withdrawal_reason", sa.String(length=500), True),
    ("administrators", "name", sa.String(length=200), False),
    ("administrators", "email", sa.String(length=254), True),
)


def upgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email_digest", sa.String(length=64), nullable=True))
    op.create_index(op.f("ix_people_email_digest"), "people", ["email_digest"], unique=True)
    # SQLite keeps its columns: it stores any length in a VARCHAR, and changing a type there
    # means copying the table, which fails on a table other rows point at (partners, people).
    if op.get_bind().dialect.name == "sqlite":
        return
    for table, column, before, nullable in _SEALED:
        op.alter_column(
            table, column, existing_type=before, type_=sa.Text(), existing_nullable=nullable
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        for table, column, before, nullable in _SEALED:
            op.alter_column(
                table, column, existing_type=sa.Text(), type_=before, existing_nullable=nullable
            )
    op.drop_index(op.f("ix_people_email_digest"), table_name="people")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("email_digest")
