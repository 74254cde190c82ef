"""Older majors read as the newest, and newer revisions read by older code."""

import json

import pytest

from cvihub_contracts import from_kafka, new_event, to_kafka
from cvihub_contracts.alert.incident_alert_v1 import IncidentAlertV1
from cvihub_contracts.alert.incident_alert_v2 import IncidentAlertV2, Verification
from cvihub_contracts.catalog import EVENT_MODELS, latest_model
from cvihub_contracts.examples import EXAMPLES, incident_alert
from cvihub_contracts.upcasting import UPCASTERS, to_latest, upcast_payload


@pytest.mark.parametrize("pair", sorted(UPCASTERS), ids=lambda p: f"{p[0]}.v{p[1]}")
def test_every_upcaster_turns_the_old_example_into_a_valid_newer_payload(
    pair: tuple[str, int],
) -> None:
    event_type, version = pair
    old = next(m for m in EVENT_MODELS if (m.event_type, m.version) == pair)
    new = next(m for m in EVENT_MODELS if (m.event_type, m.version) == (event_type, version + 1))

    upcast = UPCASTERS[pair](EXAMPLES[old]().model_dump(mode="json"))

    assert new.model_validate(upcast).version == version + 1


def test_alert_v1_reads_as_v2_without_losing_what_it_said() -> None:
    v1 = incident_alert().model_copy(update={"victim_count": 3, "reviewed": False})

    v2 = IncidentAlertV2.model_validate(
        upcast_payload(v1.event_type, 1, v1.model_dump(mode="json"))
    )

    assert v2.verification is Verification.UNVERIFIED
    assert len(v2.victims) == 3
    assert {victim.severity.value for victim in v2.victims} == {"unknown"}
    assert v2.severity == v1.severity
    assert (v2.alert_id, v2.source_incident_id, v2.location) == (
        v1.alert_id,
        v1.source_incident_id,
        v1.location,
    )


def test_single_victim_keeps_the_reported_severity() -> None:
    v1 = incident_alert()  # one victim, serious, reviewed

    v2 = to_latest(new_event(v1, source="urn:test")).data

    assert isinstance(v2, IncidentAlertV2)
    assert [victim.severity.value for victim in v2.victims] == ["serious"]
    assert v2.verification is Verification.VERIFIED_BY_DISPATCH


def test_to_latest_keeps_the_envelope_and_points_at_the_new_schema() -> None:
    event = new_event(incident_alert(), source="urn:test", causation_id="c-1")

    latest = to_latest(event)

    assert latest.envelope.id == event.envelope.id
    assert latest.envelope.causationid == "c-1"
    assert latest.envelope.dataschema == IncidentAlertV2.dataschema()
    assert latest_model(IncidentAlertV1.event_type) is IncidentAlertV2
    assert to_latest(latest) is latest


def test_a_newer_revision_is_read_by_older_code_without_its_new_fields() -> None:
    record = to_kafka(new_event(incident_alert(), source="urn:test"))
    payload = json.loads(record.value)
    payload["location"]["landmark"] = "near the park"  # a field a later v1 revision might add
    payload["dispatch_priority"] = 2
    headers = {
        **record.headers,
        "ce_dataschema": IncidentAlertV1.dataschema().replace("v1.0", "v1.3").encode(),
    }

    event = from_kafka(headers, record.key, json.dumps(payload).encode())

    assert event.data == incident_alert()


def test_unknown_fields_in_the_same_revision_are_still_refused() -> None:
    record = to_kafka(new_event(incident_alert(), source="urn:test"))
    payload = json.loads(record.value)
    payload["dispatch_priority"] = 2

    with pytest.raises(ValueError, match="dispatch_priority: extra_forbidden"):
        from_kafka(record.headers, record.key, json.dumps(payload).encode())
