"""org.cvihub.registry.consent.changed, version 1: a patient's consent record, without the patient.

The registry holds no patient identity: a hospital records what the patient agreed to (who may
receive what, for which purpose, until when) and refers to the record by id from its referrals.
"""

from enum import StrEnum
from typing import ClassVar

from cvihub_contracts.classification import Classification as C
from cvihub_contracts.classification import classified
from cvihub_contracts.registry.changes_v1 import _RegistryChange
from cvihub_contracts.timestamps import OccurredAt, Timestamp, period_end


class ConsentScope(StrEnum):
    """What a consent lets the hub share (the same words as a referral's consent scope)."""

    CONTACT = "contact"
    """The patient's name and contact details (PII)."""
    INJURY = "injury"
    """The injury and clinical reason for the referral (PHI)."""


class ConsentChangedV1(_RegistryChange):
    """A consent record was made or withdrawn (status revoked = withdrawn)."""

    event_type: ClassVar[str] = "org.cvihub.registry.consent.changed"

    consent_id: str = classified(C.INTERNAL, "The consent record's id, quoted by referrals.")
    custodian_partner_id: str = classified(
        C.INTERNAL, "The partner (hospital) that recorded the consent and keeps its evidence."
    )
    recipient_partner_ids: list[str] = classified(
        C.INTERNAL, "Organisations the consent covers.", min_length=1
    )
    scope: list[ConsentScope] = classified(C.INTERNAL, "What may be shared.", min_length=1)
    purpose: str = classified(C.INTERNAL, "Why the data may be shared.", max_length=500)
    given_at: OccurredAt = classified(C.INTERNAL, "When the patient gave consent.")
    expires_at: Timestamp | None = classified(
        C.INTERNAL, "When the consent lapses; null = until withdrawn.", default=None
    )
    withdrawn_at: OccurredAt | None = classified(
        C.INTERNAL, "When the consent was withdrawn; null = not withdrawn.", default=None
    )

    _expiry_after_consent = period_end("expires_at", "given_at")
    _withdrawal_after_consent = period_end("withdrawn_at", "given_at", strictly=False)

    def partition_key(self) -> str:
        return f"consent/{self.consent_id}"

    def subject(self) -> str:
        return f"consents/{self.consent_id}"
