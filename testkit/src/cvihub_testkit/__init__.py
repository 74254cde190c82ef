"""The hub's test kit: a real broker, real databases, waiting with deadlines, a real SMTP server
and the cross-partner matrix checks. A dev-only package: no service imports it at run time."""

from cvihub_testkit.apps import running
from cvihub_testkit.broker import broker_for_tests, consume_until, consumer_tuning, produce
from cvihub_testkit.databases import TestDatabase, databases_for_tests, test_database_kind
from cvihub_testkit.waiting import eventually

__all__ = [
    "TestDatabase",
    "broker_for_tests",
    "consume_until",
    "consumer_tuning",
    "databases_for_tests",
    "eventually",
    "produce",
    "running",
    "test_database_kind",
]
