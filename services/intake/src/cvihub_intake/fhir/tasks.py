"""The Task read model: referrals' statuses as Gravity Tasks, kept from the referrals topic."""

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_contracts import Event, EventData
from cvihub_contracts.fhir.codes import PARTNER_ID_SYSTEM
from cvihub_contracts.referral.status_changed_v1 import ReferralStatusChangedV1
from cvihub_contracts.referral.submitted_v1 import ReferralSubmittedV1
from cvihub_intake.fhir import outputs
from cvihub_intake.fhir.subscriptions import store as subscriptions
from cvihub_intake.models import fhir_tasks
from cvihub_runtime.inbox import EventHandler

TASK_CODE_SYSTEM = "http://hl7.org/fhir/CodeSystem/task-code"


async def on_submitted(session: AsyncSession, event: Event[Any]) -> None:
    """A new referral is a Task in status requested."""
    data = event.data
    assert isinstance(data, ReferralSubmittedV1)
    known = await session.scalar(
        select(fhir_tasks.c.referral_id).where(fhir_tasks.c.referral_id == str(data.referral_id))
    )
    if known is None:
        await session.execute(
            fhir_tasks.insert().values(
                referral_id=str(data.referral_id),
                referring_partner_id=data.referring_partner_id,
                recipient_partner_id=data.recipient_partner_id,
                status="requested",
                authored_on=data.submitted_at,
                last_updated=data.submitted_at,
            )
        )


async def on_status_changed(session: AsyncSession, event: Event[Any]) -> None:
    """A referral's new status is its Task's (Gravity's Task statuses are the hub's); an attempt
    or a service it carries is one more Task.output; either is notified to the Subscriptions of
    the requester and the owner."""
    data = event.data
    assert isinstance(data, ReferralStatusChangedV1)
    if data.offer is not None:
        # An offer of a network referral to one organisation: the Task is not its yet, and
        # whoever is offered it cannot read it (or be told of it) here.
        return
    await outputs.record(session, event)
    if data.status != data.previous_status or data.activity is not None:
        await subscriptions.plan(
            session,
            task_id=str(data.referral_id),
            requester=data.referring_partner_id,
            owner=data.recipient_partner_id,
            at=data.changed_at,
        )
    values = {
        # A network referral's Task is owned by the organisation that accepted it from now on.
        "recipient_partner_id": data.recipient_partner_id,
        "status": data.status.value,
        "status_reason": data.reason.value if data.reason else None,
        "last_updated": data.changed_at,
    }
    result = await session.execute(
        update(fhir_tasks)
        .where(
            fhir_tasks.c.referral_id == str(data.referral_id),
            fhir_tasks.c.last_updated <= data.changed_at,
        )
        .values(**values)
    )
    if not getattr(result, "rowcount", 0):
        exists = await session.scalar(
            select(fhir_tasks.c.referral_id).where(
                fhir_tasks.c.referral_id == str(data.referral_id)
            )
        )
        if exists is None:
            await session.execute(
                fhir_tasks.insert().values(
                    referral_id=str(data.referral_id),
                    referring_partner_id=data.referring_partner_id,
                    authored_on=data.changed_at,
                    **values,
                )
            )


HANDLERS: dict[type[EventData], EventHandler] = {
    ReferralSubmittedV1: on_submitted,
    ReferralStatusChangedV1: on_status_changed,
}


async def find_task(session: AsyncSession, referral_id: str) -> RowMapping | None:
    """The Task of a referral, whoever may see it."""
    query = select(fhir_tasks).where(fhir_tasks.c.referral_id == referral_id)
    return (await session.execute(query)).mappings().first()


async def search_tasks(
    session: AsyncSession,
    *,
    partner_id: str,
    owner: str | None,
    updated_after: datetime | None,
    limit: int,
) -> list[RowMapping]:
    """The caller's Tasks (as requester or owner), filtered, oldest change first."""
    query = select(fhir_tasks).where(
        (fhir_tasks.c.referring_partner_id == partner_id)
        | (fhir_tasks.c.recipient_partner_id == partner_id)
    )
    if owner is not None:
        query = query.where(fhir_tasks.c.recipient_partner_id == owner)
    if updated_after is not None:
        query = query.where(fhir_tasks.c.last_updated > updated_after)
    query = query.order_by(fhir_tasks.c.last_updated).limit(limit)
    return list((await session.execute(query)).mappings().all())


def task_resource(row: RowMapping, output_rows: list[RowMapping] | None = None) -> dict[str, Any]:
    """A Task (R4 JSON) for the read model's row and its outputs."""
    task: dict[str, Any] = {
        "resourceType": "Task",
        "id": row["referral_id"],
        "meta": {"lastUpdated": row["last_updated"].isoformat()},
        "status": row["status"],
        "intent": "order",
        "code": {"coding": [{"system": TASK_CODE_SYSTEM, "code": "fulfill"}]},
        "focus": {"reference": f"ServiceRequest/{row['referral_id']}"},
        "authoredOn": row["authored_on"].isoformat(),
        "lastModified": row["last_updated"].isoformat(),
        "requester": _partner(row["referring_partner_id"]),
        "owner": _partner(row["recipient_partner_id"]),
    }
    if row["status_reason"]:
        task["statusReason"] = {"text": row["status_reason"].replace("-", " ")}
    if output_rows:
        contained, task_outputs = outputs.task_outputs(output_rows)
        task["contained"] = contained
        task["output"] = task_outputs
    return task


def _partner(partner_id: str) -> dict[str, Any]:
    return {
        "type": "Organization",
        "identifier": {"system": PARTNER_ID_SYSTEM, "value": partner_id},
    }
