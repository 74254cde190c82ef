"""The registry's own partner routes check the calling key's scopes; refusals are audited."""

from typing import Any

import httpx
import pytest
from registry_builders import admin, bearer, partner_body, registry

pytestmark = pytest.mark.integration

KEYS = "/v1/admin/partners/mercy-hospital/keys"

# (method, path, body, scope the route needs)
ROUTES: list[tuple[str, str, dict[str, Any] | None, str]] = [
    ("GET", "/v1/directory", None, "directory:read"),
    ("GET", "/v1/streams", None, "directory:read"),
    ("PATCH", "/v1/partners/me", {"description": "Bedside VIP"}, "profile:manage"),
    ("GET", "/v1/partners/me/keys", None, "profile:manage"),
    ("POST", "/v1/partners/me/keys", {}, "profile:manage"),
    ("DELETE", "/v1/partners/me/keys/ffffffffffff", None, "profile:manage"),
    ("POST", "/v1/partners/me/keys/rotate", {}, "profile:manage"),
    (
        "POST",
        "/v1/partners/me/subscriptions",
        {"stream": "referrals", "url": "https://mercy.example/hooks"},
        "profile:manage",
    ),
    ("GET", "/v1/partners/me/people", None, "profile:manage"),
    ("GET", "/v1/consents", None, "consents:read"),
    (
        "POST",
        "/v1/consents",
        {"recipient_partner_ids": ["mercy-hospital"], "scope": ["contact"]},
        "consents:write",
    ),
]
OWN_READS = ["/v1/partners/me", "/v1/partners/me/grants", "/v1/partners/me/subscriptions"]


async def _call(
    client: httpx.AsyncClient, method: str, path: str, body: Any, key: str
) -> httpx.Response:
    return await client.request(method, path, json=body, headers=bearer(key))


async def test_each_partner_route_refuses_a_key_without_its_scope(
    kafka_bootstrap: str, make_database: Any
) -> None:
    async with registry(kafka_bootstrap, make_database("registry")) as client:
        await client.post("/v1/admin/partners", json=partner_body(), headers=admin())
        keys: dict[str, str] = {}
        for scope in {route[3] for route in ROUTES}:
            issued = await client.post(KEYS, json={"scopes": [scope]}, headers=admin())
            keys[scope] = issued.json()["api_key"]
        outsider = (
            await client.post(KEYS, json={"scopes": ["referrals:submit"]}, headers=admin())
        ).json()["api_key"]

        refused: list[tuple[str, str]] = []
        for method, path, body, scope in ROUTES:
            other = next(key for name, key in keys.items() if name != scope)
            response = await _call(client, method, path, body, other)
            assert response.status_code == 403, (method, path, response.text)
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["type"].endswith("/insufficient-scope"), (path, response.text)
            assert f'scope="{scope}"' in response.headers["www-authenticate"]
            refused.append((path, scope))
            allowed = await _call(client, method, path, body, keys[scope])
            # The scope lets the request through; what follows is the route's own business.
            assert allowed.status_code != 403 or not allowed.json()["type"].endswith(
                "/insufficient-scope"
            ), (method, path, allowed.text)

        # Your own profile, grants and endpoints: a directory key or a managing key.
        for path in OWN_READS:
            for scope in ("directory:read", "profile:manage"):
                ok = await client.get(path, headers=bearer(keys[scope]))
                assert ok.status_code == 200, (path, scope, ok.text)
            assert (await client.get(path, headers=bearer(outsider))).status_code == 403
        # The admin token still reads the streams.
        assert (await client.get("/v1/streams", headers=admin())).status_code == 200

        audit = (await client.get("/v1/admin/audit?limit=200", headers=admin())).json()
        verified = (await client.get("/v1/admin/audit/verify", headers=admin())).json()

    audited = [
        (e["detail"]["path"], e["detail"]["required_scopes"])
        for e in audit
        if e["action"] == "access.refused" and e["detail"].get("reason") == "insufficient-scope"
    ]
    for path, scope in refused:
        assert (path, [scope]) in audited
    assert len(audited) == len(refused) + len(OWN_READS)
    assert all(e["actor"] == "mercy-hospital" for e in audit if e["action"] == "access.refused")
    assert verified["ok"] is True
