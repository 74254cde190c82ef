"""FHIR Subscription routes (R4 Subscriptions Backport, rest-hook, id-only) on your Tasks."""

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from sqlalchemy.engine import RowMapping
from starlette.responses import JSONResponse, Response

from cvihub_intake.fhir.outcome import (
    FHIR_JSON,
    FhirRefusal,
    Issue,
    operation_outcome,
    with_fhir_outcomes,
)
from cvihub_intake.fhir.subscriptions import resources, store
from cvihub_registry_copy import Principal
from cvihub_registry_copy.refusal_audit import record_request_refusal
from cvihub_registry_copy.web import PartnerDeps
from cvihub_runtime.edges import api_router
from cvihub_runtime.egress import EgressPolicy, EgressRefused, Resolver, checked_destination
from cvihub_runtime.problems import Problem

_ID = Annotated[str, Path(max_length=64)]
_NOT_YOURS = "not the subscriber"


@dataclass(frozen=True)
class SubscriptionRules:
    """What a partner's Subscriptions are held to."""

    egress: EgressPolicy
    per_partner: int
    base_url: str | None
    resolver: Resolver | None = None


def _answer(resource: dict[str, Any], status: int = 200, **headers: str) -> JSONResponse:
    return JSONResponse(resource, status_code=status, media_type=FHIR_JSON, headers=headers)


def _outcome(refusal: FhirRefusal) -> JSONResponse:
    return _answer(operation_outcome(refusal.issues), refusal.status)


def subscriptions_router(
    deps: PartnerDeps, rules: SubscriptionRules, problems: dict[int | str, Any]
) -> APIRouter:
    """POST/GET/DELETE /fhir/Subscription and $status."""
    router = api_router(prefix="/fhir/Subscription", tags=["fhir"])
    sessions, recorder = deps.sessions, deps.recorder
    Partner = Annotated[Principal, Depends(deps.current_partner)]
    content: dict[int | str, Any] = {200: {"content": {FHIR_JSON: {}}}, **problems}

    async def yours(request: Request, subscription_id: str, partner_id: str) -> RowMapping:
        async with sessions() as session:
            row = await store.find(session, subscription_id)
        if row is None or row["partner_id"] != partner_id:
            if row is not None:
                await record_request_refusal(recorder, request, reason=_NOT_YOURS, status_code=404)
            raise Problem(404, "not-found", "no Subscription of yours has this id")
        return row

    @router.post(
        "",
        summary="Subscribe to your Tasks' changes (rest-hook, id-only)",
        description=f"An R4 backport Subscription: criteria {resources.TASK_TOPIC} (filter "
        "criteria owner/requester) or `Task?owner=…`; channel rest-hook to an HTTPS endpoint on "
        "a public address; payload application/fhir+json, content id-only. Each change of a "
        "Task you sent or received is POSTed as a history Bundle naming the Task's id only.",
        status_code=201,
        responses={201: {"content": {FHIR_JSON: {}}}, **with_fhir_outcomes(problems)},
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {FHIR_JSON: {"schema": {"type": "object"}}},
            }
        },
    )
    async def create(request: Request, principal: Partner) -> JSONResponse:
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media not in (FHIR_JSON, "application/json"):
            issue = Issue("not-supported", f"send {FHIR_JSON}")
            return _answer(operation_outcome([issue]), 415)
        try:
            body = json.loads(await request.body())
        except (json.JSONDecodeError, UnicodeDecodeError):
            return _answer(operation_outcome([Issue("structure", "the body is not JSON")]), 400)
        try:
            new = resources.parse_subscription(body)
            await _check_endpoint(new.endpoint, rules)
        except FhirRefusal as refusal:
            return _outcome(refusal)
        now = datetime.now(UTC)
        async with sessions() as session, session.begin():
            if await store.count_of(session, principal.partner_id) >= rules.per_partner:
                detail = f"at most {rules.per_partner} Subscriptions per partner: delete one"
                return _outcome(FhirRefusal(422, [Issue("too-costly", detail, "Subscription")]))
            subscription_id = await store.create(
                session, partner_id=principal.partner_id, new=new, now=now
            )
            row = await store.find(session, subscription_id)
        assert row is not None
        return _answer(
            resources.subscription_resource(row), 201, Location=f"Subscription/{subscription_id}"
        )

    @router.get("", summary="Your Subscriptions", responses=content)
    async def search(principal: Partner) -> JSONResponse:
        async with sessions() as session:
            rows = await store.of_partner(session, principal.partner_id)
        entries = [
            {
                "fullUrl": f"Subscription/{row['subscription_id']}",
                "resource": resources.subscription_resource(row),
            }
            for row in rows
        ]
        bundle = {"resourceType": "Bundle", "type": "searchset", "total": len(rows)}
        return _answer({**bundle, "entry": entries})

    @router.get("/{subscription_id}", summary="Read one of your Subscriptions", responses=content)
    async def read(request: Request, subscription_id: _ID, principal: Partner) -> JSONResponse:
        row = await yours(request, subscription_id, principal.partner_id)
        return _answer(resources.subscription_resource(row))

    @router.get(
        "/{subscription_id}/$status",
        summary="A Subscription's status (backport $status)",
        responses=content,
    )
    async def status(request: Request, subscription_id: _ID, principal: Partner) -> JSONResponse:
        row = await yours(request, subscription_id, principal.partner_id)
        parameters = resources.status_parameters(row, base=rules.base_url, kind="query-status")
        return _answer(parameters)

    @router.delete(
        "/{subscription_id}",
        summary="End one of your Subscriptions",
        description="Unsent notifications go with it.",
        status_code=204,
        responses={204: {"description": "Deleted"}, **problems},
    )
    async def remove(request: Request, subscription_id: _ID, principal: Partner) -> Response:
        await yours(request, subscription_id, principal.partner_id)
        async with sessions() as session, session.begin():
            await store.remove(session, subscription_id)
        return Response(status_code=204)

    return router


async def _check_endpoint(endpoint: str, rules: SubscriptionRules) -> None:
    """FhirRefusal(422) naming the egress rule the endpoint breaks (checked again per POST)."""
    try:
        if rules.resolver is None:
            await checked_destination(endpoint, rules.egress)
        else:
            await checked_destination(endpoint, rules.egress, rules.resolver)
    except EgressRefused as refused:
        detail = f"the endpoint breaks the egress rule {refused}"
        where = "Subscription.channel.endpoint"
        raise FhirRefusal(422, [Issue("security", detail, where)]) from None
