"""API key scopes: credentials.scopes, a JSON list of scope names (null = every scope).

Revision ID: 0006_credential_scopes
Revises: 0005_partner_area
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_credential_scopes"
down_revision: str | None = "0005_partner_area"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable, no default: keys issued before scopes existed keep every scope.
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scopes", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("credentials", schema=None) as batch_op:
        batch_op.drop_column("scopes")
