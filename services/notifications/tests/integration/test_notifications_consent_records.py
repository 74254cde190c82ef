"""A referral quoting a registry consent record is delivered only while the record covers it."""

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from notifications_builders import consent_record, make_consent, make_referral, record
from notifications_hub import running_hub
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from cvihub_contracts import GrantAction, Stream
from cvihub_contracts.registry.changes_v1 import EntityStatus, PartnerKind
from cvihub_notifications.models import deliveries
from cvihub_testkit import eventually
from cvihub_testkit.webhooks import WebhookReceiver

pytestmark = pytest.mark.integration

REFERRALS = Stream.REFERRALS
SUBSCRIBE = (REFERRALS, GrantAction.SUBSCRIBE)


async def test_withdrawn_or_unknown_consent_record_stops_delivery(
    kafka_bootstrap: str, make_database: Any, webhook_receiver: WebhookReceiver
) -> None:
    async with running_hub(kafka_bootstrap, make_database("notifications"), webhook_receiver) as h:
        await h.onboard(
            "hospital-1", PartnerKind.HOSPITAL, grants=[SUBSCRIBE], endpoints=[REFERRALS]
        )
        await h.onboard("cvi-1", PartnerKind.CVI_ORG, grants=[SUBSCRIBE], endpoints=[REFERRALS])
        # The record allows contact details only: the injury must not reach cvi-1.
        await h.produce_applied(consent_record("consent-a", scope=["contact"]))

        covered = make_referral(consent=make_consent(consent_id="consent-a"))
        await h.produce_applied(record(covered, partner_id="hospital-1"))
        [delivered] = await eventually(lambda: h.receiver.received("/hooks/cvi-1"))
        body = Webhook(h.secrets["cvi-1"]).verify(delivered.body, delivered.headers)
        assert body["data"]["referral_id"] == str(covered.referral_id)
        assert body["data"]["patient"]["family_name"] == "Doe"
        assert "mechanism" not in body["data"]["injury"]
        assert "#/injury/mechanism" in body["redacted"]

        # The hospital withdraws the consent; the copy applies the newer change.
        withdrawn = consent_record(
            "consent-a", scope=["contact"], status=EntityStatus.REVOKED, sequence=2
        )
        unknown = make_referral(consent=make_consent(consent_id="never-recorded"))
        after = make_referral(consent=make_consent(consent_id="consent-a"))
        await h.produce_applied(withdrawn)  # topics are consumed apart: apply it first
        await h.produce_applied(
            record(after, partner_id="hospital-1"),
            # Past the grace a fresh referral gets to wait for its record to reach the copy.
            record(unknown, partner_id="hospital-1", time=datetime.now(UTC) - timedelta(hours=1)),
        )
        await asyncio.sleep(1.0)
        received = [
            json.loads(r.body)["data"]["referral_id"] for r in h.receiver.received("/hooks/cvi-1")
        ]
        assert received == [str(covered.referral_id)]
        assert h.receiver.received("/hooks/hospital-1") == []


async def test_withdrawal_stops_pending_retries_to_the_recipient(
    kafka_bootstrap: str, make_database: Any, webhook_receiver: WebhookReceiver
) -> None:
    webhook_receiver.fail_first("/hooks/cvi-1", 1000)
    db = make_database("notifications")
    async with running_hub(
        kafka_bootstrap, db, webhook_receiver, retry_schedule_seconds=[0.5] * 20
    ) as h:
        await h.onboard("cvi-1", PartnerKind.CVI_ORG, grants=[SUBSCRIBE], endpoints=[REFERRALS])
        await h.produce_applied(consent_record("consent-b"))
        referral = make_referral(consent=make_consent(consent_id="consent-b"))
        await h.produce_applied(record(referral, partner_id="hospital-1"))
        await eventually(lambda: h.receiver.received("/hooks/cvi-1"))
        # Planning stored the record the delivery rests on; attempts check it from there.
        async with h.app.state.hosting.sessions() as session:
            stored = (
                await session.execute(
                    select(deliveries.c.consent_id, deliveries.c.consent_custodian_id)
                )
            ).all()
        assert [tuple(row) for row in stored] == [("consent-b", "hospital-1")]

        await h.produce_applied(
            consent_record("consent-b", status=EntityStatus.REVOKED, sequence=2)
        )

        async def abandoned() -> list[dict[str, Any]]:
            items = (await h.get("/v1/deliveries", "cvi-1", status="failed")).json()["items"]
            return list(items)

        [failed] = await eventually(abandoned)
        assert failed["last_error"] == "consent withdrawn"
        sent = len(h.receiver.received("/hooks/cvi-1"))
        await asyncio.sleep(1.5)
        assert len(h.receiver.received("/hooks/cvi-1")) == sent  # no retry after withdrawal
