"""The partner directory in the copy: zones, services, languages and age groups of each partner
(PartnerChangedV1 revision 3), matched by network referrals. Rows from before hold null
(not stated) until the partner's next change.

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

COLUMNS = ("zones", "services", "languages", "age_groups")


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("replica_partners", schema=None) as batch_op:
        for name in COLUMNS:
            batch_op.add_column(sa.Column(name, sa.JSON(), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("replica_partners", schema=None) as batch_op:
        for name in reversed(COLUMNS):
            batch_op.drop_column(name)
