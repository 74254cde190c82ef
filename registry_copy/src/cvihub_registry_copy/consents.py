"""Consent records in a service's registry copy, and whether one covers a delivery.

The registry holds consent records without patient data; referrals quote one by id. Intake
checks the quoted record at submission, notifications again at delivery (it may have been
withdrawn in between). The decision is one pure function, so both decide alike.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cvihub_contracts.registry.changes_v1 import EntityStatus

CONSENT_UNKNOWN = "consent record unknown"
CONSENT_WITHDRAWN = "consent withdrawn"
CONSENT_EXPIRED = "consent expired"
CONSENT_OTHER_CUSTODIAN = "consent recorded by another partner"
RECIPIENT_NOT_COVERED = "recipient not covered by consent"


@dataclass(frozen=True)
class ConsentRecord:
    """A consent record as the copy holds it."""

    consent_id: str
    custodian_partner_id: str
    recipient_partner_ids: frozenset[str]
    scope: frozenset[str]
    withdrawn: bool
    given_at: datetime
    expires_at: datetime | None

    def refusal(
        self, *, custodian_partner_id: str, recipient_partner_id: str, now: datetime
    ) -> str | None:
        """Why this record does not let the custodian share with the recipient now, or None."""
        if self.withdrawn:
            return CONSENT_WITHDRAWN
        if self.expires_at is not None and self.expires_at <= now:
            return CONSENT_EXPIRED
        if self.custodian_partner_id != custodian_partner_id:
            return CONSENT_OTHER_CUSTODIAN
        if recipient_partner_id not in self.recipient_partner_ids:
            return RECIPIENT_NOT_COVERED
        return None


def consent_refusal(
    record: ConsentRecord | None,
    *,
    custodian_partner_id: str,
    recipient_partner_id: str,
    now: datetime,
) -> str | None:
    """Why a quoted consent record (None = not in the copy) does not cover a delivery."""
    if record is None:
        return CONSENT_UNKNOWN
    return record.refusal(
        custodian_partner_id=custodian_partner_id,
        recipient_partner_id=recipient_partner_id,
        now=now,
    )


def record_of(row: Any) -> ConsentRecord:
    """A ConsentRecord from a row of the replica_consents table."""
    return ConsentRecord(
        consent_id=str(row.consent_id),
        custodian_partner_id=str(row.custodian_partner_id),
        recipient_partner_ids=frozenset(row.recipient_partner_ids),
        scope=frozenset(row.scope),
        withdrawn=row.status != EntityStatus.ACTIVE.value,
        given_at=row.given_at,
        expires_at=row.expires_at,
    )
