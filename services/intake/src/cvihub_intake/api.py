"""The intake HTTP API: partners post referrals and incident alerts."""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Request, status
from starlette.responses import Response

from cvihub_contracts import Stream
from cvihub_contracts.alert.incident_alert_v1 import IncidentAlertSubmission
from cvihub_contracts.alert.incident_alert_v2 import IncidentAlertSubmissionV2
from cvihub_contracts.bulletin.published_v1 import BulletinSubmission
from cvihub_contracts.referral.submitted_v1 import ReferralSubmission
from cvihub_intake import service
from cvihub_intake.acceptance import Gate
from cvihub_intake.checks import Submission
from cvihub_intake.cloudevents_in.api import events_router
from cvihub_intake.fhir.api import fhir_router
from cvihub_intake.models import SubmissionKind
from cvihub_intake.schemas import (
    AlertAccepted,
    BulletinAccepted,
    ProblemDetails,
    ReferralAccepted,
    SubmissionState,
)
from cvihub_intake.service import PUBLISH_SCOPE
from cvihub_intake.uploads.api import uploads_router
from cvihub_intake.uploads.jobs import UploadRunner
from cvihub_registry_copy import Principal
from cvihub_registry_copy.refusal_audit import record_request_refusal
from cvihub_registry_copy.web import PartnerDeps, check_scope
from cvihub_runtime.edges import api_router
from cvihub_runtime.problems import PROBLEM_JSON, Problem

REFERRALS_PATH = "/v1/referrals"
ALERTS_PATH = "/v1/incident-alerts"
ALERTS_V2_PATH = "/v2/incident-alerts"
BULLETINS_PATH = "/v1/bulletins"
_KIND_BY_PATH = {
    REFERRALS_PATH: SubmissionKind.REFERRAL,
    ALERTS_PATH: SubmissionKind.INCIDENT_ALERT,
    ALERTS_V2_PATH: SubmissionKind.INCIDENT_ALERT,
    BULLETINS_PATH: SubmissionKind.BULLETIN,
}

CorrelationId = Annotated[
    str | None,
    Header(
        alias="X-Correlation-Id",
        min_length=1,
        max_length=128,
        description="Your id tying this request to others; carried on the event.",
    ),
]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description="Your unique key for this request: a retry with the same key and body gets "
        "the first answer and makes no second event; the same key with another body gets 422 "
        "idempotency-key-reused. Keys are kept per partner for 24 hours (configurable).",
    ),
]
IDEMPOTENCY_NOTE = (
    "Send an Idempotency-Key header to make retries safe; a repeated answer carries "
    "Idempotent-Replayed: true."
)


def submission_kind_of(request: Request) -> str | None:
    """The kind of submission a request posts, or None for any other request."""
    if request.method != "POST":
        return None
    kind = _KIND_BY_PATH.get(request.url.path)
    return kind.value if kind else None


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {
        code: {
            # `model` registers the schema; the ref documents the media type actually sent.
            "model": ProblemDetails,
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}},
            "description": "Problem details (RFC 9457)",
        }
        for code in statuses
    }


