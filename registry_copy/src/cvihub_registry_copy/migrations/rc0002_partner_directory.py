"""The partner directory in the copy: each partner's zones (from PartnerChangedV1), and what it
offers (DirectoryChangedV1: services, languages, age groups), matched by network referrals.
Partner rows from before hold no zones until the partner's next change.

Revision ID: rc0002
Revises: rc0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "rc0002"
down_revision: str | None = "rc0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("replica_partners", schema=None) as batch_op:
        batch_op.add_column(sa.Column("zones", sa.JSON(), nullable=True))
    op.create_table(
        "replica_directory",
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.Column("services", sa.JSON(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("age_groups", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("partner_id", name=op.f("pk_replica_directory")),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("replica_directory")
    with op.batch_alter_table("replica_partners", schema=None) as batch_op:
        batch_op.drop_column("zones")
