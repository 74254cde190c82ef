"""Task.output: the contact attempts and services delivered that referrals' status events carry.

Gravity's Task.output returns what was done in fulfilment of the referral (type
`resulting-activity`, value a Procedure). Each service delivered is a contained Procedure
(the CVI service code, when); each contact attempt a contained Communication (when, the medium,
what came of it). Only the fields of the contract's Activity go out: no case note ever does."""

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_contracts import Event
from cvihub_contracts.codes import CVI_SERVICE_DISPLAY, CviService
from cvihub_contracts.fhir.codes import (
    CONTACT_METHOD_SYSTEM,
    CONTACT_OUTCOME_SYSTEM,
    CVI_SERVICES_SYSTEM,
    TASK_OUTPUT_SYSTEM,
)
from cvihub_contracts.referral.status_changed_v1 import (
    ActivityKind,
    ContactMethod,
    ContactOutcome,
    ReferralStatusChangedV1,
)
from cvihub_intake.models import fhir_task_outputs

SDOHCC_TEMPORARY_CODES = (
    "http://hl7.org/fhir/us/sdoh-clinicalcare/CodeSystem/SDOHCC-CodeSystemTemporaryCodes"
)
PARTICIPATION_MODE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationMode"
_MODE = {
    ContactMethod.PHONE: ("PHONE", "telephone"),
    ContactMethod.SMS: ("SMSWRIT", "SMS message"),
    ContactMethod.EMAIL: ("EMAILWRIT", "email"),
    ContactMethod.IN_PERSON: ("FACE", "face-to-face"),
    ContactMethod.HOME_VISIT: ("FACE", "face-to-face"),
    ContactMethod.BEDSIDE: ("FACE", "face-to-face"),
}
# An attempt that reached nobody did not happen as a communication (Communication.status).
_NOT_DONE = frozenset({ContactOutcome.NO_ANSWER, ContactOutcome.WRONG_NUMBER})
_CVI_CODES = frozenset(service.value for service in CviService)


async def record(session: AsyncSession, event: Event[Any]) -> None:
    """Keep the event's activity, if it carries one, as one Task output."""
    data = event.data
    assert isinstance(data, ReferralStatusChangedV1)
    activity = data.activity
    if activity is None:
        return
    known = await session.scalar(
        select(fhir_task_outputs.c.event_id).where(
            fhir_task_outputs.c.event_id == event.envelope.id
        )
    )
    if known is not None:
        return
    await session.execute(
        fhir_task_outputs.insert().values(
            event_id=event.envelope.id,
            referral_id=str(data.referral_id),
            kind=activity.kind.value,
            occurred_at=activity.occurred_at,
            method=activity.method.value if activity.method else None,
            outcome=activity.outcome.value if activity.outcome else None,
            service_type=activity.service_type,
            service_date=activity.service_date,
        )
    )


async def outputs_of(
    session: AsyncSession, referral_ids: Iterable[str]
) -> dict[str, list[RowMapping]]:
    """Each referral's outputs, oldest first."""
    ids = list(referral_ids)
    found: dict[str, list[RowMapping]] = {referral_id: [] for referral_id in ids}
    if not ids:
        return found
    query = (
        select(fhir_task_outputs)
        .where(fhir_task_outputs.c.referral_id.in_(ids))
        .order_by(fhir_task_outputs.c.occurred_at, fhir_task_outputs.c.event_id)
    )
    for row in (await session.execute(query)).mappings():
        found[row["referral_id"]].append(row)
    return found


def task_outputs(rows: list[RowMapping]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The contained resources and the Task.output entries for a Task's output rows."""
    contained: list[dict[str, Any]] = []
    outputs: list[dict[str, Any]] = []
    for number, row in enumerate(rows, start=1):
        if row["kind"] == ActivityKind.SERVICE_DELIVERED.value:
            resource = _procedure(f"service-{number}", row)
            codings = [
                {"system": SDOHCC_TEMPORARY_CODES, "code": "resulting-activity"},
                {"system": TASK_OUTPUT_SYSTEM, "code": "service-delivered"},
            ]
        else:
            resource = _communication(f"attempt-{number}", row)
            codings = [{"system": TASK_OUTPUT_SYSTEM, "code": "contact-attempt"}]
        contained.append(resource)
        outputs.append(
            {
                "type": {"coding": codings},
                "valueReference": {"reference": f"#{resource['id']}"},
            }
        )
    return contained, outputs


def _procedure(resource_id: str, row: RowMapping) -> dict[str, Any]:
    code = row["service_type"]
    coding: dict[str, Any] = {"system": CVI_SERVICES_SYSTEM, "code": code}
    if code in _CVI_CODES:
        coding["display"] = CVI_SERVICE_DISPLAY[CviService(code)]
    performed = row["service_date"] or row["occurred_at"].date()
    return {
        "resourceType": "Procedure",
        "id": resource_id,
        "status": "completed",
        "code": {"coding": [coding]},
        # The hub does not hand out the patient: the subject is the Task's own `for`.
        "subject": {"display": "the person referred (the Task's for)"},
        "performedDateTime": performed.isoformat(),
    }


def _communication(resource_id: str, row: RowMapping) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Communication",
        "id": resource_id,
        "status": "completed",
        "sent": row["occurred_at"].isoformat(),
    }
    if row["method"]:
        method = ContactMethod(row["method"])
        codings = [{"system": CONTACT_METHOD_SYSTEM, "code": method.value}]
        if method in _MODE:
            mode, display = _MODE[method]
            codings.insert(0, {"system": PARTICIPATION_MODE, "code": mode, "display": display})
        resource["medium"] = [{"coding": codings}]
    if row["outcome"]:
        outcome = ContactOutcome(row["outcome"])
        if outcome in _NOT_DONE:
            resource["status"] = "not-done"
        resource["statusReason"] = {
            "coding": [{"system": CONTACT_OUTCOME_SYSTEM, "code": outcome.value}],
            "text": outcome.value.replace("-", " "),
        }
    return resource
