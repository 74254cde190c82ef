"""The intake HTTP API: partners post referrals and incident alerts."""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Request, status

from cvihub_contracts import Scope, Stream
from cvihub_contracts.alert.incident_alert_v1 import IncidentAlertSubmission
from cvihub_contracts.alert.incident_alert_v2 import IncidentAlertSubmissionV2
from cvihub_contracts.bulletin.published_v1 import BulletinSubmission
from cvihub_contracts.referral.submitted_v1 import ReferralSubmission
from cvihub_intake import metrics, service
from cvihub_intake.models import SubmissionKind
from cvihub_intake.schemas import (
    AlertAccepted,
    BulletinAccepted,
    ProblemDetails,
    ReferralAccepted,
    SubmissionState,
)
from cvihub_registry_copy import Principal
from cvihub_registry_copy.refusal_audit import record_request_refusal
from cvihub_registry_copy.web import PartnerDeps, check_scope
from cvihub_runtime.edges import api_router
from cvihub_runtime.problems import PROBLEM_JSON, Problem

REFERRALS_PATH = "/v1/referrals"
ALERTS_PATH = "/v1/incident-alerts"
ALERTS_V2_PATH = "/v2/incident-alerts"
BULLETINS_PATH = "/v1/bulletins"
# Refusal kinds that say the patient's consent does not allow this referral (audited).
CONSENT_REFUSAL_PREFIX = "consent-"
_AUDIT_REASONS = {"consent-does-not-cover-recipient": "recipient not covered by consent"}
_PUBLISH_SCOPE = {
    Stream.REFERRALS: Scope.REFERRALS_SUBMIT,
    Stream.INCIDENT_ALERTS: Scope.ALERTS_PUBLISH,
    Stream.BULLETINS: Scope.BULLETINS_PUBLISH,
}
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


def submission_kind_of(request: Request) -> str | None:
    """The kind of submission a request posts, or None for any other request."""
    if request.method != "POST":
        return None
    kind = _KIND_BY_PATH.get(request.url.path)
    return kind.value if kind else None


def _problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {
        code: {
            # `model` registers the schema; the ref documents the media type actually sent.
            "model": ProblemDetails,
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}},
            "description": "Problem details (RFC 9457)",
        }
        for code in statuses
    }


