"""Prometheus counters of the notifications service."""

from prometheus_client import Counter, Histogram

ATTEMPTS = Counter(
    "cvihub_notifications_delivery_attempts_total",
    "Webhook delivery attempts by outcome.",
    ["outcome"],
)
LATENCY = Histogram(
    "cvihub_notifications_delivery_latency_seconds",
    "From the event's time to its successful delivery.",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600, 21600),
)
REFUSED = Counter(
    "cvihub_notifications_deliveries_refused_total",
    "Partners an event was not delivered to, by reason (audited unless a routing fact).",
    ["reason"],
)
