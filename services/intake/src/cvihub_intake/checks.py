"""Business checks every submission passes before intake accepts it, whatever way it came in."""

from datetime import datetime

from cvihub_contracts.alert.incident_alert_v1 import IncidentAlertSubmission
from cvihub_contracts.alert.incident_alert_v2 import IncidentAlertSubmissionV2
from cvihub_contracts.bulletin.published_v1 import BulletinSubmission
from cvihub_contracts.referral.network_v1 import NETWORK_RECIPIENT
from cvihub_contracts.referral.submitted_v1 import ReferralSubmission
from cvihub_registry_copy import consents as consent_copy

Submission = (
    ReferralSubmission | IncidentAlertSubmission | IncidentAlertSubmissionV2 | BulletinSubmission
)
"""Anything a partner may submit to intake."""


class Refusal(Exception):
    """A submission the hub will not accept; `kind` names why, `pointer` the field at fault.

    `status` is the HTTP status the refusal maps to; `index` the item of a batch (a row, an
    event of a CloudEvents batch) at fault, when there is more than one."""

    def __init__(
        self, kind: str, detail: str, *, pointer: str | None = None, status: int = 422
    ) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.pointer = pointer
        self.status = status
        self.index: int | None = None


def check_recipient(
    *, submission: ReferralSubmission, recipient_is_active: bool, now: datetime
) -> None:
    """Refuse a referral to an unknown recipient or one the patient's consent does not cover.

    A referral to the network (recipient `network`) carries its criteria, and only it does;
    the referrals service offers it to the matching organisations."""
    to_network = submission.recipient_partner_id == NETWORK_RECIPIENT
    if to_network != (submission.network is not None):
        raise Refusal(
            "network-criteria-mismatch",
            "network criteria go with recipient_partner_id `network`, and only with it",
            pointer="#/network",
        )
    if not recipient_is_active and not to_network:
        raise Refusal(
            "unknown-recipient",
            "the recipient is not an active partner of the hub",
            pointer="#/recipient_partner_id",
        )
    consent = submission.consent
    if submission.recipient_partner_id not in consent.recipient_partner_ids:
        raise Refusal(
            "consent-does-not-cover-recipient",
            "the patient's consent does not name the recipient",
            pointer="#/consent/recipient_partner_ids",
        )
    if consent.expires_at is not None and consent.expires_at <= now:
        raise Refusal(
            "consent-expired", "the patient's consent has expired", pointer="#/consent/expires_at"
        )


_CONSENT_KINDS = {
    consent_copy.CONSENT_UNKNOWN: "consent-record-unknown",
    consent_copy.CONSENT_WITHDRAWN: "consent-withdrawn",
    consent_copy.CONSENT_EXPIRED: "consent-record-expired",
    consent_copy.CONSENT_OTHER_CUSTODIAN: "consent-record-not-yours",
    consent_copy.RECIPIENT_NOT_COVERED: "consent-record-does-not-cover-recipient",
}


def check_consent_record(
    *,
    submission: ReferralSubmission,
    partner_id: str,
    record: consent_copy.ConsentRecord | None,
    now: datetime,
) -> None:
    """Refuse a referral whose quoted consent record is unknown, withdrawn, expired, another
    partner's, or does not cover the recipient or the scope the referral claims."""
    pointer = "#/consent/consent_id"
    reason = consent_copy.consent_refusal(
        record,
        custodian_partner_id=partner_id,
        recipient_partner_id=submission.recipient_partner_id,
        now=now,
    )
    if reason is not None:
        detail = f"the quoted consent record: {reason}"
        raise Refusal(_CONSENT_KINDS[reason], detail, pointer=pointer)
    assert record is not None
    beyond = sorted(set(submission.consent.scope) - record.scope)
    if beyond:
        raise Refusal(
            "consent-scope-exceeds-record",
            f"the consent record does not cover the scope {', '.join(beyond)}",
            pointer="#/consent/scope",
        )