def intake_router(deps: PartnerDeps) -> APIRouter:
    """Routes of the intake API; each accepted submission wakes the outbox relay."""
    router = api_router(prefix="/v1", tags=["intake"])
    v2 = api_router(prefix="/v2", tags=["intake"])
    sessions, recorder, wake_relay = deps.sessions, deps.recorder, deps.on_committed
    # Any key that may publish something may check on its submissions.
    Submitter = Annotated[Principal, Depends(deps.scoped(*_PUBLISH_SCOPE.values()))]

    def publisher_of(stream: Stream) -> Callable[..., Awaitable[str]]:
        # A dependency, so scope and grant are checked before the body is validated: a partner
        # that may not publish learns nothing from its body.
        async def granted_partner(
            principal: Annotated[Principal, Depends(deps.current_partner)],
        ) -> str:
            check_scope(principal, _PUBLISH_SCOPE[stream])
            partner_id = principal.partner_id
            # A session of its own, returned before the route runs: a request never holds two.
            async with sessions() as session:
                granted = await service.may_publish(
                    session=session, partner_id=partner_id, stream=stream
                )
            if not granted:
                raise Problem(403, "not-granted", f"you may not publish to the {stream} stream")
            return partner_id

        return granted_partner

    @router.post(
        "/referrals",
        status_code=status.HTTP_202_ACCEPTED,
        summary="Submit a referral",
        description="Validate a referral and queue it for the addressed CVI organisation.",
        responses=_problems(401, 403, 413, 422),
    )
    async def post_referral(
        request: Request,
        submission: ReferralSubmission,
        partner_id: Annotated[str, Depends(publisher_of(Stream.REFERRALS))],
        correlation_id: CorrelationId = None,
    ) -> ReferralAccepted:
        try:
            event = await service.submit_referral(
                sessions=sessions,
                partner_id=partner_id,
                submission=submission,
                correlation_id=correlation_id,
            )
        except service.Refusal as refusal:
            if refusal.kind.startswith(CONSENT_REFUSAL_PREFIX):
                # Consent decides who may receive the patient: its refusal is audited.
                await record_request_refusal(
                    recorder,
                    request,
                    reason=_AUDIT_REASONS.get(refusal.kind, refusal.kind.replace("-", " ")),
                    status_code=422,
                    resource=submission.recipient_partner_id,
                )
            raise _unprocessable(refusal) from None
        wake_relay()
        metrics.ACCEPTED.labels(kind=SubmissionKind.REFERRAL.value).inc()
        return ReferralAccepted(event_id=event.envelope.id, referral_id=event.data.referral_id)

    async def accept_alert(
        submission: IncidentAlertSubmission | IncidentAlertSubmissionV2,
        partner_id: str,
        correlation_id: str | None,
    ) -> AlertAccepted:
        # Both versions of the route end here: the event keeps the version that was posted.
        event = await service.submit_alert(
            sessions=sessions,
            partner_id=partner_id,
            submission=submission,
            correlation_id=correlation_id,
        )
        wake_relay()
        metrics.ACCEPTED.labels(kind=SubmissionKind.INCIDENT_ALERT.value).inc()
        return AlertAccepted(event_id=event.envelope.id, alert_id=event.data.alert_id)

    @router.post(
        "/incident-alerts",
        status_code=status.HTTP_202_ACCEPTED,
        summary="Publish an incident alert (version 1)",
        description="Validate a version-1 incident alert and queue it for subscribed "
        "organisations. Subscribers receive the newest version; prefer /v2/incident-alerts.",
        responses=_problems(401, 403, 413, 422),
    )
    async def post_incident_alert(
        submission: IncidentAlertSubmission,
        partner_id: Annotated[str, Depends(publisher_of(Stream.INCIDENT_ALERTS))],
        correlation_id: CorrelationId = None,
    ) -> AlertAccepted:
        return await accept_alert(submission, partner_id, correlation_id)

    @router.post(
        "/bulletins",
        status_code=status.HTTP_202_ACCEPTED,
        summary="Share a community bulletin",
        description="Share an event (a vigil, a peace walk, a training) or a resource with "
        "the network.",
        responses=_problems(401, 403, 413, 422),
    )
    async def post_bulletin(
        submission: BulletinSubmission,
        partner_id: Annotated[str, Depends(publisher_of(Stream.BULLETINS))],
        correlation_id: CorrelationId = None,
    ) -> BulletinAccepted:
        event = await service.submit_bulletin(
            sessions=sessions,
            partner_id=partner_id,
            submission=submission,
            correlation_id=correlation_id,
        )
        wake_relay()
        metrics.ACCEPTED.labels(kind=SubmissionKind.BULLETIN.value).inc()
        return BulletinAccepted(event_id=event.envelope.id, bulletin_id=event.data.bulletin_id)

    @v2.post(
        "/incident-alerts",
        status_code=status.HTTP_202_ACCEPTED,
        summary="Publish an incident alert (version 2)",
        description="Validate a version-2 incident alert (per-victim severity, verification "
        "level) and queue it for subscribed organisations.",
        responses=_problems(401, 403, 413, 422),
    )
    async def post_incident_alert_v2(
        submission: IncidentAlertSubmissionV2,
        partner_id: Annotated[str, Depends(publisher_of(Stream.INCIDENT_ALERTS))],
        correlation_id: CorrelationId = None,
    ) -> AlertAccepted:
        return await accept_alert(submission, partner_id, correlation_id)

    @router.get(
        "/submissions/{event_id}",
        summary="Check one of your submissions",
        description="Whether a submission of yours was accepted and has been published.",
        responses=_problems(401, 403, 404),
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
    return versions


def _unprocessable(refusal: service.Refusal) -> Problem:
    errors = (
        [{"pointer": refusal.pointer, "detail": refusal.detail, "code": refusal.kind}]
        if refusal.pointer
        else []
    )
    return Problem(422, refusal.kind, refusal.detail, errors=errors)
