"""What a cell sends: alerts to intake, records to the bare fan-out's topic, bare signed POSTs."""

import json
import time
import uuid
from datetime import UTC, datetime

import httpx
from aiokafka import AIOKafkaProducer
from standardwebhooks.webhooks import Webhook

from cvihub_bench.cells import Outcome, Sender
from cvihub_bench.provision import bench_alert
from cvihub_bench.tracker import Tracker

ALERTS_PATH = "/v1/incident-alerts"
KEEPALIVE_S = 2.0


def _client(base_url: str, headers: dict[str, str], connections: int) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base_url,
        headers=headers,
        timeout=httpx.Timeout(10.0),
        # Below uvicorn's 5 s keep-alive: a connection the server has just closed while idle
        # between cells would otherwise fail the next cell's first sends with a ReadError.
        limits=httpx.Limits(
            max_connections=connections,
            max_keepalive_connections=connections,
            keepalive_expiry=KEEPALIVE_S,
        ),
    )


async def _post(
    client: httpx.AsyncClient, path: str, outcome: Outcome, **kwargs: object
) -> tuple[httpx.Response | None, float]:
    started = time.monotonic()
    try:
        response = await client.post(path, **kwargs)  # type: ignore[arg-type]
    except httpx.TimeoutException:
        outcome.statuses["timeout"] += 1
        return None, started
    except httpx.HTTPError as exc:
        outcome.statuses[type(exc).__name__] += 1
        return None, started
    return response, started


class IntakePoster:
    """Posts incident alerts as the bench's police partner; the 202's time starts the clock."""

    def __init__(self, intake_url: str, api_key: str, *, connections: int = 256) -> None:
        self.client = _client(intake_url, {"Authorization": f"Bearer {api_key}"}, connections)

    def sender(self, zone: str) -> Sender:
        """A sender of alerts in the zone (which picks the subscriber group)."""

        async def send(_: int, tracker: Tracker, outcome: Outcome) -> None:
            response, started = await _post(
                self.client, ALERTS_PATH, outcome, json=bench_alert(zone=zone)
            )
            if response is None:
                return
            now = time.monotonic()
            if response.status_code == 202:
                tracker.sent(str(response.json()["alert_id"]), now)
                outcome.statuses["ok"] += 1
                outcome.ack_ms.append((now - started) * 1000.0)
            else:
                outcome.statuses[str(response.status_code)] += 1

        return send

    async def close(self) -> None:
        """Close the HTTP client."""
        await self.client.aclose()


class TopicSender:
    """Produces records to the bare fan-out's topic; the broker's ack starts the clock."""

    def __init__(self, producer: AIOKafkaProducer, topic: str) -> None:
        self.producer = producer
        self.topic = topic

    def sender(self, group: int) -> Sender:
        """A sender of records the fan-out forwards to the group of this size."""

        async def send(_: int, tracker: Tracker, outcome: Outcome) -> None:
            key = uuid.uuid4().hex
            started = time.monotonic()
            try:
                await self.producer.send_and_wait(
                    self.topic, json.dumps({"key": key, "group": group}).encode()
                )
            except Exception as exc:  # any producer failure is a failed send
                outcome.statuses[type(exc).__name__] += 1
                return
            now = time.monotonic()
            tracker.sent(key, now)
            outcome.statuses["ok"] += 1
            outcome.ack_ms.append((now - started) * 1000.0)

        return send


class SignedPoster:
    """POSTs a signed body straight to one receiver path: the bare HTTP baseline."""

    def __init__(self, receiver_url: str, subscriber: str, secret: str) -> None:
        self.client = _client(receiver_url, {}, 64)
        self.path = f"/hooks/{subscriber}"
        self.webhook = Webhook(secret)

    def sender(self) -> Sender:
        """A sender whose clock starts before the POST (there is no hub to acknowledge)."""

        async def send(_: int, tracker: Tracker, outcome: Outcome) -> None:
            key = uuid.uuid4().hex
            msg_id = f"msg_{key}"
            body = json.dumps({"id": msg_id, "data": {"key": key}})
            headers = signed_headers(self.webhook, msg_id, body)
            tracker.sent(key, time.monotonic())
            response, started = await _post(
                self.client, self.path, outcome, content=body, headers=headers
            )
            if response is None:
                return
            if response.is_success:
                outcome.statuses["ok"] += 1
                outcome.ack_ms.append((time.monotonic() - started) * 1000.0)
            else:
                outcome.statuses[str(response.status_code)] += 1

        return send

    async def close(self) -> None:
        """Close the HTTP client."""
        await self.client.aclose()


def signed_headers(webhook: Webhook, msg_id: str, body: str) -> dict[str, str]:
    """Standard Webhooks headers for the body, signed now."""
    now = datetime.now(UTC)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": webhook.sign(msg_id, now, body),
        "content-type": "application/json",
    }
