"""The R4 Subscriptions Backport's resources: a Subscription read and checked, and the
Subscription, its status (a Parameters) and a notification (a history Bundle) written back.

Only what the hub sends is accepted: channel rest-hook, payload application/fhir+json with
content id-only, the hub's topic for Task changes (or an R4 `Task?` criteria, read as that
topic with a filter), filters on `owner` and `requester`."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from pydantic import ValidationError

from cvihub_contracts.fhir.codes import FHIR_BASE, PARTNER_ID_SYSTEM
from cvihub_intake.fhir.outcome import FhirRefusal, Issue, fhirpath_of

BACKPORT = "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition"
SUBSCRIPTION_PROFILE = f"{BACKPORT}/backport-subscription"
STATUS_PROFILE = f"{BACKPORT}/backport-subscription-status-r4"
NOTIFICATION_PROFILE = f"{BACKPORT}/backport-subscription-notification-r4"
FILTER_CRITERIA = f"{BACKPORT}/backport-filter-criteria"
PAYLOAD_CONTENT = f"{BACKPORT}/backport-payload-content"
TOPIC_CANONICAL = "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/capabilitystatement-subscriptiontopic-canonical"
TASK_TOPIC = f"{FHIR_BASE}/SubscriptionTopic/task-changed"
"""The hub's topic: a Task you sent or received changed status or got a Task.output."""
FHIR_JSON = "application/fhir+json"
_FILTERS = {"owner": "owner_filter", "requester": "requester_filter"}


@dataclass(frozen=True)
class NewSubscription:
    """What a posted Subscription asks for, checked."""

    reason: str
    endpoint: str
    end: datetime | None
    owner_filter: str | None
    requester_filter: str | None


def _extension(element: Any, url: str) -> Any:
    for extension in (element or {}).get("extension", []) if isinstance(element, dict) else []:
        if isinstance(extension, dict) and extension.get("url") == url:
            return next((v for k, v in extension.items() if k.startswith("value")), None)
    return None


def _partner_of(value: str) -> str:
    value = value.split("identifier=", 1)[1] if "identifier=" in value else value
    return value.removeprefix(f"{PARTNER_ID_SYSTEM}|").removeprefix("Organization/")


def _filters(query: str, where: str) -> dict[str, str]:
    resource, _, params = query.partition("?")
    if resource != "Task":
        raise FhirRefusal(422, [Issue("not-supported", "filters apply to Task only", where)])
    found: dict[str, str] = {}
    for name, value in parse_qsl(params, keep_blank_values=True):
        if name not in _FILTERS or not value or name in found:
            detail = "filter on owner and requester only, each once (owner=Organization/<id>)"
            raise FhirRefusal(422, [Issue("not-supported", detail, where)])
        found[name] = _partner_of(value)[:64]
    return found


def parse_subscription(body: Any) -> NewSubscription:
    """The body as a backport Subscription the hub can serve; FhirRefusal naming each problem."""
    if not isinstance(body, dict) or body.get("resourceType") != "Subscription":
        raise FhirRefusal(
            400, [Issue("structure", "the body is not a Subscription", "Subscription")]
        )
    from fhir.resources.R4B.subscription import Subscription

    try:
        subscription = Subscription.model_validate(body)
    except ValidationError as exc:
        structural = [
            Issue("structure", err["msg"], fhirpath_of("Subscription", tuple(err["loc"])))
            for err in exc.errors()
        ]
        raise FhirRefusal(400, structural) from None
    issues: list[Issue] = []
    channel = subscription.channel
    if channel.type != "rest-hook":
        issues.append(
            Issue("not-supported", "channel.type: rest-hook only", "Subscription.channel.type")
        )
    if not channel.endpoint:
        issues.append(
            Issue("required", "give the endpoint to POST to", "Subscription.channel.endpoint")
        )
    if channel.payload not in (None, FHIR_JSON):
        issues.append(
            Issue("not-supported", f"channel.payload: {FHIR_JSON}", "Subscription.channel.payload")
        )
    raw_channel = body.get("channel", {})
    content = _extension(raw_channel.get("_payload"), PAYLOAD_CONTENT) or "id-only"
    if content != "id-only":
        issues.append(
            Issue("not-supported", "payload content: id-only", "Subscription.channel.payload")
        )
    if channel.header:
        # Hub-held secrets for someone else's endpoint are not kept (yet): put a capability
        # in the endpoint's path instead.
        issues.append(
            Issue("not-supported", "channel.header is not kept", "Subscription.channel.header")
        )
    if subscription.status not in ("requested", "active"):
        issues.append(Issue("value", "status: requested (or active)", "Subscription.status"))
    filters: dict[str, str] = {}
    criteria = subscription.criteria or ""
    try:
        if criteria.startswith("Task?") or criteria == "Task":
            filters = _filters(criteria, "Subscription.criteria")
        elif criteria != TASK_TOPIC:
            detail = f"criteria: the topic {TASK_TOPIC} (or a Task? query)"
            issues.append(Issue("not-supported", detail, "Subscription.criteria"))
        else:
            extra = _extension(body.get("_criteria"), FILTER_CRITERIA)
            if extra:
                filters = _filters(str(extra), "Subscription.criteria.extension")
    except FhirRefusal as refusal:
        issues.extend(refusal.issues)
    if issues:
        raise FhirRefusal(422, issues)
    end = subscription.end
    return NewSubscription(
        reason=(subscription.reason or "")[:200],
        endpoint=str(channel.endpoint),
        end=end if isinstance(end, datetime) else None,
        owner_filter=filters.get("owner"),
        requester_filter=filters.get("requester"),
    )


