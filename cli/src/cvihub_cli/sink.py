"""The demo webhook receiver: verifies Standard Webhooks signatures and keeps what arrived.

It plays the demo partners' own systems; `cvihub demo` asks it what each partner received.
"""

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from fastapi import FastAPI, HTTPException, Request
from standardwebhooks.webhooks import Webhook, WebhookVerificationError


def secrets_from_seed(seed_file: Path) -> dict[str, list[str]]:
    """Each seeded partner's webhook signing secrets."""
    seed = yaml.safe_load(seed_file.read_text()) or {}
    found: dict[str, list[str]] = {}
    for partner in seed.get("partners", []):
        for subscription in partner.get("subscriptions", []):
            found.setdefault(partner["partner_id"], []).append(subscription["secret"])
    return found


def create_sink(secrets: dict[str, list[str]]) -> FastAPI:
    """An app that accepts only correctly signed webhooks for partners it knows."""
    app = FastAPI(title="cvihub demo webhook sink")
    received: list[dict[str, Any]] = []

    @app.post("/hooks/{partner_id}", status_code=204)
    async def hook(partner_id: str, request: Request) -> None:
        body = await request.body()
        headers = dict(request.headers)
        for secret in secrets.get(partner_id, []):
            try:
                message = Webhook(secret).verify(body, headers)
            except WebhookVerificationError:
                continue
            received.append(
                {
                    "partner_id": partner_id,
                    "webhook_id": headers.get("webhook-id"),
                    "type": message.get("type"),
                    "received_at": datetime.now(UTC).isoformat(),
                    "message": message,
                }
            )
            return
        raise HTTPException(401, "signature does not verify")

    @app.get("/received")
    async def list_received(
        partner_id: str | None = None, type: str | None = None
    ) -> list[dict[str, Any]]:
        return [
            item
            for item in received
            if (partner_id is None or item["partner_id"] == partner_id)
            and (type is None or item["type"] == type)
        ]

    return app
