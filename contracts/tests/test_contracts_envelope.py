"""The CloudEvents envelope and its Kafka binding, against the official SDK."""

import json

import pytest
from cloudevents.core.bindings import kafka as ce_kafka

from cvihub_contracts import (
    Classification,
    ContractViolation,
    from_kafka,
    new_event,
    partner_source,
    to_kafka,
)
from cvihub_contracts.catalog import EVENT_MODELS
from cvihub_contracts.examples import EXAMPLES, incident_alert, referral_submitted


def test_every_event_type_has_an_example() -> None:
    assert set(EXAMPLES) == set(EVENT_MODELS)


@pytest.mark.parametrize("model", EVENT_MODELS, ids=lambda m: f"{m.event_type}.v{m.version}")
def test_round_trip_through_kafka_binding(model: type) -> None:
    data = EXAMPLES[model]()
    event = new_event(data, source=partner_source("mercy-hospital"))

    record = to_kafka(event)
    decoded = from_kafka(record.headers, record.key, record.value)

    assert record.topic == data.topic
    assert record.key == data.partition_key().encode()
    assert decoded.data == data
    assert decoded.envelope == event.envelope


@pytest.mark.parametrize("model", EVENT_MODELS, ids=lambda m: f"{m.event_type}.v{m.version}")
def test_official_sdk_reads_what_the_hub_writes(model: type) -> None:
    data = EXAMPLES[model]()
    event = new_event(data, source=partner_source("mercy-hospital"), causation_id="cause-1")
    record = to_kafka(event)

    read = ce_kafka.from_binary_event(
        ce_kafka.KafkaMessage(headers=record.headers, key=record.key, value=record.value)
    )

    assert read.get_id() == event.envelope.id
    assert read.get_type() == data.event_type
    assert read.get_source() == "urn:cvihub:partner:mercy-hospital"
    assert read.get_specversion() == "1.0"
    assert read.get_dataschema() == data.dataschema()
    assert read.get_extension("causationid") == "cause-1"
    assert read.get_extension("partitionkey") == data.partition_key()
    assert read.get_data() == data.model_dump(mode="json", exclude_none=True)


def test_envelope_carries_the_most_sensitive_classification() -> None:
    referral = new_event(referral_submitted(), source="urn:test")
    alert = new_event(incident_alert(), source="urn:test")

    assert referral.envelope.classification is Classification.PHI
    assert alert.envelope.classification is Classification.CJI


def test_bad_payload_is_named_field_by_field() -> None:
    record = to_kafka(new_event(referral_submitted(), source="urn:test"))
    payload = json.loads(record.value)
    payload["patient"]["phone"] = "555"
    del payload["injury"]

    with pytest.raises(ContractViolation) as caught:
        from_kafka(record.headers, record.key, json.dumps(payload).encode())

    assert "patient.phone: string_pattern_mismatch" in caught.value.reason
    assert "injury: missing" in caught.value.reason
    assert "555" not in caught.value.reason, "values must not leak into reasons"


def test_unknown_type_and_garbage_are_violations() -> None:
    record = to_kafka(new_event(incident_alert(), source="urn:test"))
    unknown = {**record.headers, "ce_type": b"org.example.nope"}

    with pytest.raises(ContractViolation, match="unknown event type"):
        from_kafka(unknown, record.key, record.value)
    with pytest.raises(ContractViolation, match="data is not a JSON object"):
        from_kafka(record.headers, record.key, b"{not json")
