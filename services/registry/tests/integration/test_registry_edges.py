"""The shared HTTP edge on the registry: the key is checked before any body error, and text
from outside holds no control characters."""

from typing import Any

import pytest
from registry_builders import admin, bearer, partner_body, registry

pytestmark = pytest.mark.integration


async def test_key_is_checked_before_the_body(kafka_bootstrap: str, make_database: Any) -> None:
    async with registry(kafka_bootstrap, make_database("registry"), max_body_bytes=4096) as client:
        broken, as_json = b"{not json", {"content-type": "application/json"}
        # Without a key, a malformed body earns 401, not 422: the body is never read.
        no_key = await client.post("/v1/admin/partners", content=broken, headers=as_json)
        no_partner_key = await client.post(
            "/v1/partners/me/subscriptions", content=broken, headers=as_json
        )
        for response in (no_key, no_partner_key):
            assert response.status_code == 401, response.text
            assert response.headers["content-type"] == "application/problem+json"

        made = await client.post("/v1/admin/partners", json=partner_body(), headers=admin())
        assert made.status_code == 201, made.text
        api_key = await client.post("/v1/admin/partners/mercy-hospital/keys", headers=admin())
        key = api_key.json()["api_key"]
        # With a good key the body's own faults are answered.
        bad_json = await client.post(
            "/v1/admin/partners", content=broken, headers=as_json | admin()
        )
        assert bad_json.status_code == 422, bad_json.text
        wrong_type = await client.post(
            "/v1/partners/me/subscriptions",
            content=b"stream=referrals",
            headers={"content-type": "text/plain", **bearer(key)},
        )
        assert wrong_type.status_code == 415, wrong_type.text
        huge = await client.post(
            "/v1/admin/partners", json=partner_body(description="x" * 5000), headers=admin()
        )
        assert huge.status_code == 413, huge.text

        # A terminal escape in a partner's text is refused, naming the field; a newline is not.
        escape = await client.patch(
            "/v1/partners/me",
            json={"description": "Hi\x1b]0;owned\x07", "contact_email": "a\x1b[2J@b.example"},
            headers=bearer(key),
        )
        assert escape.status_code == 422, escape.text
        errors = escape.json()["errors"]
        assert {(e["pointer"], e["code"]) for e in errors} == {
            ("#/description", "control_character"),
            ("#/contact_email", "control_character"),
        }
        lines = await client.patch(
            "/v1/partners/me", json={"description": "Two\nlines"}, headers=bearer(key)
        )
        assert lines.status_code == 200, lines.text
        assert lines.json()["description"] == "Two\nlines"

        # The refusal before the body is audited once, as every refused key is.
        audit = (await client.get("/v1/admin/audit?action=auth.refused", headers=admin())).json()
        paths = sorted(entry["detail"]["path"] for entry in audit)
        assert paths == ["/v1/admin/partners", "/v1/partners/me/subscriptions"]
