"""The hospital's short form as the hub's records: a registry consent record the referral
rests on (so the hospital can withdraw it later), then the intake submission quoting it."""

import asyncio
import time
from datetime import datetime
from typing import Any

from cvihub_portal.clients import UpstreamError
from cvihub_portal.schemas import ReferralForm
from cvihub_portal.service import Person, PortalCore

CONSENT_SCOPE = ["contact"]
"""What the form's consent lets the recipient read: how to reach the person, no injury."""

CONSENT_PURPOSE = "hospital-based violence intervention referral"

COPY_LAG_SECONDS = 10.0
"""How long a submission waits for intake's copy of the registry to hold a consent record just
made (about a second in practice); then the refusal is the answer."""


def consent_record(form: ReferralForm, *, given_at: datetime) -> dict[str, Any]:
    """The registry consent record a form's consent stands for: no patient identity."""
    record: dict[str, Any] = {
        "recipient_partner_ids": [form.recipient_partner_id],
        "scope": CONSENT_SCOPE,
        "purpose": CONSENT_PURPOSE,
        "given_at": given_at.isoformat(),
    }
    if form.consent_expires_at:
        record["expires_at"] = form.consent_expires_at.isoformat()
    return record


async def submit_when_known(
    core: PortalCore, key: str, body: dict[str, Any], idempotency_key: str
) -> dict[str, Any]:
    """Submit to intake; while intake does not know the new consent record yet, try again."""
    deadline = time.monotonic() + COPY_LAG_SECONDS
    pause = 0.1
    while True:
        try:
            return await core.clients.submit_referral(key, body, idempotency_key)
        except UpstreamError as exc:
            unknown = exc.problem.get("type", "").endswith("consent-record-unknown") or any(
                str(e.get("code", "")).endswith("consent-record-unknown")
                for e in exc.problem.get("errors") or []
                if isinstance(e, dict)
            )
            if not unknown or time.monotonic() + pause > deadline:
                raise
        await asyncio.sleep(pause)
        pause = min(pause * 2, 1.0)


def submission(
    person: Person, form: ReferralForm, *, consent_id: str, consented_at: datetime
) -> dict[str, Any]:
    """The intake submission a short form stands for; consent covers the one recipient and
    rests on the registry consent record `consent_id`."""
    patient: dict[str, Any] = {
        "given_name": form.given_name,
        "family_name": form.family_name,
        "preferred_language": form.preferred_language,
    }
    if form.phone:
        patient["phone"] = form.phone
    consent: dict[str, Any] = {
        "consented_by": form.consented_by,
        "consented_at": consented_at.isoformat(),
        "recipient_partner_ids": [form.recipient_partner_id],
        "scope": CONSENT_SCOPE,
        "consent_id": consent_id,
    }
    if form.consent_expires_at:
        consent["expires_at"] = form.consent_expires_at.isoformat()
    return {
        "recipient_partner_id": form.recipient_partner_id,
        "patient": patient,
        "injury": {"mechanism": form.mechanism.value},
        "consent": consent,
        "referring_contact": {"name": person.display_name},
        "reason": form.reason,
        "urgency": form.urgency.value,
    }
