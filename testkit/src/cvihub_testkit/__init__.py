"""The hub's test kit: a real broker, real databases and raw dumps of them, generated data key
rings, waiting with deadlines, a real SMTP server and the cross-partner matrix checks. A dev-only
package: no service imports it at run time."""

from cvihub_testkit.apps import running
from cvihub_testkit.broker import broker_for_tests, consume_until, consumer_tuning, produce
from cvihub_testkit.databases import TestDatabase, databases_for_tests, test_database_kind
from cvihub_testkit.dumps import dump_database, plaintext_in
from cvihub_testkit.keys import data_keys_env, test_key_ring
from cvihub_testkit.waiting import eventually

__all__ = [
    "TestDatabase",
    "broker_for_tests",
    "consume_until",
    "consumer_tuning",
    "data_keys_env",
    "databases_for_tests",
    "dump_database",
    "eventually",
    "plaintext_in",
    "produce",
    "running",
    "test_database_kind",
    "test_key_ring",
]
