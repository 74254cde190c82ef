"""Subscriptions by channel (webhook, e-mail, inbox) with filters: validation, events, copies
(SMS: test_registry_sms_subscriptions.py)."""

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from registry_builders import admin, bearer, partner_body, registry
from sqlalchemy import MetaData, text

from cvihub_contracts import Stream, from_kafka, topics
from cvihub_contracts.registry.changes_v1 import Channel, SubscriptionChangedV1
from cvihub_registry_copy import RegistryCopy
from cvihub_runtime.db import create_engine, session_factory, transaction
from cvihub_testkit import TestDatabase, consume_until, test_key_ring

pytestmark = pytest.mark.integration

ALERT = "org.cvihub.incident-alert.published"


async def _partner(client: httpx.AsyncClient, partner_id: str, *streams: str) -> str:
    """An active CVI org with subscribe grants on `streams`; return its API key."""
    body = partner_body(partner_id=partner_id, name=f"Org {partner_id}", kind="cvi_org")
    assert (await client.post("/v1/admin/partners", json=body, headers=admin())).status_code == 201
    for stream in streams:
        grant = {"partner_id": partner_id, "stream": stream, "action": "subscribe"}
        assert (
            await client.post("/v1/admin/grants", json=grant, headers=admin())
        ).status_code == 201
    key = await client.post(f"/v1/admin/partners/{partner_id}/keys", headers=admin())
    assert key.status_code == 201
    return str(key.json()["api_key"])


async def test_each_channel_is_created_with_its_filters_and_announced(
    kafka_bootstrap: str, make_database: Callable[[str], TestDatabase]
) -> None:
    async with registry(kafka_bootstrap, make_database("registry")) as client:
        key = await _partner(client, "org-a", "incident-alerts", "referrals")
        mine = "/v1/partners/me/subscriptions"
        email = {
            "stream": "incident-alerts",
            "channel": "email",
            "email": "ops@org-a.example",
            "zones": ["north"],
            "event_types": [ALERT],
        }
        made_email = await client.post(mine, json=email, headers=bearer(key))
        assert made_email.status_code == 201, made_email.text
        assert made_email.json()["url"] == "mailto:ops@org-a.example"
        assert made_email.json()["secret"] is None
        assert made_email.json()["zones"] == ["north"]

        inbox = {"stream": "referrals", "channel": "inbox"}
        made_inbox = await client.post(mine, json=inbox, headers=bearer(key))
        assert made_inbox.status_code == 201, made_inbox.text
        assert made_inbox.json()["url"] == "cvihub:inbox" and made_inbox.json()["secret"] is None
        second = await client.post(mine, json=inbox, headers=bearer(key))
        assert second.status_code == 409
        assert second.json()["type"].endswith("inbox-exists")
        # One inbox per partner AND stream: an inbox for alerts is a different one.
        alerts_inbox = {"stream": "incident-alerts", "channel": "inbox"}
        assert (await client.post(mine, json=alerts_inbox, headers=bearer(key))).status_code == 201

        # The admin API takes the same body; a plain webhook body still means a webhook.
        hook = {"stream": "incident-alerts", "url": "https://org-a.example/hook"}
        made_hook = await client.post(
            "/v1/admin/partners/org-a/subscriptions", json=hook, headers=admin()
        )
        assert made_hook.status_code == 201
        assert made_hook.json()["channel"] == "webhook"
        assert made_hook.json()["secret"].startswith("whsec_")

        listed = (await client.get(mine, headers=bearer(key))).json()
        channels = sorted((s["stream"], s["channel"]) for s in listed)
        assert channels == [
            ("incident-alerts", "email"),
            ("incident-alerts", "inbox"),
            ("incident-alerts", "webhook"),
            ("referrals", "inbox"),
        ]
        audit = (await client.get("/v1/admin/audit", headers=admin())).json()
        created = [e for e in audit if e["action"] == "subscription.created"]
        assert sorted(e["detail"]["channel"] for e in created) == [
            "email",
            "inbox",
            "inbox",
            "webhook",
        ]
        assert all("ops@org-a.example" not in str(e["detail"]) for e in audit)

    email_id = made_email.json()["subscription_id"]
    records = await consume_until(
        kafka_bootstrap,
        topics.REGISTRY,
        lambda r: dict(r.headers).get("ce_subject") == f"subscriptions/{email_id}".encode(),
    )
    event = from_kafka(dict(records[0].headers), records[0].key, records[0].value)
    assert isinstance(event.data, SubscriptionChangedV1)
    assert event.envelope.dataschema is not None and event.envelope.dataschema.endswith("v1.2.json")
    assert event.data.channel is Channel.EMAIL
    assert event.data.zones == ["north"] and event.data.event_types == [ALERT]
    assert event.data.secret_encrypted == ""

    # A service's registry copy applies it: the subscriber carries channel and filters.
    metadata = MetaData()
    registry_copy = RegistryCopy(metadata)
    db = make_database("copy")
    engine = create_engine(db.url, db.schema)
    try:
        if db.schema:
            async with engine.begin() as connection:
                await connection.execute(text(f'CREATE SCHEMA "{db.schema}"'))
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
        sessions = session_factory(engine, test_key_ring())
        wanted = {"org-a"}
        everything = await consume_until(
            kafka_bootstrap,
            topics.REGISTRY,
            lambda r: b"org-a" in r.value,
            count=3,  # partner, grant on alerts, the e-mail subscription at least
        )
        async with transaction(sessions) as session:
            for rec in everything:
                await registry_copy.apply(
                    session, from_kafka(dict(rec.headers), rec.key, rec.value)
                )
            await registry_copy.apply(session, event)
        async with sessions() as session:
            subscribers = await registry_copy.subscribers(session, Stream.INCIDENT_ALERTS, wanted)
    finally:
        await engine.dispose()
    by_channel = {s.channel: s for s in subscribers if s.subscription_id == email_id}
    assert set(by_channel) == {Channel.EMAIL}
    copied = by_channel[Channel.EMAIL]
    assert copied.url == "mailto:ops@org-a.example"
    assert copied.zones == frozenset({"north"}) and copied.event_types == frozenset({ALERT})


