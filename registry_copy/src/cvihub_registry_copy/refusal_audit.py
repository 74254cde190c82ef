"""Every 401 and 403 a service's HTTP API answers becomes an audit event (see refusals.py)."""

import inspect
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from starlette.responses import Response

from cvihub_registry_copy.principals import credential_id_of
from cvihub_registry_copy.refusals import RefusalRecorder
from cvihub_runtime.problems import Problem

AUDITED_STATUSES = frozenset({401, 403})

Reasons = Mapping[str, str | Callable[[Problem], str]]
"""Audit reasons by problem kind: a text, or a function of the problem."""


def request_action(request: Request) -> str:
    """What the request attempted: method and route template ("GET /v1/referrals/{id}")."""
    route = request.scope.get("route")
    path = getattr(route, "path", None) or request.url.path
    return f"{request.method} {path}"


def request_resource(request: Request) -> str | None:
    """The object the request named in its path (a referral or delivery id), if any."""
    values = [str(value) for value in request.path_params.values()]
    return values[0] if values else None


def _bearer(request: Request) -> str | None:
    authorization = request.headers.get("authorization", "")
    if not authorization.lower().startswith("bearer "):
        return None
    return authorization[len("bearer ") :].strip() or None


def _principal_ids(request: Request) -> tuple[str | None, str | None]:
    # Set by the authenticator (cvihub_registry_copy.web) once a key is known; absent on a 401.
    principal = getattr(request.state, "principal", None)
    if principal is None:
        return None, credential_id_of(_bearer(request))
    return principal.partner_id, principal.credential_id


def refusal_reason(problem: Problem, request: Request, reasons: Reasons) -> str:
    """A short reason for the audit: "unknown key", "insufficient scope referrals:read"…"""
    if problem.status == 401:
        return "missing key" if _bearer(request) is None else "unknown key"
    if problem.kind == "insufficient-scope":
        required: Any = problem.extensions.get("required_scope") or []
        wanted = [required] if isinstance(required, str) else [str(s) for s in required]
        return f"insufficient scope {' or '.join(wanted)}".strip()
    reason = reasons.get(problem.kind, problem.kind.replace("-", " "))
    return reason if isinstance(reason, str) else reason(problem)


async def record_request_refusal(
    recorder: RefusalRecorder,
    request: Request,
    *,
    reason: str,
    status_code: int,
    resource: str | None = None,
) -> None:
    """Record a refusal decided in a route (e.g. a 404 for another partner's object)."""
    partner_id, credential_id = _principal_ids(request)
    await recorder.record(
        partner_id=partner_id,
        credential_id=credential_id,
        action=request_action(request),
        resource=resource if resource is not None else request_resource(request),
        reason=reason,
        status_code=status_code,
    )


def install_refusal_audit(
    app: FastAPI, recorder: RefusalRecorder, *, reasons: Reasons | None = None
) -> None:
    """Record every 401/403 problem, then answer it as before.

    Call after install_problem_handlers (and any other wrapper of the Problem handler): this
    wraps whatever handler is installed. `reasons` maps a problem kind to the audit reason
    ("not-granted" -> "no publish grant"); others read as the kind in words."""
    reasons = dict(reasons or {})
    answer = app.exception_handlers[Problem]

    async def audited(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Problem)
        if exc.status in AUDITED_STATUSES:
            await record_request_refusal(
                recorder,
                request,
                reason=refusal_reason(exc, request, reasons),
                status_code=exc.status,
            )
        return await _settle(answer(request, exc))

    app.add_exception_handler(Problem, audited)


async def _settle(result: Response | Awaitable[Response]) -> Response:
    # Starlette types an exception handler as sync or async; the shared ones are async.
    return await result if inspect.isawaitable(result) else result
