"""A referral Bundle built from the Gravity SDOH Clinical Care IG's example resources (Patient
pat-53234, the food pantry ServiceRequest, the referral-management Task, Dr Jan Water's
PractitionerRole, the coordination platform Organization, the information-disclosure Consent),
with only what the hub needs added in standard places: Task.status requested, an identifier on
the owning Organization, a CVI service coding and an injury mechanism reasonCode on the
ServiceRequest, and a Consent.provision naming the recipient."""

import copy
from typing import Any

from cvihub_contracts.fhir.codes import (
    CVI_SERVICES_SYSTEM,
    INJURY_MECHANISM_SYSTEM,
    PARTNER_ID_SYSTEM,
)

SCT = "http://snomed.info/sct"
BASE = "http://example.org/fhir"
SERVICE_REQUEST_ID = "SDOHCC-ServiceRequestActiveFoodPantryApplicationAssistExample"


def patient() -> dict[str, Any]:
    """The IG's Patient example pat-53234 (race and ethnicity extensions left out)."""
    return {
        "resourceType": "Patient",
        "id": "pat-53234",
        "identifier": [
            {
                "use": "usual",
                "type": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/v2-0203",
                            "code": "MR",
                            "display": "Medical Record Number",
                        }
                    ],
                    "text": "Medical Record Number",
                },
                "system": "http://hospital.smarthealthit.org",
                "value": "1032702",
            }
        ],
        "active": True,
        "name": [
            {
                "family": "ABBAS",
                "given": ["COLIN", "V."],
                "period": {"start": "2016-12-06", "end": "2020-07-22"},
            },
            {
                "family": "BAXTER",
                "given": ["COLIN", "V."],
                "suffix": ["PharmD"],
                "period": {"start": "2020-07-22"},
            },
        ],
        "telecom": [{"system": "phone", "value": "555-555-5555", "use": "home"}],
        "gender": "male",
        "birthDate": "1987-02-20",
        "address": [
            {
                "line": ["183 Mountain View St"],
                "city": "Mounds",
                "state": "OK",
                "postalCode": "74048",
                "country": "US",
                "period": {"start": "2020-07-22"},
            }
        ],
    }


def service_request() -> dict[str, Any]:
    """The IG's active food pantry ServiceRequest, with a CVI service and an injury added."""
    return {
        "resourceType": "ServiceRequest",
        "id": SERVICE_REQUEST_ID,
        "status": "active",
        "intent": "order",
        "category": [
            {
                "coding": [
                    {"system": SCT, "code": "410606002", "display": "Social service procedure"}
                ]
            }
        ],
        "code": {
            "coding": [
                {
                    "system": SCT,
                    "code": "467771000124109",
                    "display": "Assistance with application for food pantry program",
                },
                {"system": CVI_SERVICES_SYSTEM, "code": "hospital-response"},
            ]
        },
        "subject": {"reference": "Patient/pat-53234", "display": "COLIN ABBAS"},
        "reasonCode": [{"coding": [{"system": INJURY_MECHANISM_SYSTEM, "code": "gunshot"}]}],
        "reasonReference": [{"reference": "Condition/SDOHCC-ConditionFoodInsecurityExample"}],
    }


def task() -> dict[str, Any]:
    """The IG's referral-management Task, as a new referral (status requested)."""
    return {
        "resourceType": "Task",
        "id": "SDOHCC-TaskReferralManagementOrderFulfillmentAcceptedExample",
        "status": "requested",
        "intent": "order",
        "code": {
            "coding": [
                {
                    "system": "http://hl7.org/fhir/CodeSystem/task-code",
                    "code": "fulfill",
                    "display": "Fulfill the focal request",
                }
            ]
        },
        "focus": {"reference": f"ServiceRequest/{SERVICE_REQUEST_ID}"},
        "for": {"reference": "Patient/pat-53234", "display": "COLIN ABBAS"},
        "authoredOn": "2020-09-11T21:56:54.671Z",
        "requester": {
            "reference": "PractitionerRole/SDOHCC-PractitionerRoleDrJanWaterExample",
            "display": "Dr Jan Water Family Medicine Physician",
        },
        "owner": {
            "reference": "Organization/SDOHCC-OrganizationCoordinationPlatformExample",
            "display": "ABC Coordination Platform",
        },
    }


def practitioner_role() -> dict[str, Any]:
    """The IG's PractitionerRole for Dr Jan Water."""
    return {
        "resourceType": "PractitionerRole",
        "id": "SDOHCC-PractitionerRoleDrJanWaterExample",
        "identifier": [{"system": "http://www.deerland.org/practitioners", "value": "2424"}],
        "active": True,
        "practitioner": {
            "reference": "Practitioner/SDOHCC-PractitionerDrJanWaterExample",
            "display": "Dr Jan Water",
        },
        "organization": {
            "reference": "Organization/SDOHCC-OrganizationClinicExample",
            "display": "Better Health Clinic",
        },
        "telecom": [
            {"system": "phone", "value": "639 442 6719", "use": "work"},
            {"system": "email", "value": "jan.water@deerland.org", "use": "work"},
        ],
    }


def organization(partner_id: str) -> dict[str, Any]:
    """The IG's coordination platform Organization, identified as a hub partner."""
    return {
        "resourceType": "Organization",
        "id": "SDOHCC-OrganizationCoordinationPlatformExample",
        "identifier": [{"system": PARTNER_ID_SYSTEM, "value": partner_id}],
        "active": True,
        "name": "ABC Coordination Platform",
        "address": [
            {
                "text": "198th St, Western, IL 62223",
                "line": ["198th Street,"],
                "city": "Western",
                "state": "IL",
                "postalCode": "62223",
            }
        ],
    }


def consent() -> dict[str, Any]:
    """The IG's information-disclosure Consent, whose provision names the recipient."""
    return {
        "resourceType": "Consent",
        "id": "SDOHCC-ConsentInformationDisclosureExample",
        "status": "active",
        "scope": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/consentscope",
                    "code": "patient-privacy",
                }
            ]
        },
        "category": [
            {
                "coding": [
                    {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "IDSCL"}
                ]
            }
        ],
        "patient": {"reference": "Patient/pat-53234", "display": "Colin Abbas"},
        "dateTime": "2021-05-01",
        "sourceAttachment": {
            "contentType": "application/pdf",
            "language": "en",
            "data": "JVBERi0=",
        },
        "provision": {
            "type": "permit",
            "actor": [
                {
                    "role": {
                        "coding": [
                            {
                                "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                                "code": "IRCP",
                            }
                        ]
                    },
                    "reference": {
                        "reference": "Organization/SDOHCC-OrganizationCoordinationPlatformExample"
                    },
                }
            ],
        },
    }


def referral_bundle(recipient: str, **replace: dict[str, Any]) -> dict[str, Any]:
    """The transaction Bundle; keyword arguments replace a resource by type (task=...)."""
    resources = {
        "task": task(),
        "service_request": service_request(),
        "patient": patient(),
        "practitioner_role": practitioner_role(),
        "organization": organization(recipient),
        "consent": consent(),
    }
    resources.update(copy.deepcopy(replace))
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": f"{BASE}/{r['resourceType']}/{r['id']}",
                "resource": r,
                "request": {"method": "POST", "url": r["resourceType"]},
            }
            for r in resources.values()
        ],
    }
