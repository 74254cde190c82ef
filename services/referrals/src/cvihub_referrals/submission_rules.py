"""Rules a submitted referral must keep beyond its schema: times with a zone, nothing that
happened after the referral was submitted (beyond the allowed clock skew), periods in order.

Intake checks the same at its door; the referrals service checks again, because it must not
store what it cannot trust. A refusal names the field and never its value.
"""

from datetime import timedelta

from cvihub_contracts import ContractViolation
from cvihub_contracts.referral.submitted_v1 import ReferralSubmittedV1


def check_times(data: ReferralSubmittedV1, *, skew: timedelta) -> None:
    """Raise ContractViolation naming the field of the first time that breaks a rule."""
    named = {
        "submitted_at": data.submitted_at,
        "consent.consented_at": data.consent.consented_at,
        "consent.expires_at": data.consent.expires_at,
    }
    for field, value in named.items():
        if value is not None and value.tzinfo is None:
            raise ContractViolation(f"{field} has no time zone")
    latest = data.submitted_at + skew
    if data.consent.consented_at > latest:
        raise ContractViolation("consent.consented_at is after the referral was submitted")
    if data.injury.injured_on is not None and data.injury.injured_on > latest.date():
        raise ContractViolation("injury.injured_on is after the referral was submitted")
    expires_at = data.consent.expires_at
    if expires_at is not None and expires_at <= data.consent.consented_at:
        raise ContractViolation("consent.expires_at is not after consent.consented_at")
