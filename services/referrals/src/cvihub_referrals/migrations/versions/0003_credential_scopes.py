"""API key scopes in the registry copy: replica_credentials.scopes (null = every scope).

Revision ID: 0003_credential_scopes
Revises: 0002_replica_grant_terms
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_credential_scopes"
down_revision: str | None = "0002_replica_grant_terms"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable, no default: rows copied before scopes existed keep every scope, as their
    # revision-0 events meant.
    with op.batch_alter_table("replica_credentials", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scopes", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("replica_credentials", schema=None) as batch_op:
        batch_op.drop_column("scopes")
