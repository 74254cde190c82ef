"""The tables of a service's registry copy, declared in the service's own metadata.

Their migrations are this library's Alembic branch (migrations/), which every consuming service
applies beside its own revisions."""

from dataclasses import dataclass

from sqlalchemy import JSON, Boolean, Column, Integer, MetaData, String, Table, Text, true

from cvihub_contracts.registry.changes_v1 import Channel
from cvihub_runtime.sealed import SEALED
from cvihub_runtime.tables import UtcDateTime


@dataclass(frozen=True)
class CopyTables:
    """One table per kind of registry entity; each row keeps the sequence of its newest change."""

    partners: Table
    credentials: Table
    grants: Table
    subscriptions: Table
    consents: Table
    directory: Table

    def all(self) -> tuple[Table, ...]:
        """Every table of the copy."""
        return (
            self.partners,
            self.credentials,
            self.grants,
            self.subscriptions,
            self.consents,
            self.directory,
        )


def define_copy_tables(metadata: MetaData) -> CopyTables:
    """Declare the copy's tables in a service's metadata."""
    return CopyTables(
        partners=Table(
            "replica_partners",
            metadata,
            Column("partner_id", String(64), primary_key=True),
            Column("name", String(200), nullable=False),
            Column("kind", String(32), nullable=False),
            Column("status", String(16), nullable=False),
            Column("sequence", Integer, nullable=False),
            # The zones it serves (null = not stated): network referrals match on them.
            Column("zones", JSON, nullable=True),
            # Where operational notices to the partner go (PartnerChangedV1 revision 3).
            Column("contact_email", Text, nullable=True, info=SEALED),
            # Its own request limit at intake {"per_minute", "burst"}; null = the default
            # (PartnerChangedV1 revision 4).
            Column("rate_limit", JSON, nullable=True),
        ),
        credentials=Table(
            "replica_credentials",
            metadata,
            Column("credential_id", String(64), primary_key=True),
            Column("partner_id", String(64), nullable=False, index=True),
            Column("key_sha256", String(64), nullable=False, unique=True),
            Column("status", String(16), nullable=False),
            Column("expires_at", UtcDateTime(), nullable=True),
            Column("sequence", Integer, nullable=False),
            # Null = every scope (keys from before scopes existed).
            Column("scopes", JSON, nullable=True),
        ),
        grants=Table(
            "replica_grants",
            metadata,
            Column("grant_id", String(64), primary_key=True),
            Column("partner_id", String(64), nullable=False, index=True),
            Column("stream", String(64), nullable=False),
            Column("action", String(16), nullable=False),
            Column("status", String(16), nullable=False),
            Column("sequence", Integer, nullable=False),
            Column("zones", JSON, nullable=True),
            Column("addressed_only", Boolean, nullable=False, server_default=true()),
            Column("field_view", JSON, nullable=True),
            Column("starts_at", UtcDateTime(), nullable=True),
            Column("expires_at", UtcDateTime(), nullable=True),
        ),
        subscriptions=Table(
            "replica_subscriptions",
            metadata,
            Column("subscription_id", String(64), primary_key=True),
            Column("partner_id", String(64), nullable=False, index=True),
            Column("stream", String(64), nullable=False),
            # Sealed under the service's data key ring: an sms: endpoint is a phone number,
            # a mailto: one an address.
            Column("url", Text, nullable=False, info=SEALED),
            Column("secret_encrypted", Text, nullable=False),
            Column("status", String(16), nullable=False),
            Column("sequence", Integer, nullable=False),
            Column("channel", String(16), nullable=False, server_default=Channel.WEBHOOK.value),
            Column("zones", JSON, nullable=True),
            Column("event_types", JSON, nullable=True),
        ),
        # Consent records: ids, parties, scope and period only, never patient data.
        consents=Table(
            "replica_consents",
            metadata,
            Column("consent_id", String(64), primary_key=True),
            Column("custodian_partner_id", String(64), nullable=False),
            Column("recipient_partner_ids", JSON, nullable=False),
            Column("scope", JSON, nullable=False),
            Column("status", String(16), nullable=False),
            Column("given_at", UtcDateTime(), nullable=False),
            Column("expires_at", UtcDateTime(), nullable=True),
            Column("withdrawn_at", UtcDateTime(), nullable=True),
            Column("sequence", Integer, nullable=False),
        ),
        # What each partner offers (DirectoryChangedV1): services, languages, age groups.
        directory=Table(
            "replica_directory",
            metadata,
            Column("partner_id", String(64), primary_key=True),
            Column("services", JSON, nullable=False),
            Column("languages", JSON, nullable=False),
            Column("age_groups", JSON, nullable=False),
            Column("status", String(16), nullable=False),
            Column("sequence", Integer, nullable=False),
        ),
    )