def intake_router(deps: PartnerDeps, gate: Gate, uploads: UploadRunner) -> APIRouter:
    """Routes of the intake API; each accepted submission wakes the outbox relay."""
    router = api_router(prefix="/v1", tags=["intake"])
    v2 = api_router(prefix="/v2", tags=["intake"])
    sessions, recorder = deps.sessions, deps.recorder
    # Any key that may publish something may check on its submissions.
    Submitter = Annotated[Principal, Depends(deps.scoped(*PUBLISH_SCOPE.values()))]

    def publisher_of(stream: Stream) -> Callable[..., Awaitable[Principal]]:
        # A dependency, so scope and grant are checked before the body is validated: a partner
        # that may not publish learns nothing from its body. The acceptance path checks again.
        async def granted_partner(
            principal: Annotated[Principal, Depends(deps.current_partner)],
        ) -> Principal:
            check_scope(principal, PUBLISH_SCOPE[stream])
            # A session of its own, returned before the route runs: a request never holds two.
            async with sessions() as session:
                granted = await service.may_publish(
                    session=session, partner_id=principal.partner_id, stream=stream
                )
            if not granted:
                raise Problem(403, "not-granted", f"you may not publish to the {stream} stream")
            return principal

        return granted_partner

    def item(submission: Submission, correlation_id: str | None, key: str | None) -> service.Item:
        return service.Item(
            submission=submission, correlation_id=correlation_id, idempotency_key=key
        )

    @router.post(
        "/referrals",
        status_code=status.HTTP_202_ACCEPTED,
        response_model=ReferralAccepted,
        summary="Submit a referral",
        description="Validate a referral and queue it for the addressed CVI organisation. "
        + IDEMPOTENCY_NOTE,
        responses=problems(401, 403, 413, 422, 429),
    )
    async def post_referral(
        request: Request,
        submission: ReferralSubmission,
        principal: Annotated[Principal, Depends(publisher_of(Stream.REFERRALS))],
        correlation_id: CorrelationId = None,
        idempotency_key: IdempotencyKey = None,
    ) -> Response:
        return await gate.accept_one(
            request, principal, item(submission, correlation_id, idempotency_key)
        )

    @router.post(
        "/incident-alerts",
        status_code=status.HTTP_202_ACCEPTED,
        response_model=AlertAccepted,
        summary="Publish an incident alert (version 1)",
        description="Validate a version-1 incident alert and queue it for subscribed "
        "organisations. Subscribers receive the newest version; prefer /v2/incident-alerts. "
        + IDEMPOTENCY_NOTE,
        responses=problems(401, 403, 413, 422, 429),
    )
    async def post_incident_alert(
        request: Request,
        submission: IncidentAlertSubmission,
        principal: Annotated[Principal, Depends(publisher_of(Stream.INCIDENT_ALERTS))],
        correlation_id: CorrelationId = None,
        idempotency_key: IdempotencyKey = None,
    ) -> Response:
        return await gate.accept_one(
            request, principal, item(submission, correlation_id, idempotency_key)
        )

    @router.post(
        "/bulletins",
        status_code=status.HTTP_202_ACCEPTED,
        response_model=BulletinAccepted,
        summary="Share a community bulletin",
        description="Share an event (a vigil, a peace walk, a training) or a resource with "
        "the network. " + IDEMPOTENCY_NOTE,
        responses=problems(401, 403, 413, 422, 429),
    )
    async def post_bulletin(
        request: Request,
        submission: BulletinSubmission,
        principal: Annotated[Principal, Depends(publisher_of(Stream.BULLETINS))],
        correlation_id: CorrelationId = None,
        idempotency_key: IdempotencyKey = None,
    ) -> Response:
        return await gate.accept_one(
            request, principal, item(submission, correlation_id, idempotency_key)
        )

    @v2.post(
        "/incident-alerts",
        status_code=status.HTTP_202_ACCEPTED,
        response_model=AlertAccepted,
        summary="Publish an incident alert (version 2)",
        description="Validate a version-2 incident alert (per-victim severity, verification "
        "level) and queue it for subscribed organisations. " + IDEMPOTENCY_NOTE,
        responses=problems(401, 403, 413, 422, 429),
    )
    async def post_incident_alert_v2(
        request: Request,
        submission: IncidentAlertSubmissionV2,
        principal: Annotated[Principal, Depends(publisher_of(Stream.INCIDENT_ALERTS))],
        correlation_id: CorrelationId = None,
        idempotency_key: IdempotencyKey = None,
    ) -> Response:
        return await gate.accept_one(
            request, principal, item(submission, correlation_id, idempotency_key)
        )

    @router.get(
        "/submissions/{event_id}",
        summary="Check one of your submissions",
        description="Whether a submission of yours was accepted and has been published.",
        responses=problems(401, 403, 404),
    )
    async def get_submission(
        request: Request, event_id: Annotated[str, Path(max_length=64)], principal: Submitter
    ) -> SubmissionState:
        found = await service.find_own_submission(
            sessions=sessions, partner_id=principal.partner_id, event_id=event_id
        )
        if found is None:
            # Reaching for another partner's submission is a refused authorisation: audited.
            # The answer stays the same 404 as for an id that exists nowhere.
            if await service.submission_exists(sessions=sessions, event_id=event_id):
                await record_request_refusal(
                    recorder, request, reason="not the submitter", status_code=404
                )
            raise Problem(404, "not-found", "no submission of yours has this event id")
        return SubmissionState(
            event_id=found.event_id,
            kind=found.kind,
            accepted_at=found.accepted_at,
            published=found.published,
        )

    versions = APIRouter()
    versions.include_router(router)
    versions.include_router(v2)
    versions.include_router(events_router(deps, gate, problems(400, 401, 403, 413, 415, 422, 429)))
    versions.include_router(fhir_router(deps, gate, problems(400, 401, 403, 404, 415, 422, 429)))
    versions.include_router(
        uploads_router(deps, uploads, problems(401, 403, 404, 413, 415, 422, 429))
    )
    return versions
