"""Kafka subscribers of notifications: the topics it consumes; each record goes to the
idempotent EventConsumer."""

from cvihub_contracts import topics

TOPICS = (topics.REGISTRY, topics.REFERRALS, topics.INCIDENT_ALERTS, topics.BULLETINS)
"""The registry copy's changes and the events to deliver."""
