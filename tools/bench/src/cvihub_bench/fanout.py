"""The bare fan-out: a minimal consumer that POSTs each record, signed, to every endpoint of
its group. No database, no registry copy, no retries: the physical floor for the hub's own work
on this machine (same broker, same receiver, same HTTP client library as notifications).

Run as a process: `python -m cvihub_bench.fanout --bootstrap … --topic … --groups file.json`.
"""

import argparse
import asyncio
import contextlib
import json
import uuid
from pathlib import Path

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from standardwebhooks.webhooks import Webhook

from cvihub_bench.senders import signed_headers

CONCURRENCY = 32
"""Requests in flight; above notifications' default of 16 so the floor is not held down."""


async def forward(
    client: httpx.AsyncClient,
    gate: asyncio.Semaphore,
    subscriber: str,
    webhook: Webhook,
    key: str,
) -> None:
    """POST one signed delivery of the key to one subscriber."""
    msg_id = f"msg_{uuid.uuid4().hex}"
    body = json.dumps({"id": msg_id, "data": {"key": key}})
    headers = signed_headers(webhook, msg_id, body)
    async with gate:
        with contextlib.suppress(httpx.HTTPError):  # the bench counts it as not arrived
            await client.post(f"/hooks/{subscriber}", content=body, headers=headers)


async def run(
    *, bootstrap: str, topic: str, groups: dict[int, list[tuple[str, Webhook]]], receiver: str
) -> None:
    """Consume the topic from its start and fan each record out until cancelled."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, fetch_max_wait_ms=10, enable_auto_commit=False
    )
    consumer.assign([TopicPartition(topic, 0)])
    await consumer.start()
    await consumer.seek_to_beginning()
    gate = asyncio.Semaphore(CONCURRENCY)
    tasks: set[asyncio.Task[None]] = set()
    limits = httpx.Limits(
        max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY, keepalive_expiry=2.0
    )
    async with httpx.AsyncClient(base_url=receiver, timeout=10.0, limits=limits) as client:
        try:
            async for record in consumer:
                item = json.loads(record.value)
                for subscriber, webhook in groups.get(int(item["group"]), []):
                    task = asyncio.create_task(
                        forward(client, gate, subscriber, webhook, str(item["key"]))
                    )
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
        finally:
            await consumer.stop()


def main() -> None:
    """Parse the options and run until terminated."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--groups", type=Path, required=True, help="{size: [[id, secret]…]}")
    parser.add_argument("--receiver", required=True)
    args = parser.parse_args()
    raw = json.loads(args.groups.read_text())
    groups = {
        int(size): [(s, Webhook(secret)) for s, secret in members] for size, members in raw.items()
    }
    asyncio.run(
        run(bootstrap=args.bootstrap, topic=args.topic, groups=groups, receiver=args.receiver)
    )


if __name__ == "__main__":
    main()
