"""An endpoint that fails for the configured time without one success is disabled; its
re-enabling recovers every delivery that failed since it began failing."""

from typing import Any

import pytest
from notifications_delivery import (
    deliveries,
    endpoint_of,
    hub_with,
    post,
    publish,
)

from cvihub_testkit import eventually
from cvihub_testkit.webhooks import WebhookReceiver

pytestmark = pytest.mark.integration


async def test_an_endpoint_failing_too_long_is_disabled_and_reenabled_with_recovery(
    kafka_bootstrap: str, make_database: Any, webhook_receiver: WebhookReceiver
) -> None:
    webhook_receiver.fail_first("/hooks/cvi-1", 1000)  # down until told otherwise
    webhook_receiver.fail_first("/hooks/cvi-2", 1)  # one failure, then healthy
    async with hub_with(
        kafka_bootstrap,
        make_database("notifications"),
        webhook_receiver,
        "cvi-1",
        "cvi-2",
        retry_schedule_seconds=[0.2] * 20,
        retry_jitter=0,
        disable_after_failing_seconds=1.0,
        breaker_failures=100,
    ) as h:
        first = await publish(h, source_incident_id="CAD-1")

        async def state(partner_id: str) -> dict[str, Any]:
            answer = await h.get(f"/v1/endpoints/{endpoint_of(partner_id)}", partner_id)
            assert answer.status_code == 200, answer.text
            return dict(answer.json())

        async def disabled() -> bool:
            return (await state("cvi-1"))["disabled_at"] is not None

        await eventually(disabled)
        endpoint = await state("cvi-1")
        assert endpoint["disabled_reason"] == "no successful attempt for 1 s"
        assert endpoint["failing_since"] is not None
        # The failing one's retries stop at the disabling (well before its 21 attempts).
        [dead] = await eventually(lambda: deliveries(h, "cvi-1", status="failed"))
        assert dead["event_id"] == first
        assert dead["last_error"] == "endpoint disabled: no successful attempt for 1 s"
        assert 2 <= dead["attempts"] < 21
        # A success clears the other's failing time.
        await eventually(lambda: deliveries(h, "cvi-2", status="delivered"))
        assert (await state("cvi-2"))["failing_since"] is None
        assert (await state("cvi-2"))["disabled_at"] is None

        later = await publish(h, source_incident_id="CAD-2")  # missed while off

        async def both_failed() -> bool:
            return len(await deliveries(h, "cvi-1", status="failed")) == 2

        await eventually(both_failed)
        sent_while_off = len(webhook_receiver.received("/hooks/cvi-1"))

        webhook_receiver.fail_first("/hooks/cvi-1", 0)  # back
        enabled = await post(h, f"/v1/endpoints/{endpoint_of('cvi-1')}/enable", "cvi-1")
        assert enabled.status_code == 200, enabled.text
        assert enabled.json()["requeued"] == 2
        assert enabled.json()["since"] == endpoint["failing_since"]

        async def all_delivered() -> bool:
            done = await deliveries(h, "cvi-1", status="delivered")
            return {d["event_id"] for d in done} == {first, later}

        await eventually(all_delivered)
        after = webhook_receiver.received("/hooks/cvi-1")[sent_while_off:]
        assert sorted(r.headers["webhook-id"] for r in after) == sorted([first, later])
        assert (await state("cvi-1"))["failing_since"] is None
