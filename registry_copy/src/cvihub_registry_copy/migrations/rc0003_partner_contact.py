"""Each partner's contact e-mail in the copy (PartnerChangedV1 revision 3): where operational
notices go. Partner rows from before hold none until the partner's next change.

Revision ID: rc0003
Revises: rc0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "rc0003"
down_revision: str | None = "rc0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("replica_partners", schema=None) as batch_op:
        # Text: the address is sealed at rest (cvihub_runtime.sealed), longer than it was.
        batch_op.add_column(sa.Column("contact_email", sa.Text(), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("replica_partners", schema=None) as batch_op:
        batch_op.drop_column("contact_email")
