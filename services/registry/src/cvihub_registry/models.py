"""The registry's tables: the source of truth for partners, keys, grants and subscriptions.

Columns marked `info=SEALED` hold personal data sealed under REGISTRY_DATA_KEYS (see
cvihub_runtime.sealed); every store reads and writes them through seal_values/open_values."""

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    text,
    true,
)
from sqlalchemy.types import TypeEngine

from cvihub_runtime.sealed import SEALED
from cvihub_runtime.tables import UtcDateTime, define_inbox, define_outbox, service_metadata

metadata = service_metadata()


def sealed_text(sqlite_length: int) -> TypeEngine[str]:
    """A sealed column's type: text, a sealed value being longer than what it seals. SQLite
    keeps the VARCHAR its column had before sealing (it stores any length in one, and changing
    the type would copy tables that other rows point at: migration 0013)."""
    return Text().with_variant(String(sqlite_length), "sqlite")


# One row holding the global change counter. Bumping it takes a row lock, so changes are
# serialised and a later commit always carries a higher sequence than an earlier one.
change_sequence = Table(
    "change_sequence",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("value", BigInteger, nullable=False),
)

partners = Table(
    "partners",
    metadata,
    Column("partner_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("contact_email", sealed_text(254), nullable=True, info=SEALED),
    Column("description", Text, nullable=True),
    Column("sequence", BigInteger, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    # Service area and offer (PartnerChangedV1 revision 1): JSON lists of strings.
    Column("zones", JSON, nullable=False, server_default=text("'[]'")),
    Column("beats", JSON, nullable=False, server_default=text("'[]'")),
    Column("community_areas", JSON, nullable=False, server_default=text("'[]'")),
    Column("services_offered", JSON, nullable=False, server_default=text("'[]'")),
    Column("website", String(500), nullable=True),
    # The area drawn: a GeoJSON Polygon or MultiPolygon (PartnerChangedV1 revision 2); null =
    # not drawn. JSON, not PostGIS: the directory tests points in Python on either database.
    Column("service_area", JSON, nullable=True),
    # The directory entry (DirectoryChangedV1): CVI service codes, BCP 47 languages, age groups.
    Column("cvi_services", JSON, nullable=False, server_default=text("'[]'")),
    Column("languages", JSON, nullable=False, server_default=text("'[]'")),
    Column("age_groups", JSON, nullable=False, server_default=text("'[]'")),
    # Its own request limit at intake (PartnerChangedV1 revision 4): {"per_minute", "burst"};
    # null = the service's default.
    Column("rate_limit", JSON, nullable=True),
)

credentials = Table(
    "credentials",
    metadata,
    Column("credential_id", String(64), primary_key=True),
    Column("partner_id", ForeignKey("partners.partner_id"), nullable=False, index=True),
    Column("key_sha256", String(64), nullable=False, unique=True),
    Column("status", String(16), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=True),
    Column("revoked_at", UtcDateTime(), nullable=True),
    Column("sequence", BigInteger, nullable=False),
    # Scope names the key may be used for; null = every scope (keys from before scopes).
    Column("scopes", JSON, nullable=True),
)

grants = Table(
    "grants",
    metadata,
    Column("grant_id", String(64), primary_key=True),
    Column("partner_id", ForeignKey("partners.partner_id"), nullable=False, index=True),
    Column("stream", String(64), nullable=False),
    Column("action", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("purpose", Text, nullable=True),
    Column("agreement_ref", String(200), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("revoked_at", UtcDateTime(), nullable=True),
    Column("sequence", BigInteger, nullable=False),
    # The grant's terms (GrantChangedV1 revision 1): scope, field view, period in force.
    Column("zones", JSON, nullable=True),
    Column("addressed_only", Boolean, nullable=False, server_default=true()),
    Column("field_view", JSON, nullable=True),
    Column("starts_at", UtcDateTime(), nullable=True),
    Column("expires_at", UtcDateTime(), nullable=True),
)

# The database, not only the service, refuses a second active grant for the same triple.
Index(
    "uq_grants_active_triple",
    grants.c.partner_id,
    grants.c.stream,
    grants.c.action,
    unique=True,
    sqlite_where=text("status = 'active'"),
    postgresql_where=text("status = 'active'"),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("subscription_id", String(64), primary_key=True),
    Column("partner_id", ForeignKey("partners.partner_id"), nullable=False, index=True),
    Column("stream", String(64), nullable=False),
    # The endpoint URI: an sms: one is a phone number, a mailto: one an address.
    Column("url", Text, nullable=False, info=SEALED),
    Column("secret_encrypted", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("revoked_at", UtcDateTime(), nullable=True),
    Column("sequence", BigInteger, nullable=False),
    # webhook | email | inbox; url is the endpoint URI (https:, mailto:, cvihub:inbox).
    Column("channel", String(16), nullable=False, server_default="webhook"),
    Column("zones", JSON, nullable=True),
    Column("event_types", JSON, nullable=True),
)

# Append-only: rows are inserted, never updated or deleted (on PostgreSQL a trigger refuses
# both). `detail` never holds a secret. Each row carries the hash of the row before it, so an
# edit, removal or insertion anywhere breaks the chain (see audit/chain.py).
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("at", UtcDateTime(), nullable=False, index=True),
    Column("actor", String(64), nullable=False),
    Column("action", String(64), nullable=False),
    Column("entity_id", String(64), nullable=True),
    Column("detail", JSON, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("entry_hash", String(64), nullable=False),
)

# One row: the last entry's id and hash, updated with every append. Locking it serialises
# appends (so the chain cannot fork), and it reveals entries cut off the end of the log.
audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("last_id", BigInteger, nullable=False),
    Column("last_hash", String(64), nullable=False),
)

outbox = define_outbox(metadata)
# Audit events (refusals other services decided) applied once each: see handlers.py.
inbox = define_inbox(metadata)

# People inside partners (user accounts). Name and email are sealed; the email, lower-cased,
# is found by its keyed digest (people/codes.py email_digest, as sign-in codes), unique.
people = Table(
    "people",
    metadata,
    Column("person_id", String(64), primary_key=True),
    Column("partner_id", ForeignKey("partners.partner_id"), nullable=False, index=True),
    Column("display_name", sealed_text(200), nullable=False, info=SEALED),
    # Unique from before sealing; two seals of one email differ, so email_digest is the rule.
    Column("email", sealed_text(254), nullable=False, unique=True, info=SEALED),
    # Null only on a row from before sealing, until the registry's start fills it.
    Column("email_digest", String(64), nullable=True, index=True, unique=True),
    Column("role", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

# One row per code request, also for unknown emails (person_id NULL), so the rate limit and
# the answer look the same whether or not the email exists. Never the code: its scrypt hash.
sign_in_codes = Table(
    "sign_in_codes",
    metadata,
    Column("code_id", String(64), primary_key=True),
    Column("email_digest", String(64), nullable=False, index=True),
    Column("person_id", ForeignKey("people.person_id"), nullable=True),
    Column("code_hash", String(64), nullable=True),
    Column("salt", String(32), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("consumed_at", UtcDateTime(), nullable=True),
)

device_sessions = Table(
    "device_sessions",
    metadata,
    Column("session_id", String(64), primary_key=True),
    Column("person_id", ForeignKey("people.person_id"), nullable=False, index=True),
    Column("device_name", sealed_text(200), nullable=False, info=SEALED),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("last_seen_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("revoked_at", UtcDateTime(), nullable=True),
)

# Mail waiting for the SMTP relay (mail/relay.py), or kept for the admin when none is set.
# The body is Fernet-encrypted (it holds a live sign-in code) and wiped once sent or failed;
# a relay claims a row by setting lease_until, so two registry replicas never both send it.
mail_outbox = Table(
    "mail_outbox",
    metadata,
    Column("message_id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("to_address", sealed_text(254), nullable=False, info=SEALED),
    Column("subject", String(200), nullable=False),
    Column("body", Text, nullable=True),
    Column("created_at", UtcDateTime(), nullable=False, index=True),
    Column("status", String(16), nullable=False, server_default="pending"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", UtcDateTime(), nullable=True),
    Column("lease_until", UtcDateTime(), nullable=True),
    Column("expires_at", UtcDateTime(), nullable=True),
    Column("last_error", String(200), nullable=True),
    Column("sent_at", UtcDateTime(), nullable=True),
)
Index("ix_mail_outbox_due", mail_outbox.c.status, mail_outbox.c.next_attempt_at)

# Patients' consent records, without the patient: who recorded it (the custodian), whom it
# covers, what may be shared and until when. Referrals quote the id (ConsentChangedV1).
consents = Table(
    "consents",
    metadata,
    Column("consent_id", String(64), primary_key=True),
    Column("custodian_partner_id", ForeignKey("partners.partner_id"), nullable=False, index=True),
    Column("recipient_partner_ids", JSON, nullable=False),
    Column("scope", JSON, nullable=False),
    Column("purpose", sealed_text(500), nullable=False, info=SEALED),
    Column("given_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=True),
    Column("withdrawn_at", UtcDateTime(), nullable=True),
    Column("withdrawal_reason", sealed_text(500), nullable=True, info=SEALED),
    Column("status", String(16), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("sequence", BigInteger, nullable=False),
)

# The hub's named administrators (role admin or auditor). Their keys stay in the registry:
# no change event carries them, so no other service ever learns or accepts one.
administrators = Table(
    "administrators",
    metadata,
    Column("admin_id", String(64), primary_key=True),
    Column("name", sealed_text(200), nullable=False, info=SEALED),
    Column("email", sealed_text(254), nullable=True, info=SEALED),
    Column("role", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
)

admin_credentials = Table(
    "admin_credentials",
    metadata,
    Column("credential_id", String(64), primary_key=True),
    Column("admin_id", ForeignKey("administrators.admin_id"), nullable=False, index=True),
    Column("key_sha256", String(64), nullable=False, unique=True),
    Column("status", String(16), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=True),
    Column("revoked_at", UtcDateTime(), nullable=True),
    # Touched at most every few minutes, so unused keys can be found and revoked.
    Column("last_used_at", UtcDateTime(), nullable=True),
)
