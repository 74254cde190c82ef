"""Builders of R4 backport Subscriptions and referral status events for intake's tests."""

import uuid
from datetime import UTC, datetime
from typing import Any

from cvihub_contracts import KafkaRecord, new_event, partner_source, to_kafka
from cvihub_contracts.referral.status_changed_v1 import ReferralStatus, ReferralStatusChangedV1

BACKPORT = "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition"
TASK_TOPIC = "https://schemas.cvihub.org/fhir/SubscriptionTopic/task-changed"


def subscription(
    endpoint: str, *, task_filter: str | None = None, **replace: Any
) -> dict[str, Any]:
    """A backport Subscription (rest-hook, id-only) on the hub's Task topic."""
    resource: dict[str, Any] = {
        "resourceType": "Subscription",
        "meta": {"profile": [f"{BACKPORT}/backport-subscription"]},
        "status": "requested",
        "reason": "Watch our referrals",
        "criteria": TASK_TOPIC,
        "channel": {
            "type": "rest-hook",
            "endpoint": endpoint,
            "payload": "application/fhir+json",
            "_payload": {
                "extension": [
                    {"url": f"{BACKPORT}/backport-payload-content", "valueCode": "id-only"}
                ]
            },
        },
    }
    if task_filter is not None:
        resource["_criteria"] = {
            "extension": [
                {"url": f"{BACKPORT}/backport-filter-criteria", "valueString": task_filter}
            ]
        }
    return resource | replace


def status_change(
    task_id: str,
    status: ReferralStatus,
    previous: ReferralStatus,
    *,
    referrer: str,
    recipient: str,
) -> KafkaRecord:
    """A Kafka record of the recipient moving the referral from `previous` to `status`."""
    change = ReferralStatusChangedV1(
        referral_id=uuid.UUID(task_id),
        status=status,
        previous_status=previous,
        changed_by_partner_id=recipient,
        referring_partner_id=referrer,
        recipient_partner_id=recipient,
        changed_at=datetime.now(UTC),
    )
    return to_kafka(new_event(change, source=partner_source(recipient)))
