"""Partners' directory entry: partners.cvi_services, languages and age_groups, JSON lists
(empty for existing partners), published as org.cvihub.registry.directory.changed.

Revision ID: 0013_partner_directory
Revises: 0012_partner_service_polygon
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_partner_directory"
down_revision: str | None = "0012_partner_service_polygon"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = ("cvi_services", "languages", "age_groups")


def upgrade() -> None:
    # A literal default, not an SQL expression: with an expression Alembic's batch mode copies
    # the table on SQLite, which fails once other rows point at partners.
    with op.batch_alter_table("partners", schema=None) as batch_op:
        for name in _COLUMNS:
            batch_op.add_column(sa.Column(name, sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("partners", schema=None) as batch_op:
        for name in reversed(_COLUMNS):
            batch_op.drop_column(name)
