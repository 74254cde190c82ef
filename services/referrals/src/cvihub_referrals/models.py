"""The referrals service's tables: referrals, status history, activities, outbox, inbox, copy."""

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from cvihub_registry_copy import RegistryCopy
from cvihub_runtime.sealed import SEALED
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
    # The full ReferralSubmittedV1 data as JSON, sealed (sealing.py): it holds PII and PHI.
    Column("payload", Text, nullable=False, info=SEALED),
    Column("submitted_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("submitted_event_id", String(64), nullable=False),
    Column("correlation_id", String(64), nullable=False),
    # Optimistic concurrency: a transition updates the row only at the version it read.
    Column("version", Integer, nullable=False),
    # When the recipient accepted it, and first reached the person (None = not yet).
    Column("accepted_at", UtcDateTime(), nullable=True),
    Column("first_contact_at", UtcDateTime(), nullable=True),
    # The CVI service codes requested (not personal data): they pick the service level.
    Column("requested_services", JSON, nullable=True),
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
    # Free text, PHI: sealed.
    Column("note", Text, nullable=True, info=SEALED),
    Column("by_partner_id", String(64), nullable=False),
    Column("event_id", String(64), nullable=False, unique=True),
)

activities = Table(
    "referral_activities",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column(
        "referral_id",
        String(36),
        ForeignKey("referrals.referral_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    # contact-attempt, service-delivered (both shared with the referrer as events) or note.
    Column("kind", String(32), nullable=False),
    Column("occurred_at", UtcDateTime(), nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
    Column("by_partner_id", String(64), nullable=False),
    Column("method", String(32), nullable=True),
    Column("outcome", String(32), nullable=True),
    Column("service_type", String(64), nullable=True),
    Column("service_date", Date, nullable=True),
    # The recipient's case note, sealed: never in an event, never shown to the referrer.
    Column("note", Text, nullable=True, info=SEALED),
    # The status event that carried it to the referrer; None for a case note.
    Column("event_id", String(64), nullable=True, unique=True),
)

timers = Table(
    "referral_timers",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column(
        "referral_id",
        String(36),
        ForeignKey("referrals.referral_id", ondelete="CASCADE"),
        nullable=False,
    ),
    # Which deadline (accept, first-contact) and which step (reminder, escalation).
    Column("deadline", String(32), nullable=False),
    Column("stage", String(16), nullable=False),
    Column("due_at", UtcDateTime(), nullable=False),
    # pending, fired, or void (the deadline stopped running before it was due).
    Column("state", String(16), nullable=False),
    # The replica that claimed it, until when; another may take it over after that.
    Column("claimed_by", String(64), nullable=True),
    Column("lease_until", UtcDateTime(), nullable=True),
    Column("fired_at", UtcDateTime(), nullable=True),
    Column("event_id", String(64), nullable=True),
    UniqueConstraint("referral_id", "deadline", "stage", "due_at"),
    Index("ix_referral_timers_state_due_at", "state", "due_at"),
)

offers = Table(
    "referral_offers",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column(
        "referral_id",
        String(36),
        ForeignKey("referrals.referral_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("partner_id", String(64), nullable=False, index=True),
    Column("round", Integer, nullable=False),
    # offered, then accepted, declined or withdrawn.
    Column("state", String(16), nullable=False),
    Column("offered_at", UtcDateTime(), nullable=False),
    Column("closed_at", UtcDateTime(), nullable=True),
    UniqueConstraint("referral_id", "partner_id", "round"),
)

inbox = define_inbox(metadata)
outbox = define_outbox(metadata)
registry_copy = RegistryCopy(metadata)
