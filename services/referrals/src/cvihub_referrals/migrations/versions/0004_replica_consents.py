"""Registry copy: consent records (ids, parties, scope, period; never patient data).

Revision ID: 0004_replica_consents
Revises: 0003_credential_scopes
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_replica_consents"
down_revision: str | None = "0003_credential_scopes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "replica_consents",
        sa.Column("consent_id", sa.String(length=64), nullable=False),
        sa.Column("custodian_partner_id", sa.String(length=64), nullable=False),
        sa.Column("recipient_partner_ids", sa.JSON(), nullable=False),
        sa.Column("scope", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("given_at", _WHEN, nullable=False),
        sa.Column("expires_at", _WHEN, nullable=True),
        sa.Column("withdrawn_at", _WHEN, nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("consent_id"),
    )


def downgrade() -> None:
    op.drop_table("replica_consents")
