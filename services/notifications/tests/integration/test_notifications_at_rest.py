"""A raw dump of notifications' database holds none of the personal data it delivered: a
referral and an alert go to a webhook, to a failing webhook until it dead-letters and to a web
inbox; deliveries, attempts, the inbox and the dead letters keep only sealed bodies."""

from datetime import date
from typing import Any

import pytest
from notifications_builders import make_alert, make_consent, make_referral, record
from notifications_builders import subscription as subscription_record
from notifications_hub import running_hub
from notifications_receiver import WebhookReceiver
from sqlalchemy import select

from cvihub_contracts import GrantAction, Stream
from cvihub_contracts.alert.incident_alert_v1 import Location
from cvihub_contracts.referral.submitted_v1 import Patient
from cvihub_contracts.registry.changes_v1 import Channel, PartnerKind
from cvihub_notifications.models import DeliveryStatus, deliveries
from cvihub_testkit import dump_database, eventually, plaintext_in

pytestmark = pytest.mark.integration

# Test PII, distinctive enough that no other stored text holds it by chance.
GIVEN, FAMILY, BIRTH = "Evangelina", "Throckmorton", "1991-02-17"
PHONE, EMAIL = "+17735550144", "evangelina.t@example.org"
BLOCK = "3300 block of W Fullerton Ave"
PII = [GIVEN, FAMILY, BIRTH, PHONE, EMAIL, BLOCK]
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
        await hub.produce_applied(inbox)
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

    dump = await dump_database(db)
    assert b"cvi-2" in dump and b"cvihub:inbox" in dump  # the dump really holds the rows
    assert plaintext_in(dump, PII) == []


async def _inbox_holds(hub: Any, text: str) -> bool:
    answer = await hub.get("/v1/inbox", "cvi-3")
    return answer.status_code == 200 and text in answer.text
