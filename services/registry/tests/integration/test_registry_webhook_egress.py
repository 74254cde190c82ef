"""Webhook URLs a partner or an admin registers obey the egress rules: HTTPS to public
addresses only, refused with the rule named (notifications checks again at every delivery)."""

from collections.abc import Callable

import httpx
import pytest
from registry_builders import admin, bearer, partner_body, registry

from cvihub_testkit import TestDatabase

pytestmark = pytest.mark.integration

REFUSED = [
    ("http://169.254.169.254/latest/meta-data/", "https-only"),
    ("https://169.254.169.254/latest/meta-data/", "cloud-metadata"),
    ("https://127.0.0.1:8001/v1/admin/partners", "loopback-address"),
    ("https://10.0.0.5/hook", "private-address"),
    ("https://[fd00::5]/hook", "unique-local-address"),
    ("https://[::ffff:192.168.1.9]/hook", "private-address"),
    ("https://localhost/hook", "loopback-address"),
    ("http://hooks.org-a.example/plain", "https-only"),
    ("https://user:pw@hooks.org-a.example/hook", "credentials-in-url"),
]


async def _partner_key(client: httpx.AsyncClient) -> str:
    body = partner_body(partner_id="org-a", name="Org A", kind="cvi_org")
    assert (await client.post("/v1/admin/partners", json=body, headers=admin())).status_code == 201
    grant = {"partner_id": "org-a", "stream": "incident-alerts", "action": "subscribe"}
    assert (await client.post("/v1/admin/grants", json=grant, headers=admin())).status_code == 201
    key = await client.post("/v1/admin/partners/org-a/keys", headers=admin())
    return str(key.json()["api_key"])


async def test_unsafe_webhook_urls_are_refused_naming_the_rule(
    kafka_bootstrap: str, make_database: Callable[[str], TestDatabase]
) -> None:
    async with registry(kafka_bootstrap, make_database("registry")) as client:
        key = await _partner_key(client)
        for url, rule in REFUSED:
            body = {"stream": "incident-alerts", "url": url}
            own = await client.post("/v1/partners/me/subscriptions", json=body, headers=bearer(key))
            by_admin = await client.post(
                "/v1/admin/partners/org-a/subscriptions", json=body, headers=admin()
            )
            for answer in (own, by_admin):
                assert answer.status_code == 422, (url, answer.text)
                problem = answer.json()
                assert problem["type"].endswith("webhook-url-refused"), problem
                assert rule in problem["detail"], (url, problem["detail"])
        public = {"stream": "incident-alerts", "url": "https://hooks.org-a.example/cvi"}
        made = await client.post("/v1/partners/me/subscriptions", json=public, headers=bearer(key))
        assert made.status_code == 201, made.text
        listed = await client.get("/v1/partners/me/subscriptions", headers=bearer(key))
    assert [s["url"] for s in listed.json()] == ["https://hooks.org-a.example/cvi"]


async def test_the_development_setting_allows_http_to_loopback_only(
    kafka_bootstrap: str, make_database: Callable[[str], TestDatabase]
) -> None:
    db = make_database("registry")
    async with registry(kafka_bootstrap, db, webhook_allow_insecure_loopback=True) as client:
        key = await _partner_key(client)
        mine = "/v1/partners/me/subscriptions"
        local = {"stream": "incident-alerts", "url": "http://127.0.0.1:8009/hooks/org-a"}
        assert (await client.post(mine, json=local, headers=bearer(key))).status_code == 201
        private = {"stream": "incident-alerts", "url": "http://10.0.0.5/hook"}
        refused = await client.post(mine, json=private, headers=bearer(key))
    assert refused.status_code == 422
    assert "private-address" in refused.json()["detail"]
