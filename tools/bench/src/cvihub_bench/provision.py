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


async def provision_via_admin(
    *,
    registry_url: str,
    admin_token: str,
    groups: dict[int, list[Subscriber]],
    hook_url: Callable[[str], str],
    concurrency: int = 4,
) -> str:
    """Create the bench partners in a running registry; the police partner's new API key.

    Give plan_subscribers a per-run tag so runs against one deployment never collide."""
    headers = {"Authorization": f"Bearer {admin_token}"}
    base = registry_url.rstrip("/") + "/v1/admin"
    gate = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30.0) as client:

        async def call(path: str, body: dict[str, Any]) -> dict[str, Any]:
            async with gate:
                response = await client.post(path, json=body)
            if response.is_error:
                raise RuntimeError(f"POST {path}: {response.status_code} {response.text[:300]}")
            result: dict[str, Any] = response.json()
            return result

        async def subscriber(s: Subscriber) -> None:
            await call(
                "/partners",
                {
                    "partner_id": s.partner_id,
                    "name": s.partner_id,
                    "kind": "cvi_org",
                    "zones": [s.zone],
                },
            )
            await call(
                "/grants",
                {
                    "partner_id": s.partner_id,
                    "stream": ALERTS,
                    "action": "subscribe",
                    "zones": [s.zone],
                },
            )
            await call(
                f"/partners/{s.partner_id}/subscriptions",
                {"stream": ALERTS, "url": hook_url(s.partner_id), "secret": s.secret},
            )

        police = f"{POLICE_ID}-{secrets.token_hex(3)}"
        await call("/partners", {"partner_id": police, "name": police, "kind": "police"})
        await call("/grants", {"partner_id": police, "stream": ALERTS, "action": "publish"})
        issued = await call(f"/partners/{police}/keys", {})
        await asyncio.gather(*(subscriber(s) for members in groups.values() for s in members))
        return str(issued["api_key"])


def bench_alert(*, zone: str) -> dict[str, Any]:
    """An incident alert (the demo's, with a fresh CAD number) in the given zone."""
    alert = demo_alert()
    alert["location"]["zone"] = zone
    alert["occurred_at"] = datetime.now(UTC).isoformat()
    return alert
