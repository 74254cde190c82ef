"""GET /fhir/metadata: what this FHIR endpoint does, as an R4 CapabilityStatement."""

from typing import Any

from cvihub_intake.fhir.subscriptions.resources import (
    SUBSCRIPTION_PROFILE,
    TASK_TOPIC,
    TOPIC_CANONICAL,
)

FHIR_VERSION = "4.0.1"
GRAVITY_TASK_PROFILE = (
    "http://hl7.org/fhir/us/sdoh-clinicalcare/StructureDefinition/SDOHCC-TaskForReferralManagement"
)
GRAVITY_SERVICE_REQUEST_PROFILE = (
    "http://hl7.org/fhir/us/sdoh-clinicalcare/StructureDefinition/SDOHCC-ServiceRequest"
)
BACKPORT_SERVER = "http://hl7.org/fhir/uv/subscriptions-backport/CapabilityStatement/backport-subscription-server-r4"


def capability_statement(date: str) -> dict[str, Any]:
    """The CapabilityStatement (JSON) of intake's FHIR endpoint."""
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": date,
        "kind": "instance",
        "software": {"name": "CVI hub intake"},
        "implementation": {"description": "CVI hub referral intake (Gravity SDOH CC)"},
        "fhirVersion": FHIR_VERSION,
        "format": ["application/fhir+json"],
        "instantiates": [BACKPORT_SERVER],
        "rest": [
            {
                "mode": "server",
                "documentation": "POST a transaction Bundle holding a Task (intent order, status "
                "requested, focus = the ServiceRequest, owner = the receiving partner), the "
                "ServiceRequest, the Patient, the requester and a Consent whose provision names "
                "the recipients. Poll Task status at least once a business day, at most every "
                "15 minutes.",
                "security": {"description": "Bearer API key issued by the hub's registry."},
                "resource": [
                    {
                        "type": "Task",
                        "supportedProfile": [GRAVITY_TASK_PROFILE],
                        "interaction": [{"code": "read"}, {"code": "search-type"}],
                        "searchParam": [
                            {"name": "owner", "type": "reference"},
                            {"name": "_lastUpdated", "type": "date"},
                        ],
                    },
                    {
                        "type": "ServiceRequest",
                        "supportedProfile": [GRAVITY_SERVICE_REQUEST_PROFILE],
                        "interaction": [],
                    },
                    {
                        "type": "Subscription",
                        "extension": [{"url": TOPIC_CANONICAL, "valueCanonical": TASK_TOPIC}],
                        "supportedProfile": [SUBSCRIPTION_PROFILE],
                        "documentation": "R4 Subscriptions Backport: rest-hook, payload "
                        "application/fhir+json, content id-only; criteria the topic "
                        f"{TASK_TOPIC} (a Task you sent or received changed status or got a "
                        "Task.output), filters owner and requester. No handshake.",
                        "interaction": [
                            {"code": "create"},
                            {"code": "read"},
                            {"code": "delete"},
                            {"code": "search-type"},
                        ],
                        "operation": [
                            {
                                "name": "status",
                                "definition": "http://hl7.org/fhir/uv/subscriptions-backport/"
                                "OperationDefinition/backport-subscription-status",
                            }
                        ],
                    },
                    {"type": "CodeSystem", "interaction": [{"code": "read"}]},
                ],
                "interaction": [{"code": "transaction"}],
            }
        ],
    }
