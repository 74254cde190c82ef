"""Rules a submitted referral must keep beyond its schema: nothing happened after the referral
was submitted (beyond the allowed clock skew). Zones and the order of the consent's period are
the contracts' own checks (cvihub_contracts.timestamps), so an event that breaks them never
gets this far. A refusal names the field and never its value.
"""

from datetime import timedelta

from cvihub_contracts import ContractViolation
from cvihub_contracts.referral.submitted_v1 import ReferralSubmittedV1


def check_times(data: ReferralSubmittedV1, *, skew: timedelta) -> None:
    """Raise ContractViolation naming the field of the first time that breaks a rule."""
    latest = data.submitted_at + skew
    if data.consent.consented_at > latest:
        raise ContractViolation("consent.consented_at is after the referral was submitted")
    if data.injury.injured_on is not None and data.injury.injured_on > latest.date():
        raise ContractViolation("injury.injured_on is after the referral was submitted")
