"""POST /v1/events: CloudEvents in structured, binary or batch mode, through the one
acceptance path (a batch is accepted whole or not at all)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, status
from starlette.responses import JSONResponse, Response

from cvihub_intake import service
from cvihub_intake.acceptance import REPLAYED_HEADER, Gate, problem_of
from cvihub_intake.checks import Refusal
from cvihub_intake.cloudevents_in.parsing import (
    BATCH,
    PUBLISHABLE,
    STRUCTURED,
    InvalidCloudEvent,
    parse_request,
)
from cvihub_registry_copy import Principal
from cvihub_registry_copy.web import PartnerDeps
from cvihub_runtime.edges import api_router
from cvihub_runtime.problems import Problem

EVENTS_PATH = "/v1/events"
_ACCEPTED = (STRUCTURED, BATCH, "application/json")
_DESCRIPTION = (
    "Publish any event partners may publish ("
    + ", ".join(sorted(PUBLISHABLE))
    + ") as a CloudEvent 1.0: structured mode (`application/cloudevents+json`), binary mode "
    "(`ce-*` headers, JSON body) or a batch (`application/cloudevents-batch+json`, accepted "
    "whole or not at all). `dataschema` picks the version (the newest by default); older "
    "versions are upcast. The event's `source` and `id` make a resend safe: it gets the first "
    "answer and makes no second event. The hub mints its own event id; `source` on the hub's "
    "event is the partner's."
)


def events_router(deps: PartnerDeps, gate: Gate, problems: dict[int | str, Any]) -> APIRouter:
    """The CloudEvents route."""
    router = api_router(tags=["intake"])

    @router.post(
        EVENTS_PATH,
        status_code=status.HTTP_202_ACCEPTED,
        summary="Publish CloudEvents",
        description=_DESCRIPTION,
        responses={
            202: {"description": "Accepted: one answer per event (a list for a batch)."},
            **problems,
        },
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    STRUCTURED: {"schema": {"type": "object"}},
                    BATCH: {"schema": {"type": "array", "items": {"type": "object"}}},
                    "application/json": {"schema": {"type": "object"}},
                },
            }
        },
    )
    async def post_events(
        request: Request, principal: Annotated[Principal, Depends(deps.current_partner)]
    ) -> Response:
        # The key was checked by the dependency, before a byte of the body is read.
        content_type = request.headers.get("content-type", "")
        media = content_type.split(";")[0].strip().lower()
        binary = "ce-specversion" in request.headers
        if media == "application/json" and not binary:
            raise Problem(
                400,
                "cloudevent-attributes-missing",
                "binary mode (application/json) needs the ce-specversion, ce-id, ce-source and "
                "ce-type headers; or send the event as application/cloudevents+json",
            )
        if media not in _ACCEPTED:
            raise Problem(
                415,
                "unsupported-media-type",
                "send application/cloudevents+json, application/cloudevents-batch+json, or "
                "application/json with ce-* headers",
                headers={"Accept-Post": ", ".join(_ACCEPTED)},
            )
        body = await request.body()
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            raise Problem(400, "body-not-utf8", "the body is not UTF-8 text") from None
        try:
            parsed = parse_request(content_type, request.headers, body)
        except InvalidCloudEvent as invalid:
            raise Problem(422, invalid.kind, invalid.detail, errors=invalid.errors) from None
        header_key = request.headers.get("idempotency-key")
        if header_key is not None and not 1 <= len(header_key) <= 255:
            raise Problem(422, "validation-error", "Idempotency-Key is 1 to 255 characters")
        items = [
            service.Item(
                submission=event.submission,
                correlation_id=event.correlation_id,
                # A single event may carry a key of its own; a batch's events are their own keys.
                idempotency_key=header_key
                if header_key and len(parsed) == 1 and media != BATCH
                else event.idempotency_key,
            )
            for event in parsed
        ]
        try:
            accepted = await gate.accept(request, principal, items)
        except Refusal as refusal:
            raise problem_of(refusal, prefix=parsed[refusal.index or 0].data_pointer) from None
        replayed = all(result.replayed for result in accepted)
        headers = {REPLAYED_HEADER: "true"} if replayed else None
        content: Any = [result.body for result in accepted] if media == BATCH else accepted[0].body
        return JSONResponse(content, status_code=202, headers=headers)

    return router
