"""GrantChangedV1 revision 1: the grant's terms, readable from revision 0 events."""

import json
from datetime import UTC, datetime
from pathlib import Path

from cvihub_contracts import Classification, from_kafka, new_event, service_source, to_kafka
from cvihub_contracts.compatibility import check, compatibility_of, gate
from cvihub_contracts.registry.changes_v1 import EntityStatus, GrantChangedV1
from cvihub_contracts.schemas import SCHEMAS_DIR, json_schema
from cvihub_contracts.streams import GrantAction, Stream

V1_0 = SCHEMAS_DIR / GrantChangedV1.event_type / "v1.0.json"


def _grant(**overrides: object) -> GrantChangedV1:
    values: dict[str, object] = {
        "sequence": 3,
        "changed_at": datetime(2030, 1, 1, tzinfo=UTC),
        "status": EntityStatus.ACTIVE,
        "grant_id": "g-1",
        "partner_id": "safe-streets",
        "stream": Stream.INCIDENT_ALERTS,
        "action": GrantAction.SUBSCRIBE,
    }
    values.update(overrides)
    return GrantChangedV1.model_validate(values)


def test_revision_1_reads_a_revision_0_event_with_default_terms() -> None:
    record = to_kafka(new_event(_grant(), source=service_source("registry")))
    headers = dict(record.headers)
    headers["ce_dataschema"] = GrantChangedV1.dataschema().replace("v1.1", "v1.0").encode()

    data = from_kafka(headers, record.key, record.value).data

    assert isinstance(data, GrantChangedV1)
    assert headers["ce_dataschema"].endswith(b"v1.0.json")
    assert (data.zones, data.field_view, data.addressed_only) == (None, None, True)
    assert (data.starts_at, data.expires_at, data.purpose) == (None, None, None)


def test_terms_travel_on_the_wire() -> None:
    sent = _grant(
        zones=["north", "east"],
        field_view=[Classification.PUBLIC, Classification.INTERNAL],
        expires_at=datetime(2031, 1, 1, tzinfo=UTC),
        agreement_ref="DSA-2030-07",
    )
    record = to_kafka(new_event(sent, source=service_source("registry")))

    got = from_kafka(dict(record.headers), record.key, record.value).data

    assert got == sent
    assert json.loads(record.value)["zones"] == ["north", "east"]


def test_revision_1_is_backward_compatible_with_revision_0_and_the_gate_passes() -> None:
    old = json.loads(Path(V1_0).read_text("utf-8"))

    assert GrantChangedV1.schema_revision == 1
    assert check(old, json_schema(GrantChangedV1), compatibility_of(GrantChangedV1)) == []
    assert gate() == []
