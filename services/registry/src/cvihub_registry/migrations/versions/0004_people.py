"""People inside partners, one-time sign-in codes, device sessions and the mail outbox.

Revision ID: 0004_people
Revises: 0003_audit_chain
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_people"
down_revision: str | None = "0003_audit_chain"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("partner_id", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.partner_id"], name=op.f("fk_people_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_people")),
        sa.UniqueConstraint("email", name=op.f("uq_people_email")),
    )
    op.create_index(op.f("ix_people_partner_id"), "people", ["partner_id"], unique=False)
    op.create_table(
        "sign_in_codes",
        sa.Column("code_id", sa.String(length=64), nullable=False),
        sa.Column("email_digest", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=True),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("salt", sa.String(length=32), nullable=True),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.Column("expires_at", _WHEN, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("consumed_at", _WHEN, nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.person_id"], name=op.f("fk_sign_in_codes_person_id_people")
        ),
        sa.PrimaryKeyConstraint("code_id", name=op.f("pk_sign_in_codes")),
    )
    op.create_index(
        op.f("ix_sign_in_codes_email_digest"), "sign_in_codes", ["email_digest"], unique=False
    )
    op.create_table(
        "device_sessions",
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("device_name", sa.String(length=200), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.Column("last_seen_at", _WHEN, nullable=False),
        sa.Column("expires_at", _WHEN, nullable=False),
        sa.Column("revoked_at", _WHEN, nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.person_id"], name=op.f("fk_device_sessions_person_id_people")
        ),
        sa.PrimaryKeyConstraint("session_id", name=op.f("pk_device_sessions")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_device_sessions_token_sha256")),
    )
    op.create_index(
        op.f("ix_device_sessions_person_id"), "device_sessions", ["person_id"], unique=False
    )
    op.create_table(
        "mail_outbox",
        sa.Column(
            "message_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("to_address", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_mail_outbox")),
    )
    op.create_index(
        op.f("ix_mail_outbox_created_at"), "mail_outbox", ["created_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_mail_outbox_created_at"), table_name="mail_outbox")
    op.drop_table("mail_outbox")
    op.drop_index(op.f("ix_device_sessions_person_id"), table_name="device_sessions")
    op.drop_table("device_sessions")
    op.drop_index(op.f("ix_sign_in_codes_email_digest"), table_name="sign_in_codes")
    op.drop_table("sign_in_codes")
    op.drop_index(op.f("ix_people_partner_id"), table_name="people")
    op.drop_table("people")