BAD_BODIES: list[tuple[dict[str, Any], str]] = [
    ({"stream": "incident-alerts", "channel": "email"}, "/email"),
    ({"stream": "incident-alerts", "channel": "webhook"}, "/url"),
    ({"stream": "incident-alerts", "channel": "fax", "url": "https://x.example"}, "/channel"),
    (
        {"stream": "incident-alerts", "channel": "inbox", "url": "https://x.example/h"},
        "/url",
    ),
    (
        {
            "stream": "incident-alerts",
            "channel": "email",
            "email": "ops@org-a.example",
            "secret": "whsec_AAAA",
        },
        "/secret",
    ),
    ({"stream": "incident-alerts", "channel": "email", "email": "not-an-address"}, "/email"),
    (
        {
            "stream": "incident-alerts",
            "channel": "inbox",
            "event_types": ["org.cvihub.referral.submitted"],
        },
        "/event_types",
    ),
    (
        {"stream": "incident-alerts", "channel": "inbox", "event_types": ["no.such.type"]},
        "/event_types",
    ),
    ({"stream": "incident-alerts", "channel": "inbox", "event_types": []}, "/event_types"),
    ({"stream": "incident-alerts", "channel": "inbox", "zones": []}, "/zones"),
    ({"stream": "referrals", "channel": "inbox", "zones": ["north"]}, "/zones"),
]


async def test_bad_subscription_bodies_are_422_naming_the_field(
    kafka_bootstrap: str, make_database: Callable[[str], TestDatabase]
) -> None:
    async with registry(kafka_bootstrap, make_database("registry")) as client:
        key = await _partner(client, "org-a", "incident-alerts", "referrals")
        for body, pointer in BAD_BODIES:
            refused = await client.post(
                "/v1/partners/me/subscriptions", json=body, headers=bearer(key)
            )
            assert refused.status_code == 422, (body, refused.text)
            assert refused.headers["content-type"] == "application/problem+json"
            pointers = [e["pointer"] for e in refused.json()["errors"]]
            assert any(p.endswith(pointer) for p in pointers), (body, pointers)
        listed = (await client.get("/v1/partners/me/subscriptions", headers=bearer(key))).json()
        assert listed == []
