"""Registry replica: the grant terms of GrantChangedV1 revision 1 (scope, field view, period).

Revision ID: 0002_replica_grant_terms
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_replica_grant_terms"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("replica_grants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("zones", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column("addressed_only", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.add_column(sa.Column("field_view", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("replica_grants", schema=None) as batch_op:
        batch_op.drop_column("expires_at")
        batch_op.drop_column("starts_at")
        batch_op.drop_column("field_view")
        batch_op.drop_column("addressed_only")
        batch_op.drop_column("zones")
