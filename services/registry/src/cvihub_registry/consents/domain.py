"""A consent record as a plain value, and as the change event every registry copy applies."""

from dataclasses import dataclass
from datetime import datetime

from cvihub_contracts import KafkaRecord, new_event, to_kafka
from cvihub_contracts.registry.changes_v1 import EntityStatus
from cvihub_contracts.registry.consent_v1 import ConsentChangedV1, ConsentScope
from cvihub_registry.domain import RevocableStatus
from cvihub_registry.events import SOURCE


@dataclass(frozen=True)
class Consent:
    """What a patient agreed to share with whom, recorded by its custodian (no patient data).

    Status revoked = withdrawn; a withdrawn consent is never re-activated (record a new one)."""

    consent_id: str
    custodian_partner_id: str
    recipient_partner_ids: list[str]
    scope: list[ConsentScope]
    purpose: str
    given_at: datetime
    expires_at: datetime | None
    withdrawn_at: datetime | None
    withdrawal_reason: str | None
    status: RevocableStatus
    created_at: datetime
    updated_at: datetime
    sequence: int

    def visible_to(self, partner_id: str) -> bool:
        """Whether a partner may read the record: its custodian or one of its recipients."""
        return partner_id == self.custodian_partner_id or partner_id in self.recipient_partner_ids


def consent_change(consent: Consent) -> ConsentChangedV1:
    """The change event describing a consent record's current state and sequence."""
    return ConsentChangedV1(
        sequence=consent.sequence,
        changed_at=consent.updated_at,
        status=EntityStatus(consent.status.value),
        consent_id=consent.consent_id,
        custodian_partner_id=consent.custodian_partner_id,
        recipient_partner_ids=consent.recipient_partner_ids,
        scope=consent.scope,
        purpose=consent.purpose,
        given_at=consent.given_at,
        expires_at=consent.expires_at,
        withdrawn_at=consent.withdrawn_at,
    )


def consent_record(consent: Consent, *, correlation_id: str | None = None) -> KafkaRecord:
    """A Kafka record (fresh event id) announcing a consent record's current state."""
    event = new_event(consent_change(consent), source=SOURCE, correlation_id=correlation_id)
    return to_kafka(event)
