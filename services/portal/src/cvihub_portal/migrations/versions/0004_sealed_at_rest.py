"""Personal data sealed at rest: an action's stored answer (a referral's holds the patient) and
the name on an alert response become text holding sealed values (cvh1:<key id>:<token>).

Rows written before keep their plaintext (the answer as JSON text) and still read;
`python -m cvihub_portal.reencrypt` seals them under the current key of PORTAL_DATA_KEYS.
Downgrade only while every value is still plaintext.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.alter_column(
            "response",
            existing_type=sa.JSON(),
            type_=sa.Text(),
            existing_nullable=True,
            postgresql_using="response::text",
        )
    with op.batch_alter_table("alert_responses", schema=None) as batch_op:
        batch_op.alter_column(
            "display_name",
            existing_type=sa.String(length=200),
            type_=sa.Text(),
            existing_nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("alert_responses", schema=None) as batch_op:
        batch_op.alter_column(
            "display_name",
            existing_type=sa.Text(),
            type_=sa.String(length=200),
            existing_nullable=False,
        )
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.alter_column(
            "response",
            existing_type=sa.Text(),
            type_=sa.JSON(),
            existing_nullable=True,
            postgresql_using="response::json",
        )
