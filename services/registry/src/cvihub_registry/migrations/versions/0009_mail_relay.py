"""The mail outbox becomes a real outbox: delivery status, retries, a lease, encrypted bodies.

New columns: status (pending, sent, failed), attempts, next_attempt_at, lease_until (a relay's
claim), expires_at (a code's mail is useless after the code), last_error (no personal data),
sent_at. The body becomes nullable: it is Fernet-encrypted from now on and wiped once sent.
Rows from before hold bodies in plain text that this migration cannot encrypt (it has no key):
their sign-in codes are minutes-lived, so they are wiped and marked failed.

Revision ID: 0009_mail_relay
Revises: 0008_consents
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_mail_relay"
down_revision: str | None = "0008_consents"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        batch_op.alter_column("body", existing_type=sa.Text(), nullable=True)
        batch_op.add_column(
            sa.Column("status", sa.String(length=16), nullable=False, server_default="pending")
        )
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("next_attempt_at", _WHEN, nullable=True))
        batch_op.add_column(sa.Column("lease_until", _WHEN, nullable=True))
        batch_op.add_column(sa.Column("expires_at", _WHEN, nullable=True))
        batch_op.add_column(sa.Column("last_error", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("sent_at", _WHEN, nullable=True))
        batch_op.create_index("ix_mail_outbox_due", ["status", "next_attempt_at"], unique=False)
    mail = sa.table(
        "mail_outbox",
        sa.column("body", sa.Text()),
        sa.column("status", sa.String()),
        sa.column("last_error", sa.String()),
    )
    op.execute(
        mail.update().values(
            body=None, status="failed", last_error="stored in plain text before 0009; wiped"
        )
    )


def downgrade() -> None:
    mail = sa.table("mail_outbox", sa.column("body", sa.Text()))
    # Encrypted or wiped bodies mean nothing to the old schema, which needs a body.
    op.execute(mail.update().values(body=""))
    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_mail_outbox_due")
        for name in (
            "sent_at",
            "last_error",
            "expires_at",
            "lease_until",
            "next_attempt_at",
            "attempts",
            "status",
        ):
            batch_op.drop_column(name)
        batch_op.alter_column("body", existing_type=sa.Text(), nullable=False)
