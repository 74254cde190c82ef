"""Kafka ACLs for partners that use Kafka directly, computed from grants and synced."""
