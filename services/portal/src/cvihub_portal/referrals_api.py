"""The portal's referral routes: the inbox of my organisation, moves, contact attempts, and the
hospital's short form. Every call to the referrals and intake APIs goes through clients.py."""

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from cvihub_portal import service, store
from cvihub_portal.api import ACTION_ERRORS, ERRORS, action_response
from cvihub_portal.deps import IdempotencyKey, ability, person_guard
from cvihub_portal.schemas import ContactAttempt, Decline, ReferralForm
from cvihub_portal.service import Person, PortalCore
from cvihub_runtime.edges import api_router
from cvihub_runtime.problems import Problem


def _summary(referral: dict[str, Any], attempts: int) -> dict[str, Any]:
    return {**referral, "contact_attempts": attempts}


def referrals_router(core: PortalCore) -> APIRouter:
    """Routes under /api/referrals, each on behalf of the signed-in person's partner."""
    router = api_router(prefix="/api/referrals", tags=["referrals"], responses=ERRORS)
    Signed = Annotated[Person, Depends(person_guard(core))]
    Worker = Annotated[Person, Depends(ability(core, "referrals.work"))]
    Sender = Annotated[Person, Depends(ability(core, "referrals.send"))]

    @router.get("", summary="Referrals offered to, owned by or sent by my organisation")
    async def list_referrals(person: Signed) -> list[dict[str, Any]]:
        key = await service.partner_key(core, person.partner_id)
        referrals = await core.clients.referrals(key)
        async with core.sessions() as session:
            attempts = await store.contact_attempts_of(session, person.partner_id)
        counts: dict[str, int] = {}
        for attempt in attempts:
            counts[attempt["referral_id"]] = counts.get(attempt["referral_id"], 0) + 1
        return [_summary(r, counts.get(str(r["referral_id"]), 0)) for r in referrals]

    @router.get("/{referral_id}", summary="One referral, its history and contact attempts")
    async def get_referral(person: Signed, referral_id: UUID) -> dict[str, Any]:
        key = await service.partner_key(core, person.partner_id)
        referral = await core.clients.referral(key, str(referral_id))
        async with core.sessions() as session:
            attempts = await store.contact_attempts_of(session, person.partner_id, str(referral_id))
        referral["contact_attempts"] = [{**a, "at": a["at"].isoformat()} for a in attempts]
        return referral

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

    @router.post(
        "/{referral_id}/contact-attempts",
        status_code=201,
        responses=ACTION_ERRORS,
        summary="Log an attempt to reach the person (the first moves an accepted referral "
        "to in-progress)",
    )
    async def contact_attempt(
        person: Worker, referral_id: UUID, body: ContactAttempt, key: IdempotencyKey
    ) -> JSONResponse:
        api_key = await service.partner_key(core, person.partner_id)

        async def act(session: Any) -> service.Outcome:
            referral = await core.clients.referral(api_key, str(referral_id))
            if referral["recipient_partner_id"] != person.partner_id:
                raise Problem(403, "not-recipient", "only the receiving organisation logs contact")
            if referral["status"] == "accepted":
                await core.clients.move_referral(
                    api_key,
                    str(referral_id),
                    "status",
                    {
                        "status": "in-progress",
                        "reason": "client-engaged",
                        "note": "first contact attempt logged in the portal",
                    },
                )
            at = datetime.now(UTC)
            await store.add_contact_attempt(
                session,
                partner_id=person.partner_id,
                referral_id=str(referral_id),
                person_id=person.person_id,
                channel=body.channel.value,
                outcome=body.outcome.value,
                at=at,
                idempotency_key=key,
            )
            return 201, {
                "channel": body.channel.value,
                "outcome": body.outcome.value,
                "at": at.isoformat(),
            }

        outcome, replayed = await service.once(
            core, person, key=key, kind="referral.contact", target=str(referral_id), act=act
        )
        return action_response(outcome, replayed)

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
        body = submission(person, form)

        async def act(session: Any) -> service.Outcome:
            return 202, await core.clients.submit_referral(api_key, body, key)

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


def submission(person: Person, form: ReferralForm) -> dict[str, Any]:
    """The intake submission a short form stands for; consent covers the one recipient."""
    patient: dict[str, Any] = {
        "given_name": form.given_name,
        "family_name": form.family_name,
        "preferred_language": form.preferred_language,
    }
    if form.phone:
        patient["phone"] = form.phone
    consent: dict[str, Any] = {
        "consented_by": form.consented_by,
        "consented_at": datetime.now(UTC).isoformat(),
        "recipient_partner_ids": [form.recipient_partner_id],
        "scope": ["contact"],
    }
    if form.consent_expires_at:
        consent["expires_at"] = form.consent_expires_at.isoformat()
    return {
        "recipient_partner_id": form.recipient_partner_id,
        "patient": patient,
        "injury": {"mechanism": form.mechanism.value},
        "consent": consent,
        "referring_contact": {"name": person.display_name},
        "reason": form.reason,
        "urgency": form.urgency.value,
    }
