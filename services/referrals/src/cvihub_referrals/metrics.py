"""Prometheus counters of the referrals service."""

from prometheus_client import Counter

REFERRALS_RECORDED = Counter(
    "cvihub_referrals_recorded_total", "Referrals stored from submitted events."
)
STATUS_CHANGES = Counter(
    "cvihub_referrals_status_changes_total",
    "Referral status changes committed.",
    ["from_status", "to_status"],
)
ACTIVITIES = Counter(
    "cvihub_referrals_activities_total",
    "Contact attempts, services delivered and case notes recorded.",
    ["kind"],
)
