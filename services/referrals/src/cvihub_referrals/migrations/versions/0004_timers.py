"""Service-level timers (one row per deadline and step, claimed with a lease), and the requested
services on the referral row (they pick the service level without opening the payload).

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("requested_services", sa.JSON(), nullable=True))
    op.create_table(
        "referral_timers",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("referral_id", sa.String(length=36), nullable=False),
        sa.Column("deadline", sa.String(length=32), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("event_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referrals.referral_id"],
            name=op.f("fk_referral_timers_referral_id_referrals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_timers")),
        sa.UniqueConstraint(
            "referral_id",
            "deadline",
            "stage",
            "due_at",
            name=op.f("uq_referral_timers_referral_id"),
        ),
    )
    with op.batch_alter_table("referral_timers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_referral_timers_state_due_at", ["state", "due_at"], unique=False
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("referral_timers", schema=None) as batch_op:
        batch_op.drop_index("ix_referral_timers_state_due_at")
    op.drop_table("referral_timers")
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_column("requested_services")
