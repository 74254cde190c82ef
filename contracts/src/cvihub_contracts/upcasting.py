"""Upcasting: read any known major version of a type as its newest one.

Each upcaster is a pure function from one major's payload (JSON) to the next major's, kept beside
the newer schema. A consumer that handles only the newest version calls `to_latest`.
"""

from collections.abc import Callable
from typing import Any

from cvihub_contracts.alert import incident_alert_v2
from cvihub_contracts.base import EventData
from cvihub_contracts.catalog import EVENT_MODELS, latest_model
from cvihub_contracts.envelope import Event
from cvihub_contracts.timestamps import ACCEPTED_EVENT

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]

UPCASTERS: dict[tuple[str, int], Upcaster] = {
    (incident_alert_v2.EVENT_TYPE, 1): incident_alert_v2.upcast_from_v1,
}
"""(event type, from major) -> the function to the next major."""


def upcast_payload(event_type: str, version: int, payload: dict[str, Any]) -> dict[str, Any]:
    """A payload of `version` as the newest major of its type."""
    newest = latest_model(event_type).version
    while version < newest:
        payload = UPCASTERS[(event_type, version)](payload)
        version += 1
    return payload


def to_latest(event: Event[Any]) -> Event[EventData]:
    """The event as the newest major of its type; the id and the rest of the envelope stay."""
    data = event.data
    latest = latest_model(data.event_type)
    if type(data) is latest:
        return event
    payload = upcast_payload(data.event_type, data.version, data.model_dump(mode="json"))
    envelope = event.envelope.model_copy(
        update={
            "dataschema": latest.dataschema(),
            "classification": latest.highest_classification(),
        }
    )
    # An accepted event, upcast: not held to this host's clock (timestamps.ACCEPTED_EVENT).
    return Event(envelope=envelope, data=latest.model_validate(payload, context=ACCEPTED_EVENT))


def _check_chains() -> None:
    """Every older major of every type has a path to the newest one."""
    for model in EVENT_MODELS:
        for version in range(model.version, latest_model(model.event_type).version):
            if (model.event_type, version) not in UPCASTERS:
                raise RuntimeError(f"no upcaster for {model.event_type} v{version}")


_check_chains()
