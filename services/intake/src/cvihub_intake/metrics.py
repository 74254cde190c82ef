"""Prometheus counters of accepted and refused submissions."""

from prometheus_client import Counter

ACCEPTED = Counter(
    "cvihub_intake_submissions_accepted_total", "Submissions accepted by intake.", ["kind"]
)
REFUSED = Counter(
    "cvihub_intake_submissions_refused_total",
    "Submissions refused by intake, by reason (the problem kind).",
    ["kind", "reason"],
)
