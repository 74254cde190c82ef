"""The portal's tables: partner links, idempotent actions, what people did, the read models."""

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from cvihub_runtime.sealed import SEALED
from cvihub_runtime.tables import UtcDateTime, define_inbox, service_metadata

metadata = service_metadata()

partner_links = Table(
    "partner_links",
    metadata,
    Column("partner_id", String(64), primary_key=True),
    Column("credential_id", String(64), nullable=False),
    # The partner's portal API key, Fernet-encrypted (secretbox): never stored in the clear.
    Column("api_key_encrypted", String(500), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

actions = Table(
    "actions",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("partner_id", String(64), nullable=False),
    Column("idempotency_key", String(100), nullable=False),
    Column("person_id", String(64), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("target", String(100), nullable=False),
    # pending while the upstream call runs; done once its answer is stored.
    Column("state", String(16), nullable=False),
    Column("status_code", Integer, nullable=True),
    # The answer as JSON text, sealed (PORTAL_DATA_KEYS): a referral's answer holds the patient.
    Column("response", Text, nullable=True, info=SEALED),
    Column("created_at", UtcDateTime(), nullable=False),
    UniqueConstraint("partner_id", "idempotency_key", name="uq_actions_key"),
)

alert_responses = Table(
    "alert_responses",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("partner_id", String(64), nullable=False),
    Column("incident_key", String(200), nullable=False),
    Column("person_id", String(64), nullable=False),
    Column("display_name", Text, nullable=False, info=SEALED),
    Column("response", String(20), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("idempotency_key", String(100), nullable=False),
    Index("ix_alert_responses_incident", "partner_id", "incident_key"),
)

contact_attempts = Table(
    "contact_attempts",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("partner_id", String(64), nullable=False),
    Column("referral_id", String(36), nullable=False),
    Column("person_id", String(64), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("idempotency_key", String(100), nullable=False),
    Index("ix_contact_attempts_referral", "partner_id", "referral_id"),
)

# Read models fed from Kafka: public bulletin fields only, and referral and alert facts without
# any personal or clinical field (the dashboard's aggregates).
bulletins = Table(
    "bulletins",
    metadata,
    Column("bulletin_id", String(36), primary_key=True),
    Column("publisher_partner_id", String(64), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    Column("public", JSON, nullable=False),
    Column("starts_at", UtcDateTime(), nullable=True),
    Column("published_at", UtcDateTime(), nullable=False),
)

referral_facts = Table(
    "referral_facts",
    metadata,
    Column("referral_id", String(36), primary_key=True),
    Column("status", String(32), nullable=False),
    Column("submitted_at", UtcDateTime(), nullable=True),
    Column("accepted_at", UtcDateTime(), nullable=True),
    Column("updated_at", UtcDateTime(), nullable=False),
)

alert_facts = Table(
    "alert_facts",
    metadata,
    Column("incident_key", String(200), primary_key=True),
    Column("zone", String(64), nullable=True),
    Column("occurred_at", UtcDateTime(), nullable=False),
    Column("status", String(20), nullable=False),
)

inbox = define_inbox(metadata)
