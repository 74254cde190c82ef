"""SMS subscriptions: an E.164 number, stored as sms:+…, refused by pointer without echoing it,
self-service only under a subscribe grant, published with channel sms, never logged."""

from collections.abc import Callable
from typing import Any

import httpx
import pytest
import structlog
from registry_builders import admin, bearer, partner_body, registry

from cvihub_contracts import from_kafka, topics
from cvihub_contracts.registry.changes_v1 import Channel, SubscriptionChangedV1
from cvihub_testkit import TestDatabase, consume_until

pytestmark = pytest.mark.integration

MINE = "/v1/partners/me/subscriptions"
PHONE = "+15551234567"
OTHER_PHONE = "+447700900123"


async def _partner(client: httpx.AsyncClient, partner_id: str, *streams: str) -> str:
    """An active CVI org with subscribe grants on `streams`; return its API key."""
    body = partner_body(partner_id=partner_id, name=f"Org {partner_id}", kind="cvi_org")
    assert (await client.post("/v1/admin/partners", json=body, headers=admin())).status_code == 201
    for stream in streams:
        grant = {"partner_id": partner_id, "stream": stream, "action": "subscribe"}
        made = await client.post("/v1/admin/grants", json=grant, headers=admin())
        assert made.status_code == 201
    key = await client.post(f"/v1/admin/partners/{partner_id}/keys", headers=admin())
    assert key.status_code == 201
    return str(key.json()["api_key"])


