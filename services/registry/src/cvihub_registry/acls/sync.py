"""Keeps a Kafka cluster's partner ACLs equal to the set the registry's grants call for."""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from typing import Protocol

import structlog

from cvihub_registry.acls.rules import PRINCIPAL_PREFIX, AclDiff, AclSpec, diff_acls

log = structlog.get_logger(__name__)


class AclAdmin(Protocol):
    """The few ACL calls the sync needs from a Kafka admin client."""

    async def describe_acls(self) -> set[AclSpec]:
        """The ALLOW bindings on the hub's resources (more is harmless: only managed ones go)."""
        ...

    async def create_acls(self, acls: Collection[AclSpec]) -> None:
        """Create these bindings."""
        ...

    async def delete_acls(self, acls: Collection[AclSpec]) -> None:
        """Delete exactly these bindings."""
        ...

    async def close(self) -> None:
        """Release connections when the sync loop ends."""
        ...


@dataclass(frozen=True)
class AclInputs:
    """What the desired set is computed from, read from the registry at sync time."""

    desired: set[AclSpec]
    partner_ids: set[str]


class AclSync:
    """Applies desired - current and removes managed current - desired, now and on wake-up."""

    def __init__(
        self,
        *,
        admin: AclAdmin,
        load: Callable[[], Awaitable[AclInputs]],
        interval: float = 30.0,
        prefix: str = PRINCIPAL_PREFIX,
    ) -> None:
        self._admin = admin
        self._load = load
        self._interval = interval
        self._prefix = prefix
        self._woken = asyncio.Event()

    def wake(self) -> None:
        """Sync at once (after a grant or partner change) instead of at the next interval."""
        self._woken.set()

    async def sync_once(self) -> AclDiff:
        """One pass: read the registry and the cluster, apply the difference."""
        inputs = await self._load()
        current = await self._admin.describe_acls()
        diff = diff_acls(inputs.desired, current, inputs.partner_ids, prefix=self._prefix)
        # Create before delete: a changed grant never leaves a partner without access mid-sync.
        if diff.to_create:
            await self._admin.create_acls(sorted(diff.to_create))
        if diff.to_delete:
            await self._admin.delete_acls(sorted(diff.to_delete))
        if diff.to_create or diff.to_delete:
            log.info("kafka acls synced", created=len(diff.to_create), deleted=len(diff.to_delete))
        return diff

    async def run(self) -> None:
        """Sync every interval and on wake-up until cancelled; errors are logged and retried."""
        try:
            await self._loop()
        finally:
            await self._admin.close()

    async def _loop(self) -> None:
        while True:
            self._woken.clear()
            try:
                await self.sync_once()
            except NotImplementedError as exc:  # e.g. AclsUnsupported: no authorizer, no ACL APIs
                log.error("kafka acl sync unavailable; stopping it", reason=str(exc))
                return
            except Exception as exc:  # a broker or database hiccup: try again next round
                log.warning("kafka acl sync failed", error=type(exc).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._woken.wait(), timeout=self._interval)
