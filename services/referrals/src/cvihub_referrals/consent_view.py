"""What each party of a referral may read of it, as the patient's consent decides.

The referrer is the consent's custodian: it reads what it sent. The recipient reads the
patient's details only while the consent covers it: named among the consent's recipients (the
referral's and, when it quotes one, the registry record's), within its period (not expired, not
withdrawn), and only the scope agreed: contact details (PII) with "contact", injury and clinical
details (PHI) with "injury". Otherwise it reads the referral's status and history, never the
person. Decided on every read and every event, from the registry copy as it is now.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_contracts import Classification
from cvihub_contracts.redaction import redact
from cvihub_contracts.referral.network_v1 import NETWORK_RECIPIENT
from cvihub_contracts.referral.submitted_v1 import ReferralSubmittedV1
from cvihub_contracts.registry.consent_v1 import ConsentScope
from cvihub_referrals.models import registry_copy
from cvihub_referrals.store import ReferralRecord
from cvihub_registry_copy import consents as consent_copy
from cvihub_registry_copy.consents import ConsentRecord
from cvihub_runtime.tables import as_utc

NO_PERSON: frozenset[Classification] = frozenset({Classification.PUBLIC, Classification.INTERNAL})
"""What anyone who is a party may read: the referral without the person."""
EVERYTHING: frozenset[Classification] = frozenset(Classification)
SCOPE_RELEASES: dict[str, Classification] = {
    ConsentScope.CONTACT.value: Classification.PII,
    ConsentScope.INJURY.value: Classification.PHI,
}
"""Which classification each consent scope word releases to the recipient."""


@dataclass(frozen=True)
class Release:
    """What one party may read of a referral now, and why not more."""

    allowed: frozenset[Classification]
    refusal: str | None = None
    """Why the consent does not cover this party now (None: it does, or it is the referrer)."""
    offer_only: bool = False
    """An organisation offered a network referral: it reads what it needs to decide only."""

    @property
    def phi(self) -> bool:
        """Whether free-text notes (PHI) of the other party may be shown."""
        return Classification.PHI in self.allowed


def decide(
    submitted: ReferralSubmittedV1,
    *,
    partner_id: str,
    record: ConsentRecord | None,
    now: datetime,
) -> Release:
    """The release for one party, from the referral's consent and the quoted record (if any)."""
    if partner_id == submitted.referring_partner_id:
        return Release(EVERYTHING)
    refusal = _refusal(submitted, partner_id=partner_id, record=record, now=now)
    if refusal is not None:
        return Release(NO_PERSON, refusal)
    scope = frozenset(submitted.consent.scope)
    if submitted.consent.consent_id is not None and record is not None:
        scope &= record.scope
    released = {SCOPE_RELEASES[word] for word in scope if word in SCOPE_RELEASES}
    return Release(NO_PERSON | released)


def _refusal(
    submitted: ReferralSubmittedV1, *, partner_id: str, record: ConsentRecord | None, now: datetime
) -> str | None:
    consent = submitted.consent
    # A consent to a network referral (recipient `network`) covers the organisation owning it.
    named = partner_id if partner_id in consent.recipient_partner_ids else NETWORK_RECIPIENT
    if named not in consent.recipient_partner_ids:
        return consent_copy.RECIPIENT_NOT_COVERED
    expires_at = as_utc(consent.expires_at)
    if expires_at is not None and expires_at <= now:
        return consent_copy.CONSENT_EXPIRED
    if consent.consent_id is None:
        return None
    return consent_copy.consent_refusal(
        record,
        custodian_partner_id=submitted.referring_partner_id,
        recipient_partner_id=partner_id
        if record is None or partner_id in record.recipient_partner_ids
        else named,
        now=now,
    )


async def release_for(
    session: AsyncSession, referral: ReferralRecord, partner_id: str, now: datetime
) -> Release:
    """What this party may read of the stored referral now."""
    if referral.recipient_partner_id == NETWORK_RECIPIENT and (
        partner_id != referral.referring_partner_id
    ):
        return Release(frozenset(), "offered: accept it to read more", offer_only=True)
    submitted = ReferralSubmittedV1.model_validate(referral.payload)
    consent_id = submitted.consent.consent_id
    record = await registry_copy.consent(session, consent_id) if consent_id else None
    return decide(submitted, partner_id=partner_id, record=record, now=now)


@dataclass(frozen=True)
class ReadablePayload:
    """The referral's payload cut to a release, and JSON pointers of what was withheld."""

    data: dict[str, Any]
    withheld: list[str]


OFFER_FIELDS = ("referral_id", "urgency", "requested_services", "network", "submitted_at")
"""All an organisation offered a network referral reads of it before it accepts."""


def readable_payload(payload: dict[str, Any], release: Release) -> ReadablePayload:
    """The payload as the release allows it."""
    if release.offer_only:
        kept = {name: payload[name] for name in OFFER_FIELDS if name in payload}
        return ReadablePayload(kept, [f"#/{name}" for name in payload if name not in kept])
    cut = redact(ReferralSubmittedV1.model_validate(payload), release.allowed)
    return ReadablePayload(cut.data, cut.removed)
