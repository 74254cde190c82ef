"""The bench's partners: one police publisher and groups of subscribing CVI orgs.

Each group's grants cover one zone of its own (`bench-25` for the group of 25), so an alert in
that zone reaches exactly that group: one stack serves every subscriber count. The embedded
stack gets them from a seed file (the registry's seed mechanism, as `./hub up` does with the
demo partners); a given deployment through the registry's admin API.
"""

import asyncio
import base64
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from cvihub_cli.demo import demo_alert

POLICE_ID = "bench-police"
ALERTS = "incident-alerts"


@dataclass(frozen=True)
class Subscriber:
    """One subscribing partner: its id (also its receiver path), signing secret and zone."""

    partner_id: str
    secret: str
    zone: str


def zone_for(group: int, tag: str = "bench") -> str:
    """The zone whose alerts reach the group of this size."""
    return f"{tag}-{group}"


def new_secret() -> str:
    """A fresh Standard Webhooks secret (whsec_ and base64 of 24 random bytes)."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def new_police_key() -> str:
    """A fresh API key in the registry's format for the bench's police partner."""
    return f"cvh_benchpolice{secrets.token_hex(4)}_{secrets.token_urlsafe(24)}"


def plan_subscribers(groups: Iterable[int], tag: str = "bench") -> dict[int, list[Subscriber]]:
    """Disjoint groups of subscribers, one per distinct size; the tag prefixes ids and zones."""
    return {
        size: [
            Subscriber(f"{tag}-g{size}-{i:04d}", new_secret(), zone_for(size, tag))
            for i in range(size)
        ]
        for size in sorted(set(groups))
    }


def bench_seed(
    groups: dict[int, list[Subscriber]], *, police_key: str, hook_url: Callable[[str], str]
) -> dict[str, Any]:
    """The seed file (as a dict) creating the police partner and every subscriber."""
    zones = sorted({s.zone for members in groups.values() for s in members})
    partners: list[dict[str, Any]] = [
        {
            "partner_id": POLICE_ID,
            "name": "Bench police department",
            "kind": "police",
            "zones": zones,
            "api_keys": [police_key],
            "grants": [{"stream": ALERTS, "action": "publish"}],
        }
    ]
    for members in groups.values():
        partners.extend(
            {
                "partner_id": s.partner_id,
                "name": f"Bench subscriber {s.partner_id}",
                "kind": "cvi_org",
                "zones": [s.zone],
                "grants": [{"stream": ALERTS, "action": "subscribe", "zones": [s.zone]}],
                "subscriptions": [
                    {"stream": ALERTS, "url": hook_url(s.partner_id), "secret": s.secret}
                ],
            }
            for s in members
        )
    return {"partners": partners}


class Admin:
    """Creates bench partners through a running registry's admin API."""

    def __init__(self, registry_url: str, admin_token: str, *, concurrency: int = 4) -> None:
        self.client = httpx.AsyncClient(
            base_url=registry_url.rstrip("/") + "/v1/admin",
            headers={"Authorization": f"Bearer {admin_token}"},
            timeout=30.0,
        )
        self.gate = asyncio.Semaphore(concurrency)

    async def _call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        async with self.gate:
            response = await self.client.post(path, json=body)
        if response.is_error:
            raise RuntimeError(f"POST {path}: {response.status_code} {response.text[:300]}")
        result: dict[str, Any] = response.json()
        return result

    async def police(self, tag: str) -> str:
        """A police partner allowed to publish alerts; its new API key."""
        police = f"{tag}-police-{secrets.token_hex(3)}"
        await self._call("/partners", {"partner_id": police, "name": police, "kind": "police"})
        await self._call("/grants", {"partner_id": police, "stream": ALERTS, "action": "publish"})
        issued = await self._call(f"/partners/{police}/keys", {})
        return str(issued["api_key"])

    async def subscribers(self, members: list[Subscriber], hook_url: Callable[[str], str]) -> None:
        """Each member as a CVI org with a zone-limited alerts grant and a webhook."""

        async def one(s: Subscriber) -> None:
            partner = {"partner_id": s.partner_id, "name": s.partner_id, "kind": "cvi_org"}
            await self._call("/partners", {**partner, "zones": [s.zone]})
            grant = {"partner_id": s.partner_id, "stream": ALERTS, "action": "subscribe"}
            await self._call("/grants", {**grant, "zones": [s.zone]})
            webhook = {"stream": ALERTS, "url": hook_url(s.partner_id), "secret": s.secret}
            await self._call(f"/partners/{s.partner_id}/subscriptions", webhook)

        await asyncio.gather(*(one(s) for s in members))

    async def close(self) -> None:
        """Close the HTTP client."""
        await self.client.aclose()


def bench_alert(*, zone: str) -> dict[str, Any]:
    """An incident alert (the demo's, with a fresh CAD number) in the given zone."""
    alert = demo_alert()
    alert["location"]["zone"] = zone
    alert["occurred_at"] = datetime.now(UTC).isoformat()
    return alert
