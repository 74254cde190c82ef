"""Refusal audit records: the flood guard's windows, the key parsing and the event payload."""

import itertools
from datetime import UTC, datetime, timedelta

from cvihub_contracts import from_kafka, topics
from cvihub_contracts.audit.access_refused_v1 import AccessRefusedV1
from cvihub_registry_copy.principals import credential_id_of
from cvihub_registry_copy.refusals import Refusal, RefusalAggregator, refusal_record

T0 = datetime(2026, 11, 1, 22, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=1)


def anonymous(
    seconds: float, *, credential_id: str | None = None, reason: str = "unknown key"
) -> Refusal:
    return Refusal(
        action="POST /v1/referrals",
        reason=reason,
        decided_at=T0 + timedelta(seconds=seconds),
        credential_id=credential_id,
        status_code=401,
    )


def test_the_first_refusal_is_stored_at_once_and_repeats_are_counted() -> None:
    aggregator = RefusalAggregator(window=WINDOW)

    first = aggregator.add(anonymous(0))
    repeats = [aggregator.add(anonymous(s)) for s in (1, 2, 30)]
    after_window = aggregator.add(anonymous(61))

    assert first == [anonymous(0)]
    assert repeats == [[], [], []]
    # The window's repeats in one entry; the refusal that closed it waits in the next window.
    [summary] = after_window
    assert summary.count == 3
    assert summary.first_decided_at == T0 + timedelta(seconds=1)
    assert summary.decided_at == T0 + timedelta(seconds=30)
    [rest] = aggregator.drain()
    assert rest.count == 1
    assert rest.decided_at == T0 + timedelta(seconds=61)


def test_at_most_one_entry_per_window_per_key() -> None:
    aggregator = RefusalAggregator(window=WINDOW)

    stored = [r for second in range(0, 300, 2) for r in aggregator.add(anonymous(second))]
    stored += aggregator.drain()

    assert sum(r.count for r in stored) == 150
    times = sorted(r.decided_at for r in stored)
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert len(stored) <= 6
    # Drained at shutdown is the only entry allowed closer to the one before.
    assert all(gap >= WINDOW - timedelta(seconds=2) for gap in gaps[:-1])


def test_keys_are_counted_apart_and_a_quiet_window_closes_empty() -> None:
    aggregator = RefusalAggregator(window=WINDOW)

    a = aggregator.add(anonymous(0, credential_id="aaaa1111"))
    b = aggregator.add(anonymous(1, credential_id="bbbb2222"))
    missing = aggregator.add(anonymous(2, reason="missing key"))
    quiet = aggregator.expired(T0 + timedelta(minutes=5))
    again = aggregator.add(anonymous(400, credential_id="aaaa1111"))

    assert [len(a), len(b), len(missing)] == [1, 1, 1]
    assert quiet == []
    assert again == [anonymous(400, credential_id="aaaa1111")]


def test_random_key_ids_beyond_the_cap_share_one_window() -> None:
    aggregator = RefusalAggregator(window=WINDOW, max_keys=3)

    stored = [
        r for n in range(50) for r in aggregator.add(anonymous(n / 10, credential_id=f"id{n:04d}"))
    ]
    stored += aggregator.drain()

    assert len(stored) == 4 + 1  # three own windows + the first "unknown" + its counted repeats
    assert sum(r.count for r in stored) == 50
    # The counted repeats came with different ids: none is named.
    assert stored[-1].credential_id is None


def test_credential_id_is_read_from_a_well_formed_key_only() -> None:
    assert credential_id_of("cvh_de0000000003_abcdefghijklmnop0123") == "de0000000003"
    assert credential_id_of("cvh_de0000000003_short") is None
    assert credential_id_of("Bearer something") is None
    assert credential_id_of(None) is None


def test_a_refusal_record_round_trips_through_the_contract() -> None:
    refusal = Refusal(
        action="GET /v1/referrals/{referral_id}",
        reason="not a party to this referral",
        decided_at=T0,
        partner_id="mercy-hospital",
        credential_id="de0000000001",
        resource="6f1f2c1e-8d3b-4c55-9a57-0c1d3e0f4a11",
        status_code=404,
    )

    record = refusal_record(service="referrals", refusal=refusal)
    event = from_kafka(record.headers, record.key, record.value)

    assert record.topic == topics.AUDIT
    assert record.key == b"mercy-hospital"
    assert isinstance(event.data, AccessRefusedV1)
    assert event.data.partner_id == "mercy-hospital"
    assert event.data.reason == "not a party to this referral"
    assert event.data.count == 1 and event.data.first_decided_at is None
    assert event.envelope.source == "urn:cvihub:service:referrals"
    anonymous_record = refusal_record(service="intake", refusal=anonymous(0))
    assert anonymous_record.key == b"anonymous"
