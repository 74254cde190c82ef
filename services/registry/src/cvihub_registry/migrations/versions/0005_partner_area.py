"""Partners' service area (zones, beats, community areas), services offered and website.

Revision ID: 0005_partner_area
Revises: 0004_people
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_partner_area"
down_revision: str | None = "0004_people"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LISTS = ("zones", "beats", "community_areas", "services_offered")


def upgrade() -> None:
    with op.batch_alter_table("partners", schema=None) as batch_op:
        for name in _LISTS:
            batch_op.add_column(
                sa.Column(name, sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
            )
        batch_op.add_column(sa.Column("website", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.drop_column("website")
        for name in reversed(_LISTS):
            batch_op.drop_column(name)
