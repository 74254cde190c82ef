"""The registry copy: partners, credentials, grants, subscriptions and consent records.

The base of the `registry_copy` branch, which every consuming service applies beside its own
revisions (cvihub_runtime.migrations.upgrade runs every head).

Revision ID: rc0001
Revises:
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "rc0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("registry_copy",)
depends_on: str | Sequence[str] | None = None

TABLES = (
    "replica_partners",
    "replica_credentials",
    "replica_grants",
    "replica_subscriptions",
    "replica_consents",
)


def upgrade() -> None:
    op.create_table(
        "replica_partners",
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("partner_id", name=op.f("pk_replica_partners")),
    )
    op.create_table(
        "replica_credentials",
        sa.Column("credential_id", sa.String(length=64), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.Column("key_sha256", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("credential_id", name=op.f("pk_replica_credentials")),
        sa.UniqueConstraint("key_sha256", name=op.f("uq_replica_credentials_key_sha256")),
    )
    op.create_index(
        op.f("ix_replica_credentials_partner_id"), "replica_credentials", ["partner_id"]
    )
    op.create_table(
        "replica_grants",
        sa.Column("grant_id", sa.String(length=64), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.Column("stream", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("zones", sa.JSON(), nullable=True),
        sa.Column("addressed_only", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("field_view", sa.JSON(), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("grant_id", name=op.f("pk_replica_grants")),
    )
    op.create_index(op.f("ix_replica_grants_partner_id"), "replica_grants", ["partner_id"])
    op.create_table(
        "replica_subscriptions",
        sa.Column("subscription_id", sa.String(length=64), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.Column("stream", sa.String(length=64), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("secret_encrypted", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), server_default="webhook", nullable=False),
        sa.Column("zones", sa.JSON(), nullable=True),
        sa.Column("event_types", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("subscription_id", name=op.f("pk_replica_subscriptions")),
    )
    op.create_index(
        op.f("ix_replica_subscriptions_partner_id"), "replica_subscriptions", ["partner_id"]
    )
    op.create_table(
        "replica_consents",
        sa.Column("consent_id", sa.String(length=64), nullable=False),
        sa.Column("custodian_partner_id", sa.String(length=64), nullable=False),
        sa.Column("recipient_partner_ids", sa.JSON(), nullable=False),
        sa.Column("scope", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("consent_id", name=op.f("pk_replica_consents")),
    )


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
