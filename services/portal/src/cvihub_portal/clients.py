"""Every call the portal makes to another service's HTTP API, in one place.

The portal owns no referral or alert: it asks the registry who is signed in, and asks intake,
referrals and notifications on the person's behalf with their partner's portal key, so the
partner's grants decide what comes back."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from cvihub_contracts import Scope

PORTAL_KEY_SCOPES = [
    Scope.REFERRALS_SUBMIT,
    Scope.REFERRALS_READ,
    Scope.REFERRALS_UPDATE,
    Scope.DELIVERIES_READ,
    Scope.DIRECTORY_READ,
    Scope.BULLETINS_PUBLISH,
    Scope.CONSENTS_WRITE,
]
"""What a partner's portal key may do; its grants still decide each stream."""

INBOX_STREAMS = ("incident-alerts",)
"""Streams the portal gives a partner an inbox on, so its people see alerts live."""


class UpstreamError(Exception):
    """Another service answered with an error; `problem` is its problem+json body."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        super().__init__(f"upstream answered {status}")
        self.status = status
        self.problem = problem


class Unreachable(Exception):
    """Another service did not answer (down, or timed out)."""


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class HubClients:
    """The registry, intake, referrals and notifications APIs, over one connection pool."""

    def __init__(
        self,
        *,
        registry: str,
        intake: str,
        referrals: str,
        notifications: str,
        admin_token: str,
        timeout: float,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.urls = {
            "registry": registry,
            "intake": intake,
            "referrals": referrals,
            "notifications": notifications,
        }
        self._admin = admin_token
        self._http = httpx.AsyncClient(timeout=timeout, transport=transport)

    async def close(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def _call(
        self,
        method: str,
        service: str,
        path: str,
        *,
        token: str,
        json: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        try:
            response = await self._http.request(
                method,
                self.urls[service] + path,
                json=json,
                params=params,
                headers={**_bearer(token), **(headers or {})} if token else headers,
            )
        except httpx.HTTPError as exc:
            raise Unreachable(f"{service} did not answer: {type(exc).__name__}") from exc
        if response.status_code >= 400:
            try:
                problem = response.json()
            except ValueError:
                problem = {"title": response.reason_phrase}
            raise UpstreamError(response.status_code, problem if isinstance(problem, dict) else {})
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    # The registry: sign-in, the signed-in person, the directory, linking a partner.
    async def request_code(self, email: str) -> None:
        """Ask the registry to e-mail a sign-in code."""
        await self._call("POST", "registry", "/v1/auth/code", token="", json={"email": email})

    async def create_session(self, *, email: str, code: str, device_name: str) -> dict[str, Any]:
        """Trade a code for a registry device session (token and person)."""
        body = {"email": email, "code": code, "device_name": device_name}
        result: dict[str, Any] = await self._call(
            "POST", "registry", "/v1/auth/session", token="", json=body
        )
        return result

    async def me(self, session_token: str) -> dict[str, Any]:
        """The person, partner and session behind a registry session token."""
        result: dict[str, Any] = await self._call("GET", "registry", "/v1/me", token=session_token)
        return result

    async def sign_out(self, session_token: str) -> None:
        """Revoke this device's registry session."""
        await self._call("DELETE", "registry", "/v1/me/sessions/current", token=session_token)

    async def admin_request_code(self, email: str) -> None:
        """Ask the registry to e-mail an administrator's sign-in code."""
        await self._call("POST", "registry", "/v1/admin-auth/code", token="", json={"email": email})

    async def admin_create_session(self, *, email: str, code: str) -> dict[str, Any]:
        """Trade an administrator's code for their 12-hour admin key (and who they are)."""
        body = {"email": email, "code": code}
        result: dict[str, Any] = await self._call(
            "POST", "registry", "/v1/admin-auth/session", token="", json=body
        )
        return result

    async def admin_api(
        self,
        key: str,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: dict[str, Any] | None = None,
    ) -> Any:
        """The registry's admin API (/v1/admin/...) with an administrator's own key (or the
        portal's bootstrap token where `key` is None), so the registry audits them by name."""
        return await self._call(
            method,
            "registry",
            f"/v1/admin{path}",
            token=key or self._admin,
            json=body,
            params=params,
        )

    async def partner_api(
        self, key: str, service: str, method: str, path: str, params: dict[str, Any] | None = None
    ) -> Any:
        """A partner route of another service (notifications' deliveries) with a partner key."""
        return await self._call(method, service, path, token=key, params=params)

    async def people(
        self, session_token: str, method: str, path: str, body: dict[str, Any] | None = None
    ) -> Any:
        """The registry's people routes (/v1/partners/me/...) as the signed-in partner_admin:
        the registry itself checks the role and keeps each admin to their own partner."""
        return await self._call(
            method, "registry", f"/v1/partners/me{path}", token=session_token, json=body
        )

    async def directory(self, key: str, params: dict[str, str]) -> list[dict[str, Any]]:
        """The registry's directory of active partners, filtered."""
        result: list[dict[str, Any]] = await self._call(
            "GET", "registry", "/v1/directory", token=key, params=params
        )
        return result

    async def issue_portal_key(self, partner_id: str) -> dict[str, Any]:
        """Issue the partner a key for the portal to act with (admin API)."""
        result: dict[str, Any] = await self._call(
            "POST",
            "registry",
            f"/v1/admin/partners/{partner_id}/keys",
            token=self._admin,
            json={"scopes": [scope.value for scope in PORTAL_KEY_SCOPES]},
        )
        return result

    async def revoke_key(self, credential_id: str) -> None:
        """Revoke a key the portal no longer uses (admin API); one already gone is fine."""
        try:
            await self._call(
                "DELETE", "registry", f"/v1/admin/keys/{credential_id}", token=self._admin
            )
        except UpstreamError as exc:
            if exc.status != 404:
                raise

    async def record_consent(self, key: str, body: dict[str, Any]) -> dict[str, Any]:
        """Record a patient's consent in the registry; the partner becomes its custodian."""
        result: dict[str, Any] = await self._call(
            "POST", "registry", "/v1/consents", token=key, json=body
        )
        return result

    async def ensure_inbox(self, partner_id: str, stream: str) -> None:
        """Give the partner an inbox on a stream; an existing one (409) or no grant (403) is
        left as it is."""
        try:
            await self._call(
                "POST",
                "registry",
                f"/v1/admin/partners/{partner_id}/subscriptions",
                token=self._admin,
                json={"stream": stream, "channel": "inbox"},
            )
        except UpstreamError as exc:
            if exc.status not in (403, 409, 422):
                raise

    # Notifications: the partner's inbox (alerts as its grant lets it see them), the stream.
    async def inbox(self, key: str, *, limit: int = 100) -> list[dict[str, Any]]:
        """The partner's newest inbox items."""
        page = await self._call(
            "GET", "notifications", "/v1/inbox", token=key, params={"limit": limit}
        )
        items: list[dict[str, Any]] = page["items"]
        return items

    async def deliveries(self, key: str, *, limit: int) -> list[dict[str, Any]]:
        """The partner's newest deliveries (every channel), without their bodies."""
        page = await self._call(
            "GET", "notifications", "/v1/deliveries", token=key, params={"limit": limit}
        )
        items: list[dict[str, Any]] = page["items"]
        return items

    @asynccontextmanager
    async def stream(self, key: str, last_event_id: str | None) -> AsyncIterator[httpx.Response]:
        """Notifications' live stream (SSE); the response may be a 404 where it is not built."""
        headers = {**_bearer(key), "Accept": "text/event-stream"}
        if last_event_id:
            headers["Last-Event-ID"] = last_event_id
        url = self.urls["notifications"] + "/v1/stream"
        try:
            async with self._http.stream(
                "GET", url, headers=headers, timeout=httpx.Timeout(10.0, read=None)
            ) as response:
                yield response
        except httpx.HTTPError as exc:
            raise Unreachable(f"notifications' stream: {type(exc).__name__}") from exc

    # Intake: submissions.
    async def submit_referral(
        self, key: str, body: dict[str, Any], idempotency_key: str
    ) -> dict[str, Any]:
        """Submit a referral (intake)."""
        result: dict[str, Any] = await self._call(
            "POST",
            "intake",
            "/v1/referrals",
            token=key,
            json=body,
            headers={"Idempotency-Key": idempotency_key},
        )
        return result

    async def submit_bulletin(
        self, key: str, body: dict[str, Any], idempotency_key: str
    ) -> dict[str, Any]:
        """Share a bulletin (intake)."""
        result: dict[str, Any] = await self._call(
            "POST",
            "intake",
            "/v1/bulletins",
            token=key,
            json=body,
            headers={"Idempotency-Key": idempotency_key},
        )
        return result

    # Referrals: list, read, moves (accept, decline, status), the recipient's records.
    async def referrals(self, key: str, *, role: str | None = None) -> list[dict[str, Any]]:
        """The partner's referrals, sent and received."""
        params = {"limit": 200, **({"role": role} if role else {})}
        result: list[dict[str, Any]] = await self._call(
            "GET", "referrals", "/v1/referrals", token=key, params=params
        )
        return result

    async def referral(self, key: str, referral_id: str) -> dict[str, Any]:
        """One referral with its history."""
        result: dict[str, Any] = await self._call(
            "GET", "referrals", f"/v1/referrals/{referral_id}", token=key
        )
        return result

    async def move_referral(
        self, key: str, referral_id: str, move: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        """accept, decline or status: one move of a referral's life cycle."""
        result: dict[str, Any] = await self._call(
            "POST", "referrals", f"/v1/referrals/{referral_id}/{move}", token=key, json=body
        )
        return result

    async def record_activity(
        self, key: str, referral_id: str, kind: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        """attempts or services: the recipient's record of its work; answers the referral."""
        result: dict[str, Any] = await self._call(
            "POST", "referrals", f"/v1/referrals/{referral_id}/{kind}", token=key, json=body
        )
        return result

    async def aggregates(self, key: str, params: dict[str, str]) -> dict[str, Any]:
        """Referral aggregates: the network's for a funder, the partner's own otherwise."""
        result: dict[str, Any] = await self._call(
            "GET", "referrals", "/v1/aggregates", token=key, params=params
        )
        return result