def _reference(base: str | None, path: str) -> str:
    return f"{base.rstrip('/')}/{path}" if base else path


def status_of(row: Mapping[Any, Any]) -> str:
    """The Subscription's status: off once its end has passed (it is notified no more)."""
    end = row["end"]
    return "off" if end is not None and end <= datetime.now(UTC) else str(row["status"])


def subscription_resource(row: Mapping[Any, Any]) -> dict[str, Any]:
    """A stored Subscription as an R4 backport Subscription (JSON)."""
    filters = "&".join(
        f"{name}=Organization/{row[column]}" for name, column in _FILTERS.items() if row[column]
    )
    resource: dict[str, Any] = {
        "resourceType": "Subscription",
        "id": row["subscription_id"],
        "meta": {"profile": [SUBSCRIPTION_PROFILE]},
        "status": status_of(row),
        "reason": row["reason"],
        "criteria": TASK_TOPIC,
        "channel": {
            "type": "rest-hook",
            "endpoint": row["endpoint"],
            "payload": FHIR_JSON,
            "_payload": {"extension": [{"url": PAYLOAD_CONTENT, "valueCode": "id-only"}]},
        },
    }
    if filters:
        resource["_criteria"] = {
            "extension": [{"url": FILTER_CRITERIA, "valueString": f"Task?{filters}"}]
        }
    if row["end"] is not None:
        resource["end"] = row["end"].isoformat()
    if row["error"]:
        resource["error"] = row["error"]
    return resource


def status_parameters(
    row: Mapping[Any, Any],
    *,
    base: str | None,
    kind: str,
    event: tuple[int, datetime, str] | None = None,
) -> dict[str, Any]:
    """The subscription's status (a backport Parameters), with one notification event or none."""
    parameters: list[dict[str, Any]] = [
        {
            "name": "subscription",
            "valueReference": {
                "reference": _reference(base, f"Subscription/{row['subscription_id']}")
            },
        },
        {"name": "topic", "valueCanonical": TASK_TOPIC},
        {"name": "status", "valueCode": status_of(row)},
        {"name": "type", "valueCode": kind},
        # R4 has no 64-bit integer: the backport carries these counters as strings.
        {"name": "events-since-subscription-start", "valueString": str(row["events_since_start"])},
    ]
    if event is not None:
        number, at, task_id = event
        parameters.append(
            {
                "name": "notification-event",
                "part": [
                    {"name": "event-number", "valueString": str(number)},
                    {"name": "timestamp", "valueInstant": at.isoformat()},
                    {
                        "name": "focus",
                        "valueReference": {"reference": _reference(base, f"Task/{task_id}")},
                    },
                ],
            }
        )
    if row["error"]:
        parameters.append({"name": "error", "valueCodeableConcept": {"text": row["error"]}})
    return {
        "resourceType": "Parameters",
        "meta": {"profile": [STATUS_PROFILE]},
        "parameter": parameters,
    }


def notification_bundle(
    subscription: Mapping[Any, Any],
    *,
    notification_id: str,
    base: str | None,
    event: tuple[int, datetime, str],
    now: datetime,
) -> dict[str, Any]:
    """An id-only notification: a history Bundle, the status first, then the Task's id only."""
    status = status_parameters(subscription, base=base, kind="event-notification", event=event)
    status["id"] = notification_id
    task_id = event[2]
    status_url = _reference(base, f"Subscription/{subscription['subscription_id']}/$status")
    return {
        "resourceType": "Bundle",
        "id": notification_id,
        "meta": {"profile": [NOTIFICATION_PROFILE]},
        "type": "history",
        "timestamp": now.isoformat(),
        "entry": [
            {
                "fullUrl": f"urn:uuid:{notification_id}",
                "resource": status,
                "request": {"method": "GET", "url": status_url},
                "response": {"status": "200"},
            },
            # id-only: the Task's address, never its content (the receiver reads it with its key).
            {
                "fullUrl": _reference(base, f"Task/{task_id}"),
                "request": {"method": "PUT", "url": f"Task/{task_id}"},
                "response": {"status": "200"},
            },
        ],
    }
