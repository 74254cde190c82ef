"""A raw dump of notifications' database holds none of the personal data it delivered: a
referral and an alert go to a webhook, to a failing webhook until it dead-letters, to a web
inbox and to an SMS and an e-mail endpoint; deliveries, attempts, the inbox and the dead letters
keep only sealed bodies, and deliveries and the registry copy only sealed endpoints (an sms:
one is a worker's phone number, a mailto: one an address), rows from before sealed at start."""

from datetime import date
from typing import Any

import pytest
from notifications_builders import make_alert, make_consent, make_referral, record
from notifications_builders import subscription as subscription_record
from notifications_hub import running_hub
from sqlalchemy import select, update

from cvihub_contracts import GrantAction, Stream
from cvihub_contracts.alert.incident_alert_v1 import Location
from cvihub_contracts.referral.submitted_v1 import Patient
from cvihub_contracts.registry.changes_v1 import Channel, PartnerKind
from cvihub_notifications.models import DeliveryStatus, deliveries, registry_copy
from cvihub_testkit import dump_database, eventually, plaintext_in
from cvihub_testkit.webhooks import WebhookReceiver

pytestmark = pytest.mark.integration

# Test PII, distinctive enough that no other stored text holds it by chance.
GIVEN, FAMILY, BIRTH = "Evangelina", "Throckmorton", "1991-02-17"
PHONE, EMAIL = "+17735550144", "evangelina.t@example.org"
BLOCK = "3300 block of W Fullerton Ave"
# The endpoints of a worker of cvi-3: their phone and their address.
WORKER_PHONE, WORKER_EMAIL = "+17735550188", "marisol.okafor@cvi-3.example"
PII = [GIVEN, FAMILY, BIRTH, PHONE, EMAIL, BLOCK, WORKER_PHONE, WORKER_EMAIL]
ALERTS, REFERRALS = Stream.INCIDENT_ALERTS, Stream.REFERRALS


async def test_a_raw_dump_holds_no_personal_data_delivered_failed_or_in_an_inbox(
    kafka_bootstrap: str, make_database: Any, webhook_receiver: WebhookReceiver
) -> None:
    db = make_database("notifications")
    async with running_hub(
        kafka_bootstrap, db, webhook_receiver, retry_schedule_seconds=(0.1,)
    ) as hub:
        subscribe = [(REFERRALS, GrantAction.SUBSCRIBE), (ALERTS, GrantAction.SUBSCRIBE)]
        await hub.onboard("hospital-1", PartnerKind.HOSPITAL)
        await hub.onboard("cvi-1", PartnerKind.CVI_ORG, grants=subscribe, endpoints=[REFERRALS])
        await hub.onboard("cvi-2", PartnerKind.CVI_ORG, grants=subscribe, endpoints=[REFERRALS])
        await hub.onboard("cvi-3", PartnerKind.CVI_ORG, grants=subscribe)
        await hub.onboard("police-1", PartnerKind.POLICE)
        inbox = subscription_record(
            "cvi-3", ALERTS, url="cvihub:inbox", secret="", box=hub.box, channel=Channel.INBOX
        )
        sms = subscription_record(
            "cvi-3",
            ALERTS,
            url=f"sms:{WORKER_PHONE}",
            secret="",
            box=hub.box,
            channel=Channel.SMS,
            subscription_id="sub-cvi-3-sms",
        )
        mail = subscription_record(
            "cvi-3",
            ALERTS,
            url=f"mailto:{WORKER_EMAIL}",
            secret="",
            box=hub.box,
            channel=Channel.EMAIL,
            subscription_id="sub-cvi-3-mail",
        )
        await hub.produce_applied(inbox, sms, mail)
        webhook_receiver.fail_first("/hooks/cvi-2", 10)  # every attempt fails: a dead letter

        patient = Patient(
            given_name=GIVEN,
            family_name=FAMILY,
            date_of_birth=date(1991, 2, 17),
            phone=PHONE,
            email=EMAIL,
        )
        consent = make_consent(recipient_partner_ids=["cvi-1", "cvi-2"])
        await hub.produce_applied(
            record(make_referral(patient=patient, consent=consent), partner_id="hospital-1"),
            record(
                make_referral(patient=patient, consent=consent, recipient_partner_id="cvi-2"),
                partner_id="hospital-1",
            ),
            record(make_alert(location=Location(block_address=BLOCK)), partner_id="police-1"),
        )

        delivered = await eventually(lambda: hub.receiver.received("/hooks/cvi-1"))
        assert FAMILY.encode() in delivered[0].body  # the party entitled to it gets it all
        listed = await eventually(lambda: _inbox_holds(hub, BLOCK))
        assert listed

        async def dead_letter() -> bool:
            async with hub.app.state.hosting.sessions() as session:
                statuses = await session.scalars(
                    select(deliveries.c.status).where(deliveries.c.partner_id == "cvi-2")
                )
                return DeliveryStatus.FAILED.value in set(statuses)

        assert await eventually(dead_letter)
        dead = await hub.get("/v1/deliveries", "cvi-2", status="failed")
        assert dead.status_code == 200, dead.text
        # No gateway or mailer here: they stay pending, each read back as the partner gave it.
        assert await eventually(lambda: _all_endpoints_listed(hub))
        assert plaintext_in(await dump_database(db), PII) == []  # sealed when written

        await _store_as_before_sealing(hub)
        assert await _endpoints_listed(hub) == ENDPOINTS  # plaintext rows from before still read
    # The service's next start seals them before it serves.
    async with running_hub(kafka_bootstrap, db, webhook_receiver):
        pass

    dump = await dump_database(db)
    assert b"cvi-2" in dump and b"sub-cvi-3-sms" in dump  # the dump really holds the rows
    assert plaintext_in(dump, PII) == []


ENDPOINTS = {
    "cvihub:inbox",
    f"sms:{WORKER_PHONE}",
    f"mailto:{WORKER_EMAIL}",
}


async def _endpoints_listed(hub: Any) -> set[str]:
    answer = await hub.get("/v1/deliveries", "cvi-3")
    assert answer.status_code == 200, answer.text
    return {item["url"] for item in answer.json()["items"]}


async def _all_endpoints_listed(hub: Any) -> bool:
    return await _endpoints_listed(hub) == ENDPOINTS


async def _store_as_before_sealing(hub: Any) -> None:
    """Put cvi-3's endpoints back in plaintext, as rows stored before sealing hold them."""
    copied = registry_copy.subscriptions
    async with hub.app.state.hosting.sessions() as session, session.begin():
        for subscription_id, url in (
            ("sub-cvi-3-sms", f"sms:{WORKER_PHONE}"),
            ("sub-cvi-3-mail", f"mailto:{WORKER_EMAIL}"),
        ):
            await session.execute(
                update(deliveries)
                .where(deliveries.c.subscription_id == subscription_id)
                .values(url=url)
            )
            await session.execute(
                update(copied).where(copied.c.subscription_id == subscription_id).values(url=url)
            )


async def _inbox_holds(hub: Any, text: str) -> bool:
    answer = await hub.get("/v1/inbox", "cvi-3")
    return answer.status_code == 200 and text in answer.text
