"""Named administrators (role admin or auditor) and their own API keys (`cva_…`, SHA-256 at
rest), kept apart from partner credentials and never replicated to other services.

Revision ID: 0011_administrators
Revises: 0010_subscription_channels
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_administrators"
down_revision: str | None = "0010_subscription_channels"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "administrators",
        sa.Column("admin_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("admin_id", name="pk_administrators"),
    )
    op.create_table(
        "admin_credentials",
        sa.Column("credential_id", sa.String(64), nullable=False),
        sa.Column("admin_id", sa.String(64), nullable=False),
        sa.Column("key_sha256", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["admin_id"],
            ["administrators.admin_id"],
            name="fk_admin_credentials_admin_id_administrators",
        ),
        sa.PrimaryKeyConstraint("credential_id", name="pk_admin_credentials"),
        sa.UniqueConstraint("key_sha256", name="uq_admin_credentials_key_sha256"),
    )
    op.create_index(
        "ix_admin_credentials_admin_id", "admin_credentials", ["admin_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_admin_credentials_admin_id", table_name="admin_credentials")
    op.drop_table("admin_credentials")
    op.drop_table("administrators")
