"""The registry's personal data is sealed at rest: a raw dump of its database holds none of the
names, emails, device names, consent texts or subscription endpoints (an sms: one is a worker's
phone number, a mailto: one an address) the test puts through the API, which still
answers with them; rows from before sealing are sealed at start; a rotated ring reseals all."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from registry_audit_builders import migrated
from registry_builders import admin, bearer, partner_body, registry
from registry_people_builders import sign_in
from sqlalchemy import text

from cvihub_registry.models import metadata
from cvihub_runtime.db import transaction
from cvihub_runtime.reencrypt import reencrypt_database, stale_rows
from cvihub_runtime.secretbox import KeyRing, new_fernet_key
from cvihub_testkit import TestDatabase, dump_database, plaintext_in
from cvihub_testkit.keys import run_key_ring_text

pytestmark = pytest.mark.integration

# Test PII, distinctive enough that no other stored text holds it by chance.
PERSON, PERSON_EMAIL = "Marisol Quintanilla-Ybarra", "marisol.quintanilla@safestreets.example"
ADMIN_NAME, ADMIN_EMAIL = "Theodora Vanterpool", "t.vanterpool@hub.example"
CONTACT_EMAIL, DEVICE = "intake.desk.9931@mercy.example", "Marisol Pixel 7a"
BIRTH, PHONE, ADDRESS = "1998-07-14", "773-555-0187", "4417 W Augusta Blvd"
PURPOSE = f"referral of a patient born {BIRTH}, reachable on {PHONE}"
REASON = f"moved to {ADDRESS}"
PII = [PERSON, PERSON_EMAIL, ADMIN_NAME, ADMIN_EMAIL, CONTACT_EMAIL, DEVICE, BIRTH, PHONE]
WORKER_PHONE, WORKER_EMAIL = "+17735550166", "night.shift.lead@safestreets.example"
PII += [ADDRESS, WORKER_PHONE, WORKER_EMAIL]


async def _key(client: httpx.AsyncClient, partner_id: str) -> str:
    response = await client.post(f"/v1/admin/partners/{partner_id}/keys", headers=admin())
    assert response.status_code == 201, response.text
    return str(response.json()["api_key"])


async def _fill(client: httpx.AsyncClient) -> None:
    """Drive every sealed column through the API and check the API still shows plaintext."""
    hospital = partner_body(partner_id="mercy-hospital", contact_email=CONTACT_EMAIL)
    assert (await client.post("/v1/admin/partners", json=hospital, headers=admin())).is_success
    org = partner_body(partner_id="safe-streets", kind="cvi_org", name="Safe Streets")
    assert (await client.post("/v1/admin/partners", json=org, headers=admin())).is_success
    grant = {"partner_id": "mercy-hospital", "stream": "referrals", "action": "publish"}
    assert (await client.post("/v1/admin/grants", json=grant, headers=admin())).is_success
    person = {"email": PERSON_EMAIL, "display_name": PERSON, "role": "outreach_worker"}
    added = await client.post(
        "/v1/admin/partners/safe-streets/people", json=person, headers=admin()
    )
    assert added.status_code == 201, added.text
    session = await sign_in(client, PERSON_EMAIL, device=DEVICE)
    me = await client.get("/v1/me", headers=bearer(session["session_token"]))
    assert me.status_code == 200, me.text
    assert PERSON in me.text and PERSON_EMAIL in me.text
    named = {"admin_id": "t.vanterpool", "name": ADMIN_NAME, "email": ADMIN_EMAIL}
    created = await client.post(
        "/v1/admin/administrators", json=named | {"role": "admin"}, headers=admin()
    )
    assert created.status_code == 201, created.text
    shown = await client.get("/v1/admin/administrators/t.vanterpool", headers=admin())
    assert (shown.json()["name"], shown.json()["email"]) == (ADMIN_NAME, ADMIN_EMAIL)
    now = datetime.now(UTC)
    consent = {
        "recipient_partner_ids": ["safe-streets"],
        "scope": ["contact"],
        "purpose": PURPOSE,
        "given_at": (now - timedelta(minutes=5)).isoformat(),
        "expires_at": (now + timedelta(days=90)).isoformat(),
    }
    key = await _key(client, "mercy-hospital")
    recorded = await client.post("/v1/consents", json=consent, headers=bearer(key))
    assert recorded.status_code == 201, recorded.text
    path = f"/v1/consents/{recorded.json()['consent_id']}"
    withdrawn = await client.post(f"{path}/withdraw", json={"reason": REASON}, headers=bearer(key))
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["purpose"] == PURPOSE
    profile = await client.get("/v1/partners/me", headers=bearer(key))
    assert profile.json()["contact_email"] == CONTACT_EMAIL
    await _subscribe(client)


async def _subscribe(client: httpx.AsyncClient) -> None:
    """An sms: and a mailto: endpoint of safe-streets; the same one twice is still refused."""
    grant = {"partner_id": "safe-streets", "stream": "incident-alerts", "action": "subscribe"}
    assert (await client.post("/v1/admin/grants", json=grant, headers=admin())).is_success
    key = await _key(client, "safe-streets")
    mine = "/v1/partners/me/subscriptions"
    sms = {"stream": "incident-alerts", "channel": "sms", "phone": WORKER_PHONE}
    mail = {"stream": "incident-alerts", "channel": "email", "email": WORKER_EMAIL}
    for body in (sms, mail):
        made = await client.post(mine, json=body, headers=bearer(key))
        assert made.status_code == 201, made.text
    again = await client.post(mine, json=sms, headers=bearer(key))
    assert again.status_code == 409, again.text
    listed = (await client.get(mine, headers=bearer(key))).json()
    assert sorted(s["url"] for s in listed) == [f"mailto:{WORKER_EMAIL}", f"sms:{WORKER_PHONE}"]


async def test_a_raw_dump_holds_no_plaintext_personal_data(
    kafka_bootstrap: str, make_database: Any
) -> None:
    db = make_database("registry")
    async with registry(kafka_bootstrap, db) as client:
        await _fill(client)
        mail = await client.get("/v1/admin/mail-outbox", headers=admin())
        assert PERSON_EMAIL in mail.text  # the admin still reads to whom mail goes
    dump = await dump_database(db)
    assert b"mercy-hospital" in dump  # the dump really holds the registry's rows
    assert plaintext_in(dump, PII) == []


async def test_rows_from_before_are_sealed_at_start_and_sign_in_still_finds_them(
    kafka_bootstrap: str, make_database: Any
) -> None:
    db = make_database("registry")
    await _old_rows(db)
    before = {PERSON, PERSON_EMAIL, WORKER_PHONE}
    assert set(plaintext_in(await dump_database(db), PII)) == before
    async with registry(kafka_bootstrap, db) as client:
        session = await sign_in(client, PERSON_EMAIL.upper(), device=DEVICE)
        me = await client.get("/v1/me", headers=bearer(session["session_token"]))
        assert PERSON in me.text
        path = "/v1/admin/subscriptions?partner_id=safe-streets"
        listed = await client.get(path, headers=admin())
        assert [s["url"] for s in listed.json()] == [f"sms:{WORKER_PHONE}"], listed.text
    assert plaintext_in(await dump_database(db), PII) == []


async def test_a_rotated_ring_reseals_every_column(
    kafka_bootstrap: str, make_database: Any
) -> None:
    db = make_database("registry")
    async with registry(kafka_bootstrap, db) as client:
        await _fill(client)
    new_key = new_fernet_key()
    # The new ring: a new key first, then the key the rows were sealed with.
    rotated = KeyRing.parse(f"rotated:{new_key},{run_key_ring_text()}")
    stale = await reencrypt_database(db.url, db.schema, rotated, check_only=True, metadata=metadata)
    assert stale_rows(stale, rotated) > 9  # every sealed value is under the old key
    done = await reencrypt_database(db.url, db.schema, rotated, metadata=metadata)
    assert done.rewritten == stale_rows(stale, rotated)
    after = await reencrypt_database(db.url, db.schema, rotated, check_only=True, metadata=metadata)
    assert stale_rows(after, rotated) == 0
    async with registry(kafka_bootstrap, db, data_keys=f"rotated:{new_key}") as client:
        listed = await client.get("/v1/admin/partners/safe-streets/people", headers=admin())
        assert PERSON in listed.text and PERSON_EMAIL in listed.text


async def _old_rows(db: TestDatabase) -> None:
    """A database at the revision before sealing, with a partner, a person and an SMS
    endpoint in plaintext."""
    now = datetime.now(UTC)
    async with (
        migrated(db, "0012_partner_service_polygon") as sessions,
        transaction(sessions) as session,
    ):
        await session.execute(
            text(
                "INSERT INTO partners (partner_id, name, kind, status, sequence, created_at,"
                " updated_at) VALUES ('safe-streets', 'Safe Streets', 'cvi_org', 'active',"
                " 1, :now, :now)"
            ),
            {"now": now},
        )
        await session.execute(
            text(
                "INSERT INTO people (person_id, partner_id, display_name, email, role,"
                " status, created_at) VALUES ('psn_0123456789abcdef', 'safe-streets',"
                " :name, :email, 'outreach_worker', 'active', :now)"
            ),
            {"name": PERSON, "email": PERSON_EMAIL, "now": now},
        )
        await session.execute(
            text(
                "INSERT INTO subscriptions (subscription_id, partner_id, stream, url,"
                " secret_encrypted, status, created_at, updated_at, sequence, channel)"
                " VALUES ('sub_old', 'safe-streets', 'incident-alerts', :url, '', 'active',"
                " :now, :now, 2, 'sms')"
            ),
            {"url": f"sms:{WORKER_PHONE}", "now": now},
        )
