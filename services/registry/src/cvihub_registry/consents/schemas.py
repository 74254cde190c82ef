"""HTTP bodies of the consent-records API."""

from datetime import datetime
from typing import Annotated

from pydantic import Field

from cvihub_contracts.registry.consent_v1 import ConsentScope
from cvihub_contracts.timestamps import ClockChecked, OccurredAt, Timestamp, period_end
from cvihub_registry.domain import RevocableStatus
from cvihub_registry.schemas import (
    MULTI_LINE,
    PARTNER_ID_PATTERN,
    SINGLE_LINE,
    RequestBody,
    ResponseBody,
)

PartnerId = Annotated[str, Field(pattern=PARTNER_ID_PATTERN)]


class ConsentCreate(RequestBody, ClockChecked):
    """A patient's consent to record: no patient identity, only what may be shared with whom.
    Times carry a time zone; given_at is not in the future (beyond a few minutes of clock
    skew)."""

    recipient_partner_ids: list[PartnerId] = Field(
        min_length=1, max_length=50, description="Organisations the consent covers."
    )
    scope: list[ConsentScope] = Field(
        default_factory=lambda: [ConsentScope.CONTACT],
        min_length=1,
        description="What may be shared: contact (name, phone, e-mail), injury (clinical).",
    )
    purpose: Annotated[str, Field(min_length=1, max_length=500), SINGLE_LINE] = Field(
        examples=["hospital-based violence intervention referral"]
    )
    given_at: OccurredAt = Field(
        description="When the patient gave consent, with a time zone; not in the future."
    )
    expires_at: Timestamp | None = Field(
        default=None,
        description="When it lapses, with a time zone, not already past; null = until withdrawn.",
    )

    _expiry_after_consent = period_end("expires_at", "given_at")


class ConsentWithdraw(RequestBody):
    """Why the consent is withdrawn (optional; kept with the record, not in the audit log)."""

    reason: Annotated[str, Field(max_length=500), MULTI_LINE] | None = None


class ConsentOut(ResponseBody):
    """A consent record; status revoked = withdrawn."""

    consent_id: str
    custodian_partner_id: str
    recipient_partner_ids: list[str]
    scope: list[ConsentScope]
    purpose: str
    given_at: datetime
    expires_at: datetime | None
    withdrawn_at: datetime | None
    status: RevocableStatus
    sequence: int
    created_at: datetime
