"""Partners' service area drawn as a polygon: partners.service_area, a GeoJSON Polygon or
MultiPolygon (JSON, null = not drawn; existing partners have none).

Revision ID: 0012_partner_service_polygon
Revises: 0011_administrators
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_partner_service_polygon"
down_revision: str | None = "0011_administrators"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.add_column(sa.Column("service_area", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.drop_column("service_area")
