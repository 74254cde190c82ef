"""The portal's referral routes: the inbox of my organisation, moves, contact attempts and
services delivered (recorded in the referrals service, which the referrer sees), and the
hospital's short form. Every call to another service goes through clients.py."""

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from cvihub_portal import service
from cvihub_portal.api import ACTION_ERRORS, ERRORS, action_response
from cvihub_portal.deps import IdempotencyKey, ability, person_guard
from cvihub_portal.schemas import ContactAttempt, Decline, ReferralForm, ServiceDelivered
from cvihub_portal.send_form import consent_record, submission, submit_when_known
from cvihub_portal.service import Person, PortalCore
from cvihub_runtime.edges import api_router
from cvihub_runtime.problems import Problem

STARTED = {
    "status": "in-progress",
    "reason": "client-engaged",
    "note": "first contact attempt logged in the portal",
}


def referrals_router(core: PortalCore) -> APIRouter:
    """Routes under /api/referrals, each on behalf of the signed-in person's partner."""
    router = api_router(prefix="/api/referrals", tags=["referrals"], responses=ERRORS)
    Signed = Annotated[Person, Depends(person_guard(core))]
    Worker = Annotated[Person, Depends(ability(core, "referrals.work"))]
    Sender = Annotated[Person, Depends(ability(core, "referrals.send"))]

    @router.get("", summary="Referrals offered to, owned by or sent by my organisation")
    async def list_referrals(person: Signed) -> list[dict[str, Any]]:
        key = await service.partner_key(core, person.partner_id)
        return await core.clients.referrals(key)

    @router.get(
        "/{referral_id}",
        summary="One referral: its history, contact attempts and services (the referrals "
        "service's activities)",
    )
    async def get_referral(person: Signed, referral_id: UUID) -> dict[str, Any]:
        key = await service.partner_key(core, person.partner_id)
        return await core.clients.referral(key, str(referral_id))

    async def move(
        person: Person, key: str, referral_id: UUID, kind: str, move: str, body: dict[str, Any]
    ) -> JSONResponse:
        api_key = await service.partner_key(core, person.partner_id)

        async def act(session: Any) -> service.Outcome:
            answer = await core.clients.move_referral(api_key, str(referral_id), move, body)
            return 200, answer

        outcome, replayed = await service.once(
            core, person, key=key, kind=kind, target=str(referral_id), act=act
        )
        return action_response(outcome, replayed)

    @router.post("/{referral_id}/accept", responses=ACTION_ERRORS, summary="Accept")
    async def accept(person: Worker, referral_id: UUID, key: IdempotencyKey) -> JSONResponse:
        return await move(person, key, referral_id, "referral.accept", "accept", {})

    @router.post("/{referral_id}/decline", responses=ACTION_ERRORS, summary="Decline")
    async def decline(
        person: Worker, referral_id: UUID, body: Decline, key: IdempotencyKey
    ) -> JSONResponse:
        return await move(
            person,
            key,
            referral_id,
            "referral.decline",
            "decline",
            {"reason": body.reason, "note": "declined in the portal"},
        )

    @router.post("/{referral_id}/complete", responses=ACTION_ERRORS, summary="Mark complete")
    async def complete(person: Worker, referral_id: UUID, key: IdempotencyKey) -> JSONResponse:
        body = {
            "status": "completed",
            "reason": "services-delivered",
            "note": "completed in the portal",
        }
        return await move(person, key, referral_id, "referral.complete", "status", body)

    async def record(
        person: Person, key: str, referral_id: UUID, kind: str, body: dict[str, Any]
    ) -> JSONResponse:
        api_key = await service.partner_key(core, person.partner_id)

        async def act(session: Any) -> service.Outcome:
            if kind == "attempts":
                # The first attempt starts the work: an accepted referral moves to in-progress
                # first, so a retry after a lost answer finds it moved and records once.
                referral = await core.clients.referral(api_key, str(referral_id))
                if referral["status"] == "accepted" and (
                    referral["recipient_partner_id"] == person.partner_id
                ):
                    await core.clients.move_referral(api_key, str(referral_id), "status", STARTED)
            answer = await core.clients.record_activity(api_key, str(referral_id), kind, body)
            return 201, answer

        outcome, replayed = await service.once(
            core, person, key=key, kind=f"referral.{kind}", target=str(referral_id), act=act
        )
        return action_response(outcome, replayed)

    @router.post(
        "/{referral_id}/contact-attempts",
        status_code=201,
        responses=ACTION_ERRORS,
        summary="Log an attempt to reach the person (the first moves an accepted referral "
        "to in-progress); answers the referral",
    )
    async def contact_attempt(
        person: Worker, referral_id: UUID, body: ContactAttempt, key: IdempotencyKey
    ) -> JSONResponse:
        attempt = {
            "occurred_at": (body.occurred_at or datetime.now(UTC)).isoformat(),
            "method": body.method.value,
            "outcome": body.outcome.value,
        }
        return await record(person, key, referral_id, "attempts", attempt)

    @router.post(
        "/{referral_id}/services",
        status_code=201,
        responses=ACTION_ERRORS,
        summary="Log a service delivered (a CVI service code and the day); answers the referral",
    )
    async def service_delivered(
        person: Worker, referral_id: UUID, body: ServiceDelivered, key: IdempotencyKey
    ) -> JSONResponse:
        delivered = {
            "service_type": body.service_type.value,
            "service_date": body.service_date.isoformat(),
        }
        return await record(person, key, referral_id, "services", delivered)

    @router.post(
        "",
        status_code=202,
        responses={**ACTION_ERRORS, 422: {"description": "Consent not confirmed, or invalid"}},
        summary="Send a referral from the short form (hospital staff)",
    )
    async def send(person: Sender, form: ReferralForm, key: IdempotencyKey) -> JSONResponse:
        if not form.consent_confirmed:
            raise Problem(422, "consent-required", "the patient's consent must be confirmed")
        api_key = await service.partner_key(core, person.partner_id)

        async def act(session: Any) -> service.Outcome:
            now = datetime.now(UTC)
            consent = await core.clients.record_consent(api_key, consent_record(form, given_at=now))
            body = submission(person, form, consent_id=consent["consent_id"], consented_at=now)
            return 202, await submit_when_known(core, api_key, body, key)

        outcome, replayed = await service.once(
            core,
            person,
            key=key,
            kind="referral.send",
            target=form.recipient_partner_id,
            act=act,
        )
        return action_response(outcome, replayed)

    return router
