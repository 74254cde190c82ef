"""Code systems and identifier systems the hub publishes for FHIR exchanges.

The Gravity SDOH Clinical Care categories hold no community-violence services, so the hub names
its own (`cvihub_contracts.codes`, one list for every service), published here as a CodeSystem
resource by `code_system_resource`."""

from typing import Any

from cvihub_contracts.codes import CVI_SERVICE_DISPLAY, CVI_SERVICE_SYSTEM, CviService
from cvihub_contracts.referral.submitted_v1 import InjuryMechanism

FHIR_BASE = "https://schemas.cvihub.org/fhir"
CVI_SERVICES_SYSTEM = CVI_SERVICE_SYSTEM
"""ServiceRequest.code / Task.output: which CVI service is requested or was delivered."""
INJURY_MECHANISM_SYSTEM = f"{FHIR_BASE}/CodeSystem/injury-mechanism"
"""ServiceRequest.reasonCode: the mechanism of the violent injury behind the referral."""
PARTNER_ID_SYSTEM = f"{FHIR_BASE}/NamingSystem/partner-id"
"""Organization.identifier / Reference.identifier: a partner's id in the hub's registry."""
CONSENT_RECORD_SYSTEM = f"{FHIR_BASE}/NamingSystem/consent-record"
"""Consent.identifier: a consent record registered with the hub (POST /v1/consents)."""


def code_system_resource() -> dict[str, Any]:
    """The CVI services code system as a FHIR R4 CodeSystem resource (JSON)."""
    return {
        "resourceType": "CodeSystem",
        "id": "cvi-services",
        "url": CVI_SERVICES_SYSTEM,
        "version": "1",
        "name": "CviServices",
        "title": "Community violence intervention services",
        "status": "active",
        "content": "complete",
        "caseSensitive": True,
        "concept": [
            {"code": code.value, "display": CVI_SERVICE_DISPLAY[code]} for code in CviService
        ],
    }


def injury_code_system_resource() -> dict[str, Any]:
    """The injury mechanisms as a FHIR R4 CodeSystem resource (JSON)."""
    return {
        "resourceType": "CodeSystem",
        "id": "injury-mechanism",
        "url": INJURY_MECHANISM_SYSTEM,
        "version": "1",
        "name": "InjuryMechanism",
        "title": "Mechanism of violent injury",
        "status": "active",
        "content": "complete",
        "caseSensitive": True,
        "concept": [{"code": m.value, "display": m.value.capitalize()} for m in InjuryMechanism],
    }


TASK_OUTPUT_SYSTEM = f"{FHIR_BASE}/CodeSystem/task-output"
"""Task.output.type: contact-attempt or service-delivered, what the recipient recorded."""
CONTACT_METHOD_SYSTEM = f"{FHIR_BASE}/CodeSystem/contact-method"
"""Communication.medium (beside v3 ParticipationMode): how contact was attempted."""
CONTACT_OUTCOME_SYSTEM = f"{FHIR_BASE}/CodeSystem/contact-outcome"
"""Communication.statusReason: what came of a contact attempt."""