def _record_logs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every rendered structlog line from now on (module loggers are cached, so capfd would
    miss them)."""
    lines: list[str] = []
    original = structlog.PrintLogger.msg

    def record(self: structlog.PrintLogger, message: str) -> None:
        lines.append(message)
        original(self, message)

    for name in ("msg", "debug", "info", "warning", "error", "critical", "exception"):
        monkeypatch.setattr(structlog.PrintLogger, name, record)
    return lines


async def test_sms_subscriptions_by_admin_and_self_service_are_stored_and_announced(
    kafka_bootstrap: str,
    make_database: Callable[[str], TestDatabase],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    logs = _record_logs(monkeypatch)
    async with registry(kafka_bootstrap, make_database("registry")) as client:
        key = await _partner(client, "org-a", "incident-alerts")
        sms = {
            "stream": "incident-alerts",
            "channel": "sms",
            "phone": PHONE,
            "zones": ["north"],
            "event_types": ["org.cvihub.incident-alert.published"],
        }
        made = await client.post(MINE, json=sms, headers=bearer(key))
        assert made.status_code == 201, made.text
        created = made.json()
        assert (created["channel"], created["url"], created["secret"]) == (
            "sms",
            f"sms:{PHONE}",
            None,
        )
        assert created["zones"] == ["north"]
        # The same number again on the same stream is the same endpoint: 409.
        again = await client.post(MINE, json=sms, headers=bearer(key))
        assert again.status_code == 409

        # The admin API takes the same body for any partner.
        by_admin = await client.post(
            "/v1/admin/partners/org-a/subscriptions",
            json={"stream": "incident-alerts", "channel": "sms", "phone": OTHER_PHONE},
            headers=admin(),
        )
        assert by_admin.status_code == 201, by_admin.text
        assert by_admin.json()["url"] == f"sms:{OTHER_PHONE}"

        listed = (await client.get(MINE, headers=bearer(key))).json()
        assert sorted(s["url"] for s in listed) == sorted([f"sms:{OTHER_PHONE}", f"sms:{PHONE}"])
        audit = (await client.get("/v1/admin/audit", headers=admin())).json()
        made_entries = [e for e in audit if e["action"] == "subscription.created"]
        assert [e["detail"]["channel"] for e in made_entries] == ["sms", "sms"]
        assert not any(PHONE in str(e) or OTHER_PHONE in str(e) for e in audit)

        subscription_id = created["subscription_id"]
        removed = await client.delete(f"{MINE}/{subscription_id}", headers=bearer(key))
        assert removed.status_code == 204
        records = await consume_until(
            kafka_bootstrap,
            topics.REGISTRY,
            lambda r: (
                dict(r.headers).get("ce_subject") == f"subscriptions/{subscription_id}".encode()
            ),
            count=2,  # created, then revoked
        )

    events = [from_kafka(dict(r.headers), r.key, r.value) for r in records]
    first = events[0]
    assert isinstance(first.data, SubscriptionChangedV1)
    assert first.envelope.dataschema is not None
    assert first.envelope.dataschema.endswith("/v1.2.json")
    assert (first.data.channel, first.data.url, first.data.secret_encrypted) == (
        Channel.SMS,
        f"sms:{PHONE}",
        "",
    )
    assert first.data.zones == ["north"]
    assert [e.data.status.value for e in events] == ["active", "revoked"]  # type: ignore[attr-defined]

    logged = "\n".join(logs)
    # The log was captured: a line of the registry's or at least one written through the
    # same loggers (another test in this worker may have raised the level).
    structlog.get_logger().warning("capture check")
    logged = "\n".join(logs)
    assert "capture check" in logged
    assert PHONE not in logged and OTHER_PHONE not in logged


BAD_PHONES = ["5551234567", "+0551234567", "+155512", "+1555123456789012", "+1 555 123 4567", ""]


async def test_a_bad_number_is_a_422_at_phone_without_echoing_it(
    kafka_bootstrap: str, make_database: Callable[[str], TestDatabase]
) -> None:
    async with registry(kafka_bootstrap, make_database("registry")) as client:
        key = await _partner(client, "org-a", "incident-alerts")
        for phone in BAD_PHONES:
            body = {"stream": "incident-alerts", "channel": "sms", "phone": phone}
            for path, headers in (
                (MINE, bearer(key)),
                ("/v1/admin/partners/org-a/subscriptions", admin()),
            ):
                refused = await client.post(path, json=body, headers=headers)
                assert refused.status_code == 422, (phone, refused.text)
                assert refused.headers["content-type"] == "application/problem+json"
                problem = refused.json()
                assert [e["pointer"] for e in problem["errors"]] == ["#/phone"], problem
                assert problem["errors"][0]["code"] == "string_pattern_mismatch"
                if phone:
                    assert phone not in refused.text
        listed = (await client.get(MINE, headers=bearer(key))).json()
        assert listed == []


MISFIT_BODIES: list[tuple[dict[str, Any], str]] = [
    ({"stream": "incident-alerts", "channel": "sms"}, "#/phone"),  # no number
    ({"stream": "incident-alerts", "channel": "email", "email": "a@b.example", "phone": PHONE},
     "#/phone"),  # a number on another channel
    ({"stream": "incident-alerts", "channel": "sms", "phone": PHONE, "url": "https://x.example"},
     "#/url"),
    ({"stream": "incident-alerts", "channel": "sms", "phone": PHONE, "secret": "whsec_AAAA"},
     "#/secret"),
    ({"stream": "referrals", "channel": "sms", "phone": PHONE, "zones": ["north"]}, "#/zones"),
]  # fmt: skip


async def test_a_number_fits_only_the_sms_channel_and_sms_takes_nothing_else(
    kafka_bootstrap: str, make_database: Callable[[str], TestDatabase]
) -> None:
    async with registry(kafka_bootstrap, make_database("registry")) as client:
        key = await _partner(client, "org-a", "incident-alerts", "referrals")
        for body, pointer in MISFIT_BODIES:
            refused = await client.post(MINE, json=body, headers=bearer(key))
            assert refused.status_code == 422, (body, refused.text)
            assert pointer in [e["pointer"] for e in refused.json()["errors"]], refused.text
            assert PHONE not in refused.text


async def test_self_service_sms_needs_a_subscribe_grant_on_the_stream(
    kafka_bootstrap: str, make_database: Callable[[str], TestDatabase]
) -> None:
    async with registry(kafka_bootstrap, make_database("registry")) as client:
        key = await _partner(client, "org-a", "incident-alerts")
        body = {"stream": "bulletins", "channel": "sms", "phone": PHONE}
        refused = await client.post(MINE, json=body, headers=bearer(key))
        assert refused.status_code == 403
        assert PHONE not in refused.text
        granted = {**body, "stream": "incident-alerts"}
        assert (await client.post(MINE, json=granted, headers=bearer(key))).status_code == 201
        listed = (await client.get(MINE, headers=bearer(key))).json()
        assert [(s["stream"], s["channel"]) for s in listed] == [("incident-alerts", "sms")]
        audit = (await client.get("/v1/admin/audit", headers=admin())).json()
        assert any(e["action"] == "access.refused" for e in audit)  # the 403 was audited
        assert not any(PHONE in str(e) for e in audit)
