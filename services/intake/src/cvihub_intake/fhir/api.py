"""FHIR routes: POST /fhir (a referral transaction), /fhir/metadata, /fhir/Task reads."""

import json
import re
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from starlette.responses import JSONResponse

from cvihub_contracts.fhir.codes import (
    PARTNER_ID_SYSTEM,
    code_system_resource,
    injury_code_system_resource,
)
from cvihub_intake import service
from cvihub_intake.acceptance import REPLAYED_HEADER, Gate
from cvihub_intake.checks import Refusal
from cvihub_intake.fhir import outputs, tasks
from cvihub_intake.fhir.capability import capability_statement
from cvihub_intake.fhir.mapping import fhirpath_for, map_bundle, parse_bundle
from cvihub_intake.fhir.outcome import (
    FHIR_JSON,
    FhirRefusal,
    Issue,
    operation_outcome,
    with_fhir_outcomes,
)
from cvihub_registry_copy import Principal
from cvihub_registry_copy.refusal_audit import record_request_refusal
from cvihub_registry_copy.web import PartnerDeps
from cvihub_runtime.edges import api_router
from cvihub_runtime.problems import Problem

FHIR_PATH = "/fhir"
_ISSUE_CODE = {403: "forbidden", 422: "business-rule"}
_SEARCH_LIMIT = 500


