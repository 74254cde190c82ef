"""Contact attempts, services delivered and case notes; when a referral was accepted and first
reached the person.

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
    """Upgrade schema."""
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("first_contact_at", sa.DateTime(timezone=True), nullable=True)
        )
    op.create_table(
        "referral_activities",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("referral_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by_partner_id", sa.String(length=64), nullable=False),
        sa.Column("method", sa.String(length=32), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("service_type", sa.String(length=64), nullable=True),
        sa.Column("service_date", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("event_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referrals.referral_id"],
            name=op.f("fk_referral_activities_referral_id_referrals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_activities")),
        sa.UniqueConstraint("event_id", name=op.f("uq_referral_activities_event_id")),
    )
    with op.batch_alter_table("referral_activities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_referral_activities_referral_id"), ["referral_id"], unique=False
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("referral_activities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_activities_referral_id"))
    op.drop_table("referral_activities")
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_column("first_contact_at")
        batch_op.drop_column("accepted_at")
