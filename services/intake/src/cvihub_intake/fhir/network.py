"""A Gravity referral addressed to the network rather than one organisation.

The Task names no owner, or the hub's `network` Organization (partner-id identifier `network`,
as the IG's coordination platform would be named); the network criteria are the CVI services
of ServiceRequest.code and the Patient's preferred language (Patient.communication, BCP 47)."""

from typing import Any

from cvihub_contracts.referral.network_v1 import NETWORK_RECIPIENT
from cvihub_intake.fhir.outcome import Issue

BCP47 = "urn:ietf:bcp:47"

__all__ = ["NETWORK_RECIPIENT", "network_criteria"]


def _language(patient: Any) -> str | None:
    communications = patient.communication or []
    preferred = [c for c in communications if c.preferred] or communications
    for communication in preferred:
        for coding in communication.language.coding or []:
            if coding.code and coding.system in (BCP47, None):
                return str(coding.code)[:35]
    return None


def network_criteria(
    *,
    services: list[str],
    patient: Any,
    service_request_path: str,
    patient_path: str,
    issues: list[Issue],
    paths: dict[str, str],
) -> dict[str, Any]:
    """The network criteria (hub JSON) of a referral to the network; an issue if it names
    no CVI service to offer it by."""
    paths["#/network/services"] = f"{service_request_path}.code"
    paths["#/network/language"] = f"{patient_path}.communication"
    paths["#/network"] = "Bundle.entry"
    if not services:
        issues.append(
            Issue(
                "required",
                "a referral to the network names at least one CVI service in ServiceRequest.code",
                f"{service_request_path}.code",
            )
        )
    criteria: dict[str, Any] = {"services": services}
    language = _language(patient)
    if language is not None:
        criteria["language"] = language
    return criteria
