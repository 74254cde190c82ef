"""Tables of the notifications service: deliveries, their attempts, inbox and registry copy."""

from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Column,
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


class DeliveryStatus(StrEnum):
    """Where a delivery stands."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


inbox = define_inbox(metadata)
registry_copy = RegistryCopy(metadata)
# Only refusals go out (AccessRefusedV1 for the registry's audit log): deliveries are webhooks.
outbox = define_outbox(metadata)

deliveries = Table(
    "deliveries",
    metadata,
    Column("delivery_id", String(36), primary_key=True),
    Column("event_id", String(64), nullable=False, index=True),
    Column("event_type", String(200), nullable=False),
    # Kept apart from the (encrypted) body so latency can be measured without decrypting.
    Column("event_time", UtcDateTime(), nullable=False),
    Column("subscription_id", String(64), nullable=False),
    Column("partner_id", String(64), nullable=False, index=True),
    # The endpoint, sealed under NOTIFICATIONS_DATA_KEYS: an sms: one is a phone number, a
    # mailto: one an address.
    Column("url", Text, nullable=False, info=SEALED),
    # The exact bytes to POST, Fernet-encrypted: the body may hold PII or PHI.
    Column("body", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UtcDateTime(), nullable=True),
    Column("last_status_code", Integer, nullable=True),
    Column("last_error", String(200), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("delivered_at", UtcDateTime(), nullable=True),
    # webhook | email | inbox (url is then mailto:… or cvihub:inbox); an inbox item is
    # delivered when planned, and read_at is when its partner marked it read.
    Column("channel", String(16), nullable=False, server_default="webhook"),
    Column("read_at", UtcDateTime(), nullable=True),
    # The registry consent record a referral's delivery to its recipient rests on, and the
    # partner who recorded it: planning knew both, so every attempt re-checks the record
    # without opening the body.
    Column("consent_id", String(64), nullable=True),
    Column("consent_custodian_id", String(64), nullable=True),
    # Deliveries with the same key to the same subscription go out in order (revisions of one
    # incident): a hash of the event's partition key, never the key itself (it may be CJI).
    Column("ordering_key", String(64), nullable=True),
    UniqueConstraint("event_id", "subscription_id", name="uq_deliveries_event_subscription"),
    Index("ix_deliveries_due", "status", "next_attempt_at"),
    Index("ix_deliveries_inbox", "partner_id", "channel", "created_at"),
    Index("ix_deliveries_order", "subscription_id", "ordering_key", "status", "created_at"),
    Index("ix_deliveries_endpoint", "subscription_id", "status", "created_at"),
)

delivery_attempts = Table(
    "delivery_attempts",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column(
        "delivery_id",
        String(36),
        ForeignKey("deliveries.delivery_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("attempt_no", Integer, nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("error", String(200), nullable=True),
    Column("duration_ms", Integer, nullable=False),
    UniqueConstraint("delivery_id", "attempt_no", name="uq_delivery_attempts_number"),
)

# Endpoints this service stopped sending to (a 410 Gone answer, or failing for too long) until
# their partner re-enables them; the subscription itself belongs to the registry.
endpoint_states = Table(
    "endpoint_states",
    metadata,
    Column("subscription_id", String(64), primary_key=True),
    Column("partner_id", String(64), nullable=False),
    Column("disabled_at", UtcDateTime(), nullable=True),
    Column("disabled_reason", String(200), nullable=True),
    # The first failed attempt after the last success (null: its last attempt succeeded).
    Column("failing_since", UtcDateTime(), nullable=True),
    Column("updated_at", UtcDateTime(), nullable=False),
)

# An endpoint's earlier signing secrets (still encrypted) for a grace after a rotation, so a
# receiver that has not switched yet verifies one of the signatures.
previous_secrets = Table(
    "previous_secrets",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("subscription_id", String(64), nullable=False, index=True),
    Column("secret_encrypted", Text, nullable=False),
    Column("retired_at", UtcDateTime(), nullable=False),
)

# Operational notices (Svix's operational webhooks): a delivery given up (attempt exhausted),
# an endpoint disabled. Ids and reasons only, never event data or an address; each is mailed
# to its partner's contact address and the hub admin's (looked up when sent), once.
notices = Table(
    "notices",
    metadata,
    Column("notice_id", String(36), primary_key=True),
    Column("kind", String(32), nullable=False),
    # What makes it this notice and no other (a delivery's id, an endpoint's disabling time):
    # a retried transaction or a second replica cannot record it twice.
    Column("dedupe_key", String(200), nullable=False, unique=True),
    Column("partner_id", String(64), nullable=False),
    Column("subscription_id", String(64), nullable=False),
    Column("delivery_id", String(36), nullable=True),
    Column("event_id", String(64), nullable=True),
    Column("event_type", String(200), nullable=True),
    Column("reason", String(200), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    # Mailing: due at next_mail_at (null: nothing left to send), up to a few tries.
    Column("partner_mailed_at", UtcDateTime(), nullable=True),
    Column("admin_mailed_at", UtcDateTime(), nullable=True),
    Column("mail_attempts", Integer, nullable=False, server_default="0"),
    Column("next_mail_at", UtcDateTime(), nullable=True),
    Column("mail_error", String(200), nullable=True),
    Index("ix_notices_partner", "partner_id", "created_at"),
    Index("ix_notices_mail", "next_mail_at"),
)
