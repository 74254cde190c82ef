"""Invalid payloads per event type and version, each with the exact errors a publisher gets.

Each is a valid example from `examples.py` with one mutation; `errors` lists what validating it
with the model reports, as `{pointer, code}` (pointer into the payload, e.g. `#/patient/phone`;
code = pydantic's error type). The same pointers and codes come back from the hub's intake API
in a problem+json `errors` list, and from `cvihub contracts validate`.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from cvihub_contracts.alert.incident_alert_v1 import IncidentAlertV1
from cvihub_contracts.alert.incident_alert_v2 import IncidentAlertV2
from cvihub_contracts.audit.access_refused_v1 import AccessRefusedV1
from cvihub_contracts.base import EventData
from cvihub_contracts.bulletin.published_v1 import BulletinPublishedV1
from cvihub_contracts.examples import EXAMPLES
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


@dataclass(frozen=True)
class PayloadError:
    """One reason a payload is invalid; never carries the offending value (it may be PHI)."""

    pointer: str
    code: str
    message: str


def pointer_of(location: Sequence[int | str]) -> str:
    """The JSON pointer (`#/a/0/b`) of a pydantic error location; `#` for the whole payload."""
    parts = [str(p).replace("~", "~0").replace("/", "~1") for p in location]
    return "#/" + "/".join(parts) if parts else "#"


def payload_errors(model: type[BaseModel], payload: Any) -> list[PayloadError]:
    """Validate a JSON payload with a model; each error by pointer, code and message."""
    try:
        model.model_validate(payload)
    except ValidationError as exc:
        return [
            PayloadError(pointer_of(err["loc"]), err["type"], err["msg"])
            for err in exc.errors(include_url=False, include_input=False)
        ]
    return []


@dataclass(frozen=True)
class InvalidExample:
    """A payload publishers must not send, and the errors the hub answers with."""

    model: type[EventData]
    name: str
    payload: dict[str, Any]
    errors: list[dict[str, str]]


_DROP = object()


def _invalid(
    model: type[EventData], name: str, changes: dict[str, Any], errors: list[tuple[str, str]]
) -> InvalidExample:
    """The model's valid example with each change (`/a/b`: new value, or _DROP) applied."""
    payload = EXAMPLES[model]().model_dump(mode="json", exclude_none=True)
    for path, value in changes.items():
        *parents, leaf = path.strip("/").split("/")
        node = payload
        for part in parents:
            node = node[part]
        if value is _DROP:
            del node[leaf]
        else:
            node[leaf] = value
    return InvalidExample(
        model=model,
        name=name,
        payload=payload,
        errors=[{"pointer": pointer, "code": code} for pointer, code in errors],
    )


