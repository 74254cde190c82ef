"""Every event type and version the hub knows, looked up by type name and version."""

import re
from dataclasses import dataclass

from cvihub_contracts import topics
from cvihub_contracts.alert.incident_alert_v1 import IncidentAlertV1
from cvihub_contracts.alert.incident_alert_v2 import IncidentAlertV2
from cvihub_contracts.audit.access_refused_v1 import AccessRefusedV1
from cvihub_contracts.base import SCHEMA_BASE_URI, EventData
from cvihub_contracts.bulletin.published_v1 import BulletinPublishedV1
from cvihub_contracts.referral.status_changed_v1 import ReferralStatusChangedV1
from cvihub_contracts.referral.submitted_v1 import ReferralSubmittedV1
from cvihub_contracts.registry.changes_v1 import (
    CredentialChangedV1,
    GrantChangedV1,
    PartnerChangedV1,
    SubscriptionChangedV1,
)
from cvihub_contracts.registry.consent_v1 import ConsentChangedV1
from cvihub_contracts.registry.directory_v1 import DirectoryChangedV1
from cvihub_contracts.streams import Stream

EVENT_MODELS: tuple[type[EventData], ...] = (
    ReferralSubmittedV1,
    ReferralStatusChangedV1,
    IncidentAlertV1,
    IncidentAlertV2,
    BulletinPublishedV1,
    PartnerChangedV1,
    CredentialChangedV1,
    GrantChangedV1,
    SubscriptionChangedV1,
    ConsentChangedV1,
    DirectoryChangedV1,
    AccessRefusedV1,
)

_BY_TYPE_VERSION: dict[tuple[str, int], type[EventData]] = {
    (model.event_type, model.version): model for model in EVENT_MODELS
}
_DATASCHEMA = re.compile(
    re.escape(SCHEMA_BASE_URI) + r"/(?P<type>[a-z0-9.-]+)/v(?P<major>\d+)\.(?P<revision>\d+)\.json"
)


@dataclass(frozen=True)
class SchemaRef:
    """What a dataschema URI names: a type, its major version and the revision within it."""

    event_type: str
    version: int
    revision: int


def parse_dataschema(dataschema: str) -> SchemaRef | None:
    """Read type, major and revision from one of the hub's dataschema URIs."""
    match = _DATASCHEMA.fullmatch(dataschema)
    if match is None:
        return None
    return SchemaRef(match["type"], int(match["major"]), int(match["revision"]))


def model_for(*, event_type: str, dataschema: str | None) -> type[EventData] | None:
    """The payload model for a type and schema URI (any revision of a known major), or None."""
    if dataschema is None:
        return None
    ref = parse_dataschema(dataschema)
    if ref is None or ref.event_type != event_type:
        return None
    return _BY_TYPE_VERSION.get((event_type, ref.version))


STREAM_TOPICS: dict[Stream, str] = {
    Stream.REFERRALS: topics.REFERRALS,
    Stream.INCIDENT_ALERTS: topics.INCIDENT_ALERTS,
    Stream.BULLETINS: topics.BULLETINS,
}
"""The topic each grantable stream travels on."""


def stream_event_types(stream: Stream) -> frozenset[str]:
    """The event types a stream carries (what a subscription's event-type filter may name)."""
    return frozenset(m.event_type for m in EVENT_MODELS if m.topic == STREAM_TOPICS[stream])


def latest_model(event_type: str) -> type[EventData]:
    """The newest major version of a type: what consumers that ask for "the latest" get."""
    versions = [m for (t, _), m in _BY_TYPE_VERSION.items() if t == event_type]
    if not versions:
        raise KeyError(event_type)
    return max(versions, key=lambda model: model.version)
