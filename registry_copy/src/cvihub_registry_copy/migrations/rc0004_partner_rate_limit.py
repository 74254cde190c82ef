"""Each partner's own request limit in the copy (PartnerChangedV1 revision 4), which intake
applies; null = the service's default. Partner rows from before hold none until the partner's
next change.

Revision ID: rc0004
Revises: rc0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "rc0004"
down_revision: str | None = "rc0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("replica_partners", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rate_limit", sa.JSON(), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("replica_partners", schema=None) as batch_op:
        batch_op.drop_column("rate_limit")
