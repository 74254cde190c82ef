"""Offers of network referrals to the organisations that match them.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "referral_offers",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("referral_id", sa.String(length=36), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("offered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referrals.referral_id"],
            name=op.f("fk_referral_offers_referral_id_referrals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_offers")),
        sa.UniqueConstraint(
            "referral_id", "partner_id", "round", name=op.f("uq_referral_offers_referral_id")
        ),
    )
    with op.batch_alter_table("referral_offers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_referral_offers_referral_id"), ["referral_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_referral_offers_partner_id"), ["partner_id"], unique=False
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("referral_offers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_offers_partner_id"))
        batch_op.drop_index(batch_op.f("ix_referral_offers_referral_id"))
    op.drop_table("referral_offers")
