"""Consent records: what a patient agreed to share with whom, without the patient's identity.

Revision ID: 0008_consents
Revises: 0007_audit_inbox
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_consents"
down_revision: str | None = "0007_audit_inbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "consents",
        sa.Column("consent_id", sa.String(length=64), nullable=False),
        sa.Column("custodian_partner_id", sa.String(length=64), nullable=False),
        sa.Column("recipient_partner_ids", sa.JSON(), nullable=False),
        sa.Column("scope", sa.JSON(), nullable=False),
        sa.Column("purpose", sa.String(length=500), nullable=False),
        sa.Column("given_at", _WHEN, nullable=False),
        sa.Column("expires_at", _WHEN, nullable=True),
        sa.Column("withdrawn_at", _WHEN, nullable=True),
        sa.Column("withdrawal_reason", sa.String(length=500), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.Column("updated_at", _WHEN, nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["custodian_partner_id"],
            ["partners.partner_id"],
            name=op.f("fk_consents_custodian_partner_id_partners"),
        ),
        sa.PrimaryKeyConstraint("consent_id", name=op.f("pk_consents")),
    )
    op.create_index(
        op.f("ix_consents_custodian_partner_id"), "consents", ["custodian_partner_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_consents_custodian_partner_id"), table_name="consents")
    op.drop_table("consents")
