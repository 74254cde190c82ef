"""Every event type and version the hub knows, looked up by type name and version."""

from cvihub_contracts.alert.incident_alert_v1 import IncidentAlertV1
from cvihub_contracts.base import EventData
from cvihub_contracts.referral.status_changed_v1 import ReferralStatusChangedV1
from cvihub_contracts.referral.submitted_v1 import ReferralSubmittedV1
from cvihub_contracts.registry.changes_v1 import (
    CredentialChangedV1,
    GrantChangedV1,
    PartnerChangedV1,
    SubscriptionChangedV1,
)

EVENT_MODELS: tuple[type[EventData], ...] = (
    ReferralSubmittedV1,
    ReferralStatusChangedV1,
    IncidentAlertV1,
    PartnerChangedV1,
    CredentialChangedV1,
    GrantChangedV1,
    SubscriptionChangedV1,
)

_BY_SCHEMA: dict[str, type[EventData]] = {model.dataschema(): model for model in EVENT_MODELS}
_BY_TYPE_VERSION: dict[tuple[str, int], type[EventData]] = {
    (model.event_type, model.version): model for model in EVENT_MODELS
}


def model_for(*, event_type: str, dataschema: str | None) -> type[EventData] | None:
    """The payload model for a type and schema URI, or None when the hub does not know it."""
    if dataschema is not None:
        model = _BY_SCHEMA.get(dataschema)
        return model if model is not None and model.event_type == event_type else None
    versions = [m for (t, _), m in _BY_TYPE_VERSION.items() if t == event_type]
    return versions[0] if len(versions) == 1 else None
