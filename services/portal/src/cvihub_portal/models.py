"""The portal's tables: partner links, idempotent actions, alert responses, the read models.

Contact attempts and services delivered are the referrals service's (its /attempts and
/services routes); the portal keeps no copy."""

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
    # The scopes the key was issued with; a key that lacks one the portal now needs (None: one
    # issued before scopes were kept) is replaced at the next use.
    Column("scopes", JSON, nullable=True),
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

# Hub administrators signed in to the console: the registry's 12-hour admin key of each
# sign-in, Fernet-encrypted; the browser holds only a random token whose hash is the key here.
admin_sessions = Table(
    "admin_sessions",
    metadata,
    Column("token_sha256", String(64), primary_key=True),
    Column("admin_id", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("role", String(16), nullable=False),
    Column("credential_id", String(64), nullable=False),
    Column("api_key_encrypted", String(500), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
)

# Short-lived partner keys an administrator's console session had issued (under their name)
# to read a partner's deliveries and resend its dead letters; revoked at sign-out.
console_keys = Table(
    "console_keys",
    metadata,
    Column("token_sha256", String(64), primary_key=True),
    Column("partner_id", String(64), primary_key=True),
    Column("credential_id", String(64), nullable=False),
    Column("api_key_encrypted", String(500), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
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