INVALID_EXAMPLES: dict[type[EventData], list[InvalidExample]] = {
    DirectoryChangedV1: [
        _invalid(
            DirectoryChangedV1,
            "no partner, services not a list",
            {"/partner_id": _DROP, "/services": "mentoring"},
            [("#/partner_id", "missing"), ("#/services", "list_type")],
        ),
        _invalid(
            DirectoryChangedV1,
            "sequence zero, a field the contract does not have",
            {"/sequence": 0, "/phone": "+13125550100"},
            [("#/sequence", "greater_than_equal"), ("#/phone", "extra_forbidden")],
        ),
    ],
    ReferralSubmittedV1: [
        _invalid(
            ReferralSubmittedV1,
            "phone not in E.164",
            {"/patient/phone": "312-555-0143"},
            [("#/patient/phone", "string_pattern_mismatch")],
        ),
        _invalid(
            ReferralSubmittedV1,
            "consent covers no organisation, and no injury mechanism",
            {"/consent/recipient_partner_ids": [], "/injury/mechanism": _DROP},
            [("#/injury/mechanism", "missing"), ("#/consent/recipient_partner_ids", "too_short")],
        ),
        _invalid(
            ReferralSubmittedV1,
            "a field the contract does not have",
            {"/patient/ssn": "000-00-0000"},
            [("#/patient/ssn", "extra_forbidden")],
        ),
    ],
    ReferralStatusChangedV1: [
        _invalid(
            ReferralStatusChangedV1,
            "status outside the Gravity Task states",
            {"/status": "approved"},
            [("#/status", "enum")],
        ),
        _invalid(
            ReferralStatusChangedV1,
            "referral id not a UUID, note too long",
            {"/referral_id": "R-1", "/note": "x" * 2001},
            [("#/referral_id", "uuid_parsing"), ("#/note", "string_too_long")],
        ),
    ],
    IncidentAlertV1: [
        _invalid(
            IncidentAlertV1,
            "no location at all",
            {"/location": {}},
            [("#/location", "value_error")],
        ),
        _invalid(
            IncidentAlertV1,
            "latitude out of range, revision 0",
            {"/location/latitude": 91.0, "/location/longitude": -87.6, "/revision": 0},
            [("#/revision", "greater_than_equal"), ("#/location/latitude", "less_than_equal")],
        ),
        _invalid(
            IncidentAlertV1,
            "occurred_at not a date-time",
            {"/occurred_at": "last night"},
            [("#/occurred_at", "datetime_from_date_parsing")],
        ),
    ],
    IncidentAlertV2: [
        _invalid(
            IncidentAlertV2,
            "version-1 fields sent to version 2",
            {"/reviewed": True, "/verification": _DROP},
            [("#/verification", "missing"), ("#/reviewed", "extra_forbidden")],
        ),
        _invalid(
            IncidentAlertV2,
            "a victim with an exact age and an unknown severity",
            {"/victims": [{"severity": "grave", "age": 17}]},
            [("#/victims/0/severity", "enum"), ("#/victims/0/age", "extra_forbidden")],
        ),
    ],
    BulletinPublishedV1: [
        _invalid(
            BulletinPublishedV1,
            "an event without a start",
            {"/starts_at": _DROP},
            [("#", "value_error")],
        ),
        _invalid(
            BulletinPublishedV1,
            "empty title, link not http(s)",
            {"/title": "", "/url": "ftp://files.example/flyer.pdf"},
            [("#/title", "string_too_short"), ("#/url", "string_pattern_mismatch")],
        ),
    ],
    PartnerChangedV1: [
        _invalid(
            PartnerChangedV1,
            "unknown partner kind",
            {"/kind": "bank"},
            [("#/kind", "enum")],
        ),
        _invalid(
            PartnerChangedV1,
            "sequence 0, no name",
            {"/sequence": 0, "/name": _DROP},
            [("#/sequence", "greater_than_equal"), ("#/name", "missing")],
        ),
        _invalid(
            PartnerChangedV1,
            "service area ring not closed, a latitude beyond 90",
            {
                "/service_area/coordinates": [
                    [[-87.74, 41.88], [-87.68, 41.88], [-87.68, 41.92], [-87.74, 41.92]],
                    [[-87.72, 91.0], [-87.70, 41.89], [-87.70, 41.90], [-87.72, 91.0]],
                ]
            },
            [
                ("#/service_area/coordinates/0", "ring_not_closed"),
                ("#/service_area/coordinates/1/0/1", "less_than_equal"),
                ("#/service_area/coordinates/1/3/1", "less_than_equal"),
            ],
        ),
    ],
    CredentialChangedV1: [
        _invalid(
            CredentialChangedV1,
            "key hash in upper case",
            {"/key_sha256": "A" * 64},
            [("#/key_sha256", "string_pattern_mismatch")],
        ),
        _invalid(
            CredentialChangedV1,
            "the raw key instead of its hash",
            {"/api_key": "cvh_de0000000003_secret", "/key_sha256": _DROP},
            [("#/key_sha256", "missing"), ("#/api_key", "extra_forbidden")],
        ),
    ],
    GrantChangedV1: [
        _invalid(
            GrantChangedV1,
            "unknown stream",
            {"/stream": "payments"},
            [("#/stream", "enum")],
        ),
        _invalid(
            GrantChangedV1,
            "unknown action and status",
            {"/action": "admin", "/status": "deleted"},
            [("#/status", "enum"), ("#/action", "enum")],
        ),
    ],
    SubscriptionChangedV1: [
        _invalid(
            SubscriptionChangedV1,
            "no webhook URL",
            {"/url": _DROP},
            [("#/url", "missing")],
        ),
        _invalid(
            SubscriptionChangedV1,
            "changed_at not a date-time, sequence a string",
            {"/changed_at": "yesterday", "/sequence": "seven"},
            [("#/sequence", "int_parsing"), ("#/changed_at", "datetime_from_date_parsing")],
        ),
        _invalid(
            SubscriptionChangedV1,
            "a channel the hub does not deliver (fax)",
            {"/channel": "fax"},
            [("#/channel", "enum")],
        ),
        _invalid(
            SubscriptionChangedV1,
            "an SMS endpoint that is not an E.164 number",
            {"/channel": "sms", "/url": "sms:555-0100", "/secret_encrypted": ""},
            [("#", "value_error")],
        ),
    ],
    ConsentChangedV1: [
        _invalid(
            ConsentChangedV1,
            "unknown scope word, no recipients",
            {"/scope": ["everything"], "/recipient_partner_ids": []},
            [("#/recipient_partner_ids", "too_short"), ("#/scope/0", "enum")],
        ),
        _invalid(
            ConsentChangedV1,
            "patient named in the record",
            {"/patient_name": "Jordan Example", "/purpose": _DROP},
            [("#/purpose", "missing"), ("#/patient_name", "extra_forbidden")],
        ),
    ],
    AccessRefusedV1: [
        _invalid(
            AccessRefusedV1,
            "the whole API key instead of its public id",
            {"/credential_id": "cvh_de0000000001_s3cr3t-s3cr3t-s3cr3t"},
            [("#/credential_id", "string_pattern_mismatch")],
        ),
        _invalid(
            AccessRefusedV1,
            "a count of zero, no reason",
            {"/count": 0, "/reason": _DROP},
            [("#/reason", "missing"), ("#/count", "greater_than_equal")],
        ),
    ],
}
