"""Referral events reach only the parties entitled to them, with patient data intact."""

import asyncio
import json
from typing import Any

import pytest
from notifications_builders import make_consent, make_referral, make_status_change, record
from notifications_hub import running_hub
from standardwebhooks.webhooks import Webhook

from cvihub_contracts import GrantAction, Stream
from cvihub_contracts.registry.changes_v1 import PartnerKind
from cvihub_testkit import eventually
from cvihub_testkit.webhooks import WebhookReceiver

pytestmark = pytest.mark.integration

REFERRALS = Stream.REFERRALS
SUBSCRIBE = (REFERRALS, GrantAction.SUBSCRIBE)


async def test_referral_events_go_to_entitled_parties_only(
    kafka_bootstrap: str, make_database: Any, webhook_receiver: WebhookReceiver
) -> None:
    async with running_hub(kafka_bootstrap, make_database("notifications"), webhook_receiver) as h:
        await h.onboard(
            "hospital-1", PartnerKind.HOSPITAL, grants=[SUBSCRIBE], endpoints=[REFERRALS]
        )
        await h.onboard("cvi-1", PartnerKind.CVI_ORG, grants=[SUBSCRIBE], endpoints=[REFERRALS])
        await h.onboard("cvi-2", PartnerKind.CVI_ORG, grants=[SUBSCRIBE], endpoints=[REFERRALS])

        consented = make_referral()
        not_consented = make_referral(
            recipient_partner_id="cvi-2",
            consent=make_consent(recipient_partner_ids=["cvi-1"]),
        )
        accepted = make_status_change(
            referral_id=consented.referral_id, changed_by_partner_id="cvi-1"
        )
        await h.produce_applied(
            record(not_consented, partner_id="hospital-1"),
            record(consented, partner_id="hospital-1"),
            record(accepted, partner_id="cvi-1"),
        )

        to_cvi = await eventually(lambda: h.receiver.received("/hooks/cvi-1"))
        to_hospital = await eventually(lambda: h.receiver.received("/hooks/hospital-1"))
        referral = Webhook(h.secrets["cvi-1"]).verify(to_cvi[0].body, to_cvi[0].headers)
        assert referral["type"] == "org.cvihub.referral.submitted"
        assert referral["data"]["patient"]["family_name"] == "Doe"  # PII for the party
        assert referral["data"]["injury"]["mechanism"] == "gunshot"  # PHI for the party
        assert referral["redacted"] == ""
        change = Webhook(h.secrets["hospital-1"]).verify(
            to_hospital[0].body, to_hospital[0].headers
        )
        assert change["type"] == "org.cvihub.referral.status-changed"
        assert change["data"]["status"] == "accepted"

        stored = await h.stored_bodies()
        assert all(b"Doe" not in body.encode() for body in stored)  # encrypted at rest
        assert to_cvi[0].body in {h.box.decrypt(body).encode() for body in stored}

        await asyncio.sleep(1.0)
        assert [json.loads(r.body)["type"] for r in h.receiver.received("/hooks/cvi-1")] == [
            "org.cvihub.referral.submitted"  # not its own status change
        ]
        assert len(h.receiver.received("/hooks/hospital-1")) == 1  # not the referral it sent
        assert h.receiver.received("/hooks/cvi-2") == []  # consent does not cover it
