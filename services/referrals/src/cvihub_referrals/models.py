"""The referrals service's tables: referrals, their status history, outbox, inbox, registry copy."""

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Index, Integer, String, Table, Text

from cvihub_registry_copy import RegistryCopy
from cvihub_runtime.tables import UtcDateTime, define_inbox, define_outbox, service_metadata

metadata = service_metadata()

referrals = Table(
    "referrals",
    metadata,
    Column("referral_id", String(36), primary_key=True),
    Column("referring_partner_id", String(64), nullable=False),
    Column("recipient_partner_id", String(64), nullable=False),
    Column("status", String(32), nullable=False),
    Column("urgency", String(16), nullable=False),
    # The full ReferralSubmittedV1 data as JSON; it holds PII/PHI, so it never reaches a log.
    Column("payload", JSON, nullable=False),
    Column("submitted_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("submitted_event_id", String(64), nullable=False),
    Column("correlation_id", String(64), nullable=False),
    # Optimistic concurrency: a transition updates the row only at the version it read.
    Column("version", Integer, nullable=False),
    Index("ix_referrals_referring", "referring_partner_id", "submitted_at"),
    Index("ix_referrals_recipient", "recipient_partner_id", "submitted_at"),
)

status_history = Table(
    "referral_status_history",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column(
        "referral_id",
        String(36),
        ForeignKey("referrals.referral_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("at", UtcDateTime(), nullable=False),
    # None on the first row: the submission that created the referral.
    Column("from_status", String(32), nullable=True),
    Column("to_status", String(32), nullable=False),
    Column("reason", String(32), nullable=True),
    Column("note", Text, nullable=True),
    Column("by_partner_id", String(64), nullable=False),
    Column("event_id", String(64), nullable=False, unique=True),
)

inbox = define_inbox(metadata)
outbox = define_outbox(metadata)
registry_copy = RegistryCopy(metadata)