def fhir_response(
    resource: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> JSONResponse:
    """A FHIR JSON answer."""
    return JSONResponse(resource, status_code=status, media_type=FHIR_JSON, headers=headers)


def fhir_router(deps: PartnerDeps, gate: Gate, problems: dict[int | str, Any]) -> APIRouter:
    """The FHIR routes."""
    router = api_router(prefix=FHIR_PATH, tags=["fhir"])
    sessions, recorder = deps.sessions, deps.recorder
    Partner = Annotated[Principal, Depends(deps.current_partner)]
    fhir_content: dict[int | str, dict[str, Any]] = {200: {"content": {FHIR_JSON: {}}}}

    @router.get("/metadata", summary="CapabilityStatement", responses=fhir_content)
    async def metadata() -> JSONResponse:
        return fhir_response(capability_statement(datetime.now(UTC).date().isoformat()))

    @router.get("/CodeSystem/cvi-services", summary="CVI services", responses=fhir_content)
    async def cvi_services() -> JSONResponse:
        return fhir_response(code_system_resource())

    @router.get("/CodeSystem/injury-mechanism", summary="Injury mechanisms", responses=fhir_content)
    async def injury_mechanisms() -> JSONResponse:
        return fhir_response(injury_code_system_resource())

    @router.post(
        "",
        summary="Submit a referral as a FHIR transaction Bundle",
        description="A Gravity SDOH CC referral: Task + ServiceRequest + Patient + requester + "
        "Consent. Answers a transaction-response Bundle, or an OperationOutcome naming each "
        "problem by FHIRPath; nothing is published on error. Idempotency-Key, or the Bundle's "
        "identifier, makes a retry safe.",
        responses={200: {"content": {FHIR_JSON: {}}}, **with_fhir_outcomes(problems)},
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {FHIR_JSON: {"schema": {"type": "object"}}},
            }
        },
    )
    async def post_transaction(request: Request, principal: Partner) -> JSONResponse:
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media not in (FHIR_JSON, "application/json"):
            return _outcome(415, [Issue("not-supported", f"send {FHIR_JSON}")])
        try:
            body = json.loads(await request.body())
        except (json.JSONDecodeError, UnicodeDecodeError):
            return _outcome(400, [Issue("structure", "the body is not JSON", "Bundle")])
        try:
            mapped = map_bundle(parse_bundle(body))
        except FhirRefusal as refusal:
            return _outcome(refusal.status, refusal.issues)
        key = request.headers.get("idempotency-key") or mapped.idempotency_key
        item = service.Item(submission=mapped.submission, idempotency_key=key)
        try:
            [accepted] = await gate.accept(request, principal, [item])
        except Refusal as refusal:
            if refusal.status == 403:
                await record_request_refusal(
                    recorder, request, reason="no publish grant", status_code=403
                )
            issue = Issue(
                _ISSUE_CODE.get(refusal.status, "invalid"),
                refusal.detail,
                fhirpath_for(mapped, refusal.pointer),
            )
            return _outcome(refusal.status, [issue])
        referral_id = str(accepted.body["referral_id"])
        entries = []
        for kind, _url in mapped.entries:
            if kind in ("Task", "ServiceRequest"):
                entries.append(
                    {"response": {"status": "201 Created", "location": f"{kind}/{referral_id}"}}
                )
            else:
                entries.append({"response": {"status": "200 OK"}})
        response = {"resourceType": "Bundle", "type": "transaction-response", "entry": entries}
        headers = {REPLAYED_HEADER: "true"} if accepted.replayed else {}
        return fhir_response(response, headers=headers)

    @router.get(
        "/Task/{task_id}",
        summary="Read a referral's Task",
        description="The Gravity Task of a referral you sent or received, with its status.",
        responses={**fhir_content, **problems},
    )
    async def read_task(
        request: Request, task_id: Annotated[str, Path(max_length=64)], principal: Partner
    ) -> JSONResponse:
        async with sessions() as session:
            row = await tasks.find_task(session, task_id)
            found = await outputs.outputs_of(session, [task_id] if row is not None else [])
        partner = principal.partner_id
        if row is None or partner not in (row["referring_partner_id"], row["recipient_partner_id"]):
            if row is not None:
                await record_request_refusal(
                    recorder, request, reason="not the requester or owner", status_code=404
                )
            raise Problem(404, "not-found", "no Task of yours has this id")
        return fhir_response(tasks.task_resource(row, found[task_id]))

    @router.get(
        "/Task",
        summary="Search your referrals' Tasks",
        description="owner=Organization?identifier=… or a partner id; _lastUpdated=gt<instant>. "
        "Poll at least once a business day and at most every 15 minutes.",
        responses={**fhir_content, **problems},
    )
    async def search_tasks(
        principal: Partner,
        owner: Annotated[str | None, Query(max_length=200)] = None,
        last_updated: Annotated[str | None, Query(alias="_lastUpdated", max_length=40)] = None,
    ) -> JSONResponse:
        after = _after(last_updated)
        async with sessions() as session:
            rows = await tasks.search_tasks(
                session,
                partner_id=principal.partner_id,
                owner=_owner_id(owner),
                updated_after=after,
                limit=_SEARCH_LIMIT,
            )
            found = await outputs.outputs_of(session, [row["referral_id"] for row in rows])
        bundle = {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": len(rows),
            "entry": [
                {
                    "fullUrl": f"Task/{row['referral_id']}",
                    "resource": tasks.task_resource(row, found[row["referral_id"]]),
                }
                for row in rows
            ],
        }
        return fhir_response(bundle)

    return router


def _outcome(status: int, issues: list[Issue]) -> JSONResponse:
    return fhir_response(operation_outcome(issues), status)


def _owner_id(owner: str | None) -> str | None:
    if owner is None:
        return None
    prefix = f"{PARTNER_ID_SYSTEM}|"
    value = owner.split("identifier=", 1)[1] if "identifier=" in owner else owner
    value = value.removeprefix(prefix).removeprefix("Organization/")
    return value or None


def _after(last_updated: str | None) -> datetime | None:
    if last_updated is None:
        return None
    match = re.fullmatch(r"gt(.+)", last_updated)
    if match is None:
        raise Problem(400, "unsupported-search", "_lastUpdated takes gt<instant> only")
    try:
        moment = datetime.fromisoformat(match[1].replace("Z", "+00:00"))
    except ValueError:
        raise Problem(400, "invalid-search", "_lastUpdated: not an instant") from None
    if moment.tzinfo is None:
        raise Problem(400, "invalid-search", "_lastUpdated: give a time zone")
    return moment
