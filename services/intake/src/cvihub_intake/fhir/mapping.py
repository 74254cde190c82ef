"""A Gravity referral Bundle (Task + ServiceRequest + Patient + requester + Consent) as the
hub's referral submission. Validated with fhir.resources (R4B models); the coded values that
matter are checked here, since the library does not check value sets."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from cvihub_contracts.codes import CviService
from cvihub_contracts.fhir.codes import (
    CONSENT_RECORD_SYSTEM,
    CVI_SERVICES_SYSTEM,
    INJURY_MECHANISM_SYSTEM,
    PARTNER_ID_SYSTEM,
)
from cvihub_contracts.referral.submitted_v1 import InjuryMechanism, ReferralSubmission
from cvihub_intake.fhir.network import NETWORK_RECIPIENT, network_criteria
from cvihub_intake.fhir.outcome import FhirRefusal, Issue, fhirpath_of

if TYPE_CHECKING:  # the FHIR models cost a second to import: loaded on the first request
    from fhir.resources.R4B.bundle import Bundle
    from fhir.resources.R4B.resource import Resource

# Value sets the hub relies on (fhir.resources does not check them).
_SUBMITTED_TASK_STATUS = "requested"
_TASK_INTENTS = {"order"}
_SERVICE_REQUEST_STATUS = {"active"}
_CONSENT_STATUS = {"active"}
_PRIORITY = {"routine": "routine", "urgent": "urgent", "asap": "emergent", "stat": "emergent"}
_RECIPIENT_ROLE = "IRCP"  # v3 ParticipationType: information recipient


@dataclass(frozen=True)
class MappedReferral:
    """The referral a Bundle says, and where each part of it sits in the Bundle."""

    submission: ReferralSubmission
    paths: dict[str, str]
    """Hub JSON pointer -> FHIRPath, to name refusals in the Bundle's terms."""
    entries: list[tuple[str, str]]
    """(resourceType, fullUrl) of each entry, for the transaction-response."""
    idempotency_key: str | None


def parse_bundle(body: Any) -> Bundle:
    """The body as an R4 transaction Bundle; FhirRefusal(400) naming each structural problem."""
    if not isinstance(body, dict) or body.get("resourceType") != "Bundle":
        raise FhirRefusal(400, [Issue("structure", "the body is not a Bundle", "Bundle")])
    from fhir.resources.R4B.bundle import Bundle

    try:
        bundle = Bundle.model_validate(body)
    except ValidationError as exc:
        issues = [
            Issue("structure", err["msg"], fhirpath_of("Bundle", tuple(err["loc"])))
            for err in exc.errors()
        ]
        raise FhirRefusal(400, issues) from None
    except (KeyError, TypeError, ValueError):
        # fhir.resources raises KeyError for a resourceType it does not know.
        issue = Issue("structure", "an entry holds an unknown resource type", "Bundle.entry")
        raise FhirRefusal(400, [issue]) from None
    if bundle.type != "transaction":
        raise FhirRefusal(400, [Issue("value", "Bundle.type must be transaction", "Bundle.type")])
    return bundle


class _Entries:
    def __init__(self, bundle: Bundle) -> None:
        self.items: list[tuple[int, str | None, Resource]] = [
            (i, e.fullUrl, e.resource) for i, e in enumerate(bundle.entry or []) if e.resource
        ]

    def of_type(self, kind: str) -> list[tuple[int, Resource]]:
        return [(i, r) for i, _, r in self.items if r.get_resource_type() == kind]

    def resolve(self, reference: Any) -> tuple[int, Resource] | None:
        ref = getattr(reference, "reference", None)
        if not ref:
            return None
        for i, full_url, resource in self.items:
            own = f"{resource.get_resource_type()}/{resource.id}" if resource.id else None
            if ref in (full_url, own) or (full_url and full_url.endswith("/" + ref)):
                return i, resource
        return None


