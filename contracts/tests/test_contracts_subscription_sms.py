"""SubscriptionChangedV1 revision 2: the sms channel, an E.164 endpoint URI, older events read."""

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from cvihub_contracts import from_kafka, new_event, service_source, to_kafka
from cvihub_contracts.compatibility import check, compatibility_of
from cvihub_contracts.registry.changes_v1 import Channel, EntityStatus, SubscriptionChangedV1
from cvihub_contracts.schemas import SCHEMAS_DIR, json_schema
from cvihub_contracts.streams import Stream

HISTORY = SCHEMAS_DIR / SubscriptionChangedV1.event_type


def _subscription(**overrides: Any) -> SubscriptionChangedV1:
    values: dict[str, Any] = {
        "sequence": 4,
        "changed_at": datetime(2030, 1, 1, tzinfo=UTC),
        "status": EntityStatus.ACTIVE,
        "subscription_id": "s-1",
        "partner_id": "safe-streets",
        "stream": Stream.INCIDENT_ALERTS,
        "url": "sms:+15551234567",
        "secret_encrypted": "",
        "channel": Channel.SMS,
    }
    values.update(overrides)
    return SubscriptionChangedV1.model_validate(values)


def test_an_sms_subscription_travels_on_the_wire_under_revision_2() -> None:
    sent = _subscription(zones=["north"])
    record = to_kafka(new_event(sent, source=service_source("registry")))

    got = from_kafka(dict(record.headers), record.key, record.value).data

    assert got == sent
    assert dict(record.headers)["ce_dataschema"].endswith(b"/v1.2.json")
    assert json.loads(record.value)["channel"] == "sms"


def test_revision_2_adds_only_the_enum_value_and_reads_every_earlier_revision() -> None:
    current = json_schema(SubscriptionChangedV1)
    assert SubscriptionChangedV1.schema_revision == 2
    assert current["$defs"]["Channel"]["enum"] == ["webhook", "email", "inbox", "sms"]
    for revision in (0, 1):
        old = json.loads((HISTORY / f"v1.{revision}.json").read_text("utf-8"))
        assert check(old, current, compatibility_of(SubscriptionChangedV1)) == []
    released = json.loads((HISTORY / "v1.1.json").read_text("utf-8"))
    assert "sms" not in released["$defs"]["Channel"]["enum"]  # the released file is untouched


@pytest.mark.parametrize(
    "url", ["sms:5551234567", "sms:+0551234567", "sms:+1555", "sms:+1 555 123 4567", "tel:+15551"]
)
def test_an_sms_endpoint_must_be_an_e164_number(url: str) -> None:
    with pytest.raises(ValidationError) as refused:
        _subscription(url=url)
    assert "sms:+<E.164 number>" in str(refused.value)


def test_other_channels_keep_their_urls_unchecked_as_before() -> None:
    assert _subscription(channel=Channel.WEBHOOK, url="https://x.example/h").url.startswith("https")
    assert _subscription(channel=Channel.EMAIL, url="mailto:ops@x.example").channel is Channel.EMAIL
