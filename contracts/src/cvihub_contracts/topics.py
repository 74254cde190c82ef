"""Kafka topic names: the only place they are spelled."""

from typing import Final

REFERRALS: Final = "cvihub.referrals.v1"
INCIDENT_ALERTS: Final = "cvihub.incident-alerts.v1"
BULLETINS: Final = "cvihub.bulletins.v1"
REGISTRY: Final = "cvihub.registry.v1"
DEAD_LETTERS: Final = "cvihub.dead-letters.v1"
AUDIT: Final = "cvihub.audit.v1"

ALL: Final = (REFERRALS, INCIDENT_ALERTS, BULLETINS, REGISTRY, DEAD_LETTERS, AUDIT)
