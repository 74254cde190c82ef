"""Subscription channels and filters: replica_subscriptions.channel (existing rows are
webhooks), zones and event_types (JSON, null = no filter); deliveries.channel and, for the web
inbox, deliveries.read_at and an index to page a partner's inbox newest first.

Revision ID: 0006_subscription_channels
Revises: 0005_replica_consents
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_subscription_channels"
down_revision: str | None = "0005_replica_consents"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("replica_subscriptions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("channel", sa.String(16), nullable=False, server_default="webhook")
        )
        batch_op.add_column(sa.Column("zones", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("event_types", sa.JSON(), nullable=True))
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("channel", sa.String(16), nullable=False, server_default="webhook")
        )
        batch_op.add_column(sa.Column("read_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            "ix_deliveries_inbox", ["partner_id", "channel", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_deliveries_inbox")
        batch_op.drop_column("read_at")
        batch_op.drop_column("channel")
    with op.batch_alter_table("replica_subscriptions", schema=None) as batch_op:
        batch_op.drop_column("event_types")
        batch_op.drop_column("zones")
        batch_op.drop_column("channel")