def map_bundle(bundle: Bundle) -> MappedReferral:
    """The hub's referral; FhirRefusal(422) listing every problem found by FHIRPath."""
    entries = _Entries(bundle)
    issues: list[Issue] = []
    paths: dict[str, str] = {}

    def need(kind: str) -> tuple[int, Any] | None:
        found = entries.of_type(kind)
        if len(found) != 1:
            issues.append(Issue("required", f"the Bundle needs exactly one {kind}", "Bundle.entry"))
            return None
        return found[0]

    task_entry = need("Task")
    if task_entry is None:
        raise FhirRefusal(422, issues)
    ti, task = task_entry
    tp = f"Bundle.entry[{ti}].resource"
    if task.status != _SUBMITTED_TASK_STATUS:
        issues.append(Issue("value", "a new referral's Task.status is requested", f"{tp}.status"))
    if task.intent not in _TASK_INTENTS:
        issues.append(Issue("value", "Task.intent must be order", f"{tp}.intent"))
    request = entries.resolve(task.focus)
    if request is None or request[1].get_resource_type() != "ServiceRequest":
        issues.append(
            Issue(
                "required", "Task.focus must name the ServiceRequest in the Bundle", f"{tp}.focus"
            )
        )
        raise FhirRefusal(422, issues)
    si = request[0]
    service_request: Any = request[1]
    sp = f"Bundle.entry[{si}].resource"
    if service_request.status not in _SERVICE_REQUEST_STATUS:
        issues.append(Issue("value", "ServiceRequest.status must be active", f"{sp}.status"))
    # No owner: the referral is addressed to the network (fhir/network.py).
    recipient = NETWORK_RECIPIENT if task.owner is None else _partner_id(entries, task.owner)
    paths["#/recipient_partner_id"] = f"{tp}.owner"
    if recipient is None:
        issues.append(
            Issue(
                "required",
                f"Task.owner must identify a hub partner (identifier system {PARTNER_ID_SYSTEM})",
                f"{tp}.owner",
            )
        )
    patient_entry = entries.resolve(getattr(task, "for_fhir", None)) or entries.resolve(
        service_request.subject
    )
    if patient_entry is None or patient_entry[1].get_resource_type() != "Patient":
        issues.append(
            Issue("required", "Task.for must name the Patient in the Bundle", f"{tp}.for")
        )
        raise FhirRefusal(422, issues)
    pi, patient = patient_entry
    pp = f"Bundle.entry[{pi}].resource"
    consent_entry = need("Consent")
    mechanism = _coded(service_request.reasonCode, INJURY_MECHANISM_SYSTEM)
    paths["#/injury/mechanism"] = f"{sp}.reasonCode"
    if mechanism is None or mechanism not in {m.value for m in InjuryMechanism}:
        issues.append(
            Issue(
                "required",
                "ServiceRequest.reasonCode needs an injury mechanism "
                f"from {INJURY_MECHANISM_SYSTEM}",
                f"{sp}.reasonCode",
            )
        )
    services = [c for c in _codes(service_request.code, CVI_SERVICES_SYSTEM)]
    unknown = [c for c in services if c not in {s.value for s in CviService}]
    if unknown:
        issues.append(Issue("code-invalid", f"unknown CVI service code {unknown[0]}", f"{sp}.code"))
    network = None
    if recipient == NETWORK_RECIPIENT:
        network = network_criteria(
            services=services,
            patient=patient,
            service_request_path=sp,
            patient_path=pp,
            issues=issues,
            paths=paths,
        )
    consent: dict[str, Any] = {}
    if consent_entry is not None:
        consent = _consent(entries, consent_entry, patient, issues, paths)
    if issues:
        raise FhirRefusal(422, issues)
    requester = entries.resolve(task.requester)
    payload: dict[str, Any] = {
        "recipient_partner_id": recipient,
        "patient": _patient(patient, pp, paths),
        "injury": {"mechanism": mechanism},
        "consent": consent,
        "referring_contact": _contact(task, requester),
        "reason": _text(service_request.note) or _text(task.note),
        "requested_services": services,
        "urgency": _PRIORITY.get(service_request.priority or task.priority or "routine", "routine"),
        "source_reference": _identifier(task.identifier) or _identifier(service_request.identifier),
        "network": network,
    }
    paths.setdefault("#/urgency", f"{sp}.priority")
    try:
        submission = ReferralSubmission.model_validate(
            {k: v for k, v in payload.items() if v not in (None, [], "")}
        )
    except ValidationError as exc:
        raise FhirRefusal(
            422,
            [
                Issue("invalid", err["msg"], _path_of(paths, tuple(err["loc"])))
                for err in exc.errors()
            ],
        ) from None
    listed = [(r.get_resource_type(), url or "") for _, url, r in entries.items]
    key = None
    if bundle.identifier is not None and bundle.identifier.value:
        key = f"fhir-bundle\n{bundle.identifier.system}\n{bundle.identifier.value}"
    return MappedReferral(submission=submission, paths=paths, entries=listed, idempotency_key=key)


def _path_of(paths: dict[str, str], loc: tuple[Any, ...]) -> str:
    pointer = "#/" + "/".join(str(p) for p in loc)
    while pointer not in paths and "/" in pointer[2:]:
        pointer = pointer.rsplit("/", 1)[0]
    return paths.get(pointer, "Bundle")


def fhirpath_for(mapped: MappedReferral, pointer: str | None) -> str:
    """Where in the Bundle a hub refusal's pointer lies."""
    return (
        _path_of(mapped.paths, tuple(pointer.removeprefix("#/").split("/")))
        if pointer
        else "Bundle"
    )


def _partner_id(entries: _Entries, reference: Any) -> str | None:
    if reference is None:
        return None
    direct = getattr(reference, "identifier", None)
    if direct is not None and direct.system == PARTNER_ID_SYSTEM and direct.value:
        return str(direct.value)
    found = entries.resolve(reference)
    if found is None:
        return None
    for identifier in getattr(found[1], "identifier", None) or []:
        if identifier.system == PARTNER_ID_SYSTEM and identifier.value:
            return str(identifier.value)
    return None


