"""Operational notices: a delivery given up and an endpoint disabled are each recorded once,
listed for their partner and the hub admin, and mailed to the partner's contact address and
the hub admin's, without event data, the endpoint's URL or any address but the recipient's."""

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from notifications_delivery import ALERTS, SUBSCRIBE, deliveries, endpoint_of, publish
from notifications_hub import Hub, running_hub
from sqlalchemy import select

from cvihub_contracts import GrantAction
from cvihub_contracts.registry.changes_v1 import PartnerKind
from cvihub_notifications import notices
from cvihub_notifications.endpoint_health import Disabled
from cvihub_notifications.models import endpoint_states
from cvihub_notifications.queue_store import Claimed
from cvihub_runtime.db import transaction
from cvihub_testkit import eventually
from cvihub_testkit.mail import SmtpTestServer
from cvihub_testkit.webhooks import WebhookReceiver

pytestmark = pytest.mark.integration

ADMIN_TOKEN = "notices-admin-token-0123456789abcdef"
HUB_ADMIN = "ops@cvihub.example"
CONTACT = "admin@cvi-1.example"


async def notices_of(hub: Hub, partner_id: str) -> list[dict[str, Any]]:
    """The partner's notices as its API lists them."""
    answer = await hub.get("/v1/notices", partner_id)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["items"])


async def record_again(hub: Hub, dead: dict[str, Any], listed: list[dict[str, Any]]) -> None:
    """Record the given-up delivery's notice and the disabling's once more, as a retried
    attempt transaction would."""
    disabling = next(n for n in listed if n["kind"] == "endpoint-disabled")
    async with hub.app.state.hosting.sessions() as session:
        disabled_at = await session.scalar(
            select(endpoint_states.c.disabled_at).where(
                endpoint_states.c.subscription_id == disabling["subscription_id"]
            )
        )
    claimed = Claimed(
        delivery_id=dead["delivery_id"],
        event_id=dead["event_id"],
        event_type=dead["event_type"],
        event_time=datetime.now(UTC),
        subscription_id=dead["subscription_id"],
        partner_id="cvi-1",
        url=dead["url"],
        body_encrypted="",
        attempts=dead["attempts"],
    )
    gone = Disabled(claimed.subscription_id, "cvi-1", disabled_at, disabling["reason"])
    async with transaction(hub.app.state.hosting.sessions) as session:
        await notices.after_attempt(
            session,
            claimed=claimed,
            at=datetime.now(UTC),
            failed=True,
            error="HTTP 500",
            disabled=gone,
        )


