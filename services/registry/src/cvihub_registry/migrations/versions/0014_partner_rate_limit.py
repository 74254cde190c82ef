"""Partners' own request limit at intake: partners.rate_limit, {"per_minute", "burst"} (JSON,
null = the service's default; existing partners have none).

Revision ID: 0014_partner_rate_limit
Revises: 0013_partner_directory
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_partner_rate_limit"
down_revision: str | None = "0013_partner_directory"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rate_limit", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.drop_column("rate_limit")
