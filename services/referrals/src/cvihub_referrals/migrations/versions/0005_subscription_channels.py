"""Subscription channels and filters in the registry copy: replica_subscriptions.channel
(existing rows are webhooks), zones and event_types (JSON, null = no filter).

Revision ID: 0005_subscription_channels
Revises: 0004_replica_consents
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_subscription_channels"
down_revision: str | None = "0004_replica_consents"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("replica_subscriptions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("channel", sa.String(16), nullable=False, server_default="webhook")
        )
        batch_op.add_column(sa.Column("zones", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("event_types", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("replica_subscriptions", schema=None) as batch_op:
        batch_op.drop_column("event_types")
        batch_op.drop_column("zones")
        batch_op.drop_column("channel")