async def test_dead_letters_and_disablings_are_noticed_once_and_mailed(
    kafka_bootstrap: str, make_database: Any, webhook_receiver: WebhookReceiver
) -> None:
    webhook_receiver.fail_first("/hooks/cvi-1", 2)  # the alert's two attempts fail
    with SmtpTestServer().running() as smtp:
        async with running_hub(
            kafka_bootstrap,
            make_database("notifications"),
            webhook_receiver,
            retry_schedule_seconds=[0.05],
            smtp_url=f"smtp://127.0.0.1:{smtp.port}?starttls=false&timeout=5",
            mail_from="CVI hub <hub@cvihub.example>",
            hub_admin_email=HUB_ADMIN,
            admin_token=ADMIN_TOKEN,
        ) as h:
            await h.onboard("police-1", PartnerKind.POLICE, grants=[(ALERTS, GrantAction.PUBLISH)])
            await h.onboard(
                "cvi-1",
                PartnerKind.CVI_ORG,
                grants=[SUBSCRIBE],
                endpoints=[ALERTS],
                contact_email=CONTACT,
            )
            await h.onboard("cvi-2", PartnerKind.CVI_ORG, grants=[SUBSCRIBE], endpoints=[ALERTS])
            first = await publish(h, source_incident_id="CAD-1")
            [dead] = await eventually(lambda: deliveries(h, "cvi-1", status="failed"))
            [exhausted] = await eventually(lambda: notices_of(h, "cvi-1"))
            assert exhausted["kind"] == "attempt-exhausted"
            assert (exhausted["delivery_id"], exhausted["event_id"]) == (
                dead["delivery_id"],
                first,
            )
            assert exhausted["subscription_id"] == endpoint_of("cvi-1")
            assert exhausted["reason"] == "HTTP 500"

            # A 410 disables the endpoint: noticed once, though later deliveries fail too.
            webhook_receiver.fail_first("/hooks/cvi-1", 1, status=410)
            await publish(h, source_incident_id="CAD-2")

            async def disabled() -> bool:
                found = await h.get(f"/v1/endpoints/{endpoint_of('cvi-1')}", "cvi-1")
                return found.json()["disabled_at"] is not None

            await eventually(disabled)
            await publish(h, source_incident_id="CAD-3")

            async def three_failed() -> bool:
                return len(await deliveries(h, "cvi-1", status="failed")) == 3

            await eventually(three_failed)
            kinds = [n["kind"] for n in await notices_of(h, "cvi-1")]
            # The 410'd delivery is given up as well; the two closed while off are not each
            # announced (the disabling is).
            assert sorted(kinds) == [
                "attempt-exhausted",
                "attempt-exhausted",
                "endpoint-disabled",
            ]
            assert await notices_of(h, "cvi-2") == []  # healthy, and not told of cvi-1's

            # Mailed once to the contact and once to the hub admin: the disabling, and the
            # first delivery given up; the second, within the hour, is listed only.
            await eventually(lambda: len(smtp.received) >= 4)
            listed = await notices_of(h, "cvi-1")
            mailed = [n for n in listed if n["partner_mailed_at"] and n["admin_mailed_at"]]
            assert sorted(n["kind"] for n in mailed) == ["attempt-exhausted", "endpoint-disabled"]
            [quiet] = [n for n in listed if n not in mailed]
            assert quiet["kind"] == "attempt-exhausted" and quiet["event_id"] != first
            assert (quiet["partner_mailed_at"], quiet["admin_mailed_at"]) == (None, None)
            # Another round finds nothing due: no second e-mail of any notice.
            assert await h.app.state.notice_mailer.mail_due() == 0
            await asyncio.sleep(0.6)  # a poll of the mailing loop
            assert len(smtp.received) == 4

            # Recording the same notices again (a retried transaction) adds none.
            await record_again(h, dead, listed)
            assert len(await notices_of(h, "cvi-1")) == 3

            # The hub admin lists every partner's; a partner's key is refused there.
            admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
            every = await h.client.get("/v1/admin/notices", headers=admin)
            assert every.status_code == 200, every.text
            assert {n["notice_id"] for n in every.json()["items"]} == {
                n["notice_id"] for n in listed
            }
            partner_key = {"Authorization": f"Bearer {h.keys['cvi-1']}"}
            refused = await h.client.get("/v1/admin/notices", headers=partner_key)
            assert refused.status_code == 401
            assert refused.headers["content-type"] == "application/problem+json"

    by_recipient: dict[str, list[str]] = {}
    for message in smtp.received:
        [to] = message.rcpt_tos
        by_recipient.setdefault(to, []).append(" ".join(str(message.message["Subject"]).split()))
        whole = message.message.as_string() + message.text
        for secret in ("CAD-", "handgun", "1200 block", "127.0.0.1", "/hooks/", HUB_ADMIN):
            if secret == HUB_ADMIN and to == HUB_ADMIN:
                continue
            assert secret not in message.text, secret
        assert CONTACT not in message.text and "Z3" not in whole
    assert sorted(by_recipient) == [CONTACT, HUB_ADMIN]
    for subjects in by_recipient.values():
        assert sorted(subjects) == sorted(
            [
                f"CVI hub: a delivery to endpoint {endpoint_of('cvi-1')} was given up",
                f"CVI hub: endpoint {endpoint_of('cvi-1')} disabled",
            ]
        )
