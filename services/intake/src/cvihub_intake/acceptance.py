"""The HTTP side of the one acceptance path: every route that takes submissions calls `Gate`.

It runs service.accept, audits refusals that consent decided, maps refusals to problems,
counts what was accepted and wakes the outbox relay."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from starlette.responses import JSONResponse

from cvihub_contracts.referral.submitted_v1 import ReferralSubmission
from cvihub_intake import metrics, service
from cvihub_intake.checks import Refusal
from cvihub_registry_copy import Principal
from cvihub_registry_copy.refusal_audit import record_request_refusal
from cvihub_registry_copy.refusals import RefusalRecorder
from cvihub_runtime.db import SessionFactory
from cvihub_runtime.group_commit import GroupCommit
from cvihub_runtime.problems import Problem

CONSENT_REFUSAL_PREFIX = "consent-"
"""Refusal kinds that say the patient's consent does not allow this referral (audited)."""
_AUDIT_REASONS = {"consent-does-not-cover-recipient": "recipient not covered by consent"}
REPLAYED_HEADER = "Idempotent-Replayed"
"""Set to "true" on an answer repeated for a retried request."""


@dataclass(frozen=True)
class Gate:
    """Accepts submissions for the routes: one instance per app."""

    sessions: SessionFactory
    recorder: RefusalRecorder
    wake_relay: Callable[[], None]
    policy: service.Policy
    commits: GroupCommit
    """Shares one transaction among submissions accepted at the same moment."""

    async def accept(
        self, request: Request, principal: Principal, items: Sequence[service.Item]
    ) -> list[service.Accepted]:
        """Accept all items or none; a refusal is audited where consent decided it, then raised."""
        try:
            accepted = await service.accept(
                sessions=self.sessions,
                principal=principal,
                items=items,
                policy=self.policy,
                commits=self.commits,
            )
        except Refusal as refusal:
            await self.audit(request, refusal, items)
            raise
        if any(not a.replayed for a in accepted):
            self.wake_relay()
        for result in accepted:
            if not result.replayed:
                metrics.ACCEPTED.labels(kind=result.kind.value).inc()
        return accepted

    async def audit(
        self, request: Request, refusal: Refusal, items: Sequence[service.Item]
    ) -> None:
        """Record a refusal that consent decided (who may receive the patient)."""
        if not refusal.kind.startswith(CONSENT_REFUSAL_PREFIX):
            return
        submission = items[refusal.index or 0].submission
        resource = (
            submission.recipient_partner_id if isinstance(submission, ReferralSubmission) else None
        )
        await record_request_refusal(
            self.recorder,
            request,
            reason=_AUDIT_REASONS.get(refusal.kind, refusal.kind.replace("-", " ")),
            status_code=refusal.status,
            resource=resource,
        )

    async def accept_one(
        self, request: Request, principal: Principal, item: service.Item
    ) -> JSONResponse:
        """Accept one submission and answer 202 (or its earlier answer), or the problem."""
        try:
            [result] = await self.accept(request, principal, [item])
        except Refusal as refusal:
            raise problem_of(refusal) from None
        return answer(result)


def answer(result: service.Accepted) -> JSONResponse:
    """The HTTP answer to one accepted submission."""
    headers = {REPLAYED_HEADER: "true"} if result.replayed else None
    return JSONResponse(result.body, status_code=result.status_code, headers=headers)


def problem_of(refusal: Refusal, *, prefix: str = "") -> Problem:
    """The problem details of a refusal; `prefix` (e.g. "/2/data") places its
    pointer inside a larger body."""
    errors: list[dict[str, Any]] = []
    if refusal.pointer:
        pointer = "#" + prefix + refusal.pointer.removeprefix("#")
        errors = [{"pointer": pointer, "detail": refusal.detail, "code": refusal.kind}]
    headers = None
    if refusal.status == 403 and refusal.kind == "insufficient-scope":
        headers = {"WWW-Authenticate": 'Bearer error="insufficient_scope"'}
    return Problem(refusal.status, refusal.kind, refusal.detail, headers=headers, errors=errors)