def _coded(concepts: Any, system: str) -> str | None:
    found = _codes(concepts, system)
    return found[0] if found else None


def _codes(concepts: Any, system: str) -> list[str]:
    if concepts is None:
        return []
    items = concepts if isinstance(concepts, list) else [concepts]
    return [c.code for item in items for c in item.coding or [] if c.system == system and c.code]


def _patient(patient: Any, path: str, paths: dict[str, str]) -> dict[str, Any]:
    names = patient.name or []
    current = [n for n in names if n.period is None or n.period.end is None] or names
    name = current[0] if current else None
    paths["#/patient/given_name"] = f"{path}.name.given"
    paths["#/patient/family_name"] = f"{path}.name.family"
    paths["#/patient/phone"] = f"{path}.telecom"
    paths["#/patient/date_of_birth"] = f"{path}.birthDate"
    phone = next((t.value for t in patient.telecom or [] if t.system == "phone"), None)
    email = next((t.value for t in patient.telecom or [] if t.system == "email"), None)
    return {
        "given_name": (name.given or [None])[0] if name else None,
        "family_name": name.family if name else None,
        "date_of_birth": patient.birthDate.isoformat() if patient.birthDate else None,
        "phone": _e164(phone) if phone else None,
        "email": email,
        "preferred_channel": "phone",
    }


def _e164(phone: str) -> str:
    # US numbers are often written 555-555-5555; the hub keeps E.164.
    digits = re.sub(r"\D", "", phone)
    if phone.strip().startswith("+"):
        return "+" + digits
    return "+1" + digits if len(digits) == 10 else "+" + digits


def _consent(
    entries: _Entries,
    entry: tuple[int, Any],
    patient: Any,
    issues: list[Issue],
    paths: dict[str, str],
) -> dict[str, Any]:
    ci, consent = entry
    cp = f"Bundle.entry[{ci}].resource"
    if consent.status not in _CONSENT_STATUS:
        issues.append(Issue("value", "Consent.status must be active", f"{cp}.status"))
    paths["#/consent/consented_at"] = f"{cp}.dateTime"
    paths["#/consent/recipient_partner_ids"] = f"{cp}.provision.actor"
    paths["#/consent/expires_at"] = f"{cp}.provision.period.end"
    paths["#/consent/consent_id"] = f"{cp}.identifier"
    paths["#/consent/scope"] = f"{cp}.provision"
    recipients: list[str] = []
    provision = consent.provision
    for actor in (provision.actor if provision else None) or []:
        roles = {c.code for c in actor.role.coding or []}
        partner = _partner_id(entries, actor.reference)
        if _RECIPIENT_ROLE in roles and partner:
            recipients.append(partner)
    if not recipients:
        issues.append(
            Issue(
                "required",
                "Consent.provision.actor must name the recipients "
                f"(role {_RECIPIENT_ROLE}, a hub partner)",
                f"{cp}.provision.actor",
            )
        )
    if consent.dateTime is None:
        issues.append(
            Issue("required", "Consent.dateTime says when the patient consented", f"{cp}.dateTime")
        )
    performer = (consent.performer or [None])[0]
    resolved = entries.resolve(performer) if performer is not None else None
    by_patient = performer is None or (
        resolved is not None and resolved[1].get_resource_type() == "Patient"
    )
    record = next(
        (i.value for i in consent.identifier or [] if i.system == CONSENT_RECORD_SYSTEM), None
    )
    period_end = provision.period.end if provision and provision.period else None
    return {
        "consented_by": "patient" if by_patient else (performer.display or "guardian"),
        "consented_at": _instant(consent.dateTime),
        "recipient_partner_ids": recipients,
        "scope": ["contact", "injury"],
        "expires_at": _instant(period_end) if period_end else None,
        "consent_id": record,
    }


def _instant(value: Any) -> str | None:
    # A FHIR dateTime may be a bare date: the hub reads it as the start of that day, UTC.
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC).isoformat()
    return str(value)


def _contact(task: Any, requester: tuple[int, Any] | None) -> dict[str, Any]:
    name = getattr(task.requester, "display", None)
    phone = None
    if requester is not None:
        resource = requester[1]
        telecoms = getattr(resource, "telecom", None) or []
        phone = next((t.value for t in telecoms if t.system == "phone"), None)
        name = name or getattr(resource, "name", None)
        practitioner = getattr(resource, "practitioner", None)
        name = name or getattr(practitioner, "display", None)
    return {"name": name or "Referring clinician", "phone": phone}


def _text(notes: Any) -> str | None:
    texts = [n.text for n in notes or [] if getattr(n, "text", None)]
    return " ".join(texts) if texts else None


def _identifier(identifiers: Any) -> str | None:
    for identifier in identifiers or []:
        if identifier.value:
            return str(identifier.value)[:100]
    return None
