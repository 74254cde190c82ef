"""Contact attempts move to the referrals service; partner links keep their key's scopes.

The portal's contact_attempts table is dropped: attempts and services delivered are recorded
through the referrals API (POST /v1/referrals/{id}/attempts, /services), which the referrer
sees too. Attempts logged before this revision are not carried over (they were never shared).

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Drop the portal's copy of contact attempts; add partner_links.scopes."""
    with op.batch_alter_table("contact_attempts") as batch:
        batch.drop_index("ix_contact_attempts_referral")
    op.drop_table("contact_attempts")
    with op.batch_alter_table("partner_links") as batch:
        batch.add_column(sa.Column("scopes", sa.JSON(), nullable=True))


def downgrade() -> None:
    """Bring back an empty contact_attempts table; drop partner_links.scopes."""
    with op.batch_alter_table("partner_links") as batch:
        batch.drop_column("scopes")
    op.create_table(
        "contact_attempts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.Column("referral_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("idempotency_key", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_attempts")),
    )
    op.create_index(
        "ix_contact_attempts_referral", "contact_attempts", ["partner_id", "referral_id"]
    )
