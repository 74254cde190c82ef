"""Consent at delivery: whether a referral's consent covers its recipient, and what it may see.

A referral's consent travels inside it; when it quotes a registry consent record
(`consent.consent_id`), the record in the registry copy must also exist, be in force (not
withdrawn, not expired), belong to the referring partner and name the recipient. The consent's
scope then narrows the recipient's field view: contact details (PII) only with "contact",
injury and clinical details (PHI) only with "injury".
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from cvihub_contracts import Classification, EventData
from cvihub_contracts.referral.submitted_v1 import ReferralSubmittedV1
from cvihub_contracts.registry.consent_v1 import ConsentScope
from cvihub_registry_copy import consents as consent_copy
from cvihub_registry_copy.consents import ConsentRecord

SCOPE_CLASSIFICATIONS: dict[str, Classification] = {
    ConsentScope.CONTACT.value: Classification.PII,
    ConsentScope.INJURY.value: Classification.PHI,
}
"""Which classification each scope word releases; without the word, the recipient gets none."""


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def referral_consent_refusal(
    *, data: ReferralSubmittedV1, now: datetime, record: ConsentRecord | None = None
) -> str | None:
    """Why the consent does not cover delivery to the recipient, or None when it does.

    `record` is the quoted consent record from the registry copy (None = not there)."""
    consent = data.consent
    if data.recipient_partner_id not in consent.recipient_partner_ids:
        return consent_copy.RECIPIENT_NOT_COVERED
    if consent.expires_at is not None and _aware(consent.expires_at) <= now:
        return consent_copy.CONSENT_EXPIRED
    if consent.consent_id is None:
        return None
    return consent_copy.consent_refusal(
        record,
        custodian_partner_id=data.referring_partner_id,
        recipient_partner_id=data.recipient_partner_id,
        now=now,
    )


def consented_scope(*, data: ReferralSubmittedV1, record: ConsentRecord | None) -> frozenset[str]:
    """The scope words the patient agreed to: the referral's, cut to the record's if quoted."""
    scope = frozenset(data.consent.scope)
    return scope & record.scope if record is not None else scope


def narrow_to_consent(
    view: frozenset[Classification],
    *,
    data: EventData,
    recipient_partner_id: str,
    record: ConsentRecord | None = None,
) -> frozenset[Classification]:
    """The view cut to the consent's scope, for the recipient of a referral (else unchanged)."""
    if (
        not isinstance(data, ReferralSubmittedV1)
        or recipient_partner_id != data.recipient_partner_id
    ):
        return view
    scope = consented_scope(data=data, record=record)
    withheld = {c for word, c in SCOPE_CLASSIFICATIONS.items() if word not in scope}
    return view - withheld


@dataclass(frozen=True)
class QuotedConsent:
    """The consent record a referral's delivery to its recipient rests on; stored with the
    delivery so each attempt checks the record again (a withdrawal stops the retries)."""

    consent_id: str
    custodian_partner_id: str
    recipient_partner_id: str


def quoted_consent(*, data: EventData, partner_id: str) -> QuotedConsent | None:
    """The consent record a delivery of this event to this partner quotes, if any.

    Only a referral to its recipient quotes one; None = nothing more to check at send time."""
    if not isinstance(data, ReferralSubmittedV1) or data.recipient_partner_id != partner_id:
        return None
    if data.consent.consent_id is None:
        return None
    return QuotedConsent(
        consent_id=data.consent.consent_id,
        custodian_partner_id=data.referring_partner_id,
        recipient_partner_id=data.recipient_partner_id,
    )


def quoted_refusal(
    quoted: QuotedConsent, *, record: ConsentRecord | None, now: datetime
) -> str | None:
    """Why the quoted record no longer covers the delivery, or None."""
    return consent_copy.consent_refusal(
        record,
        custodian_partner_id=quoted.custodian_partner_id,
        recipient_partner_id=quoted.recipient_partner_id,
        now=now,
    )
