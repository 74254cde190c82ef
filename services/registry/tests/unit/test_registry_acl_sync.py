"""AclSync applies the difference through an AclAdmin; aiokafka's admin names its gap."""

import asyncio
from collections.abc import Collection

import pytest

from cvihub_contracts import topics
from cvihub_registry.acl import AclSpec, Operation, PatternType, ResourceType
from cvihub_registry.acl_sync import AclInputs, AclSync, AiokafkaAclAdmin
from cvihub_runtime.testing import eventually


def _read(principal: str, topic: str = topics.REFERRALS) -> AclSpec:
    return AclSpec(principal, ResourceType.TOPIC, topic, PatternType.LITERAL, Operation.READ)


class FakeAclAdmin:
    """An in-memory cluster's ACLs, recording each call."""

    def __init__(self, *acls: AclSpec) -> None:
        self.acls = set(acls)
        self.calls: list[str] = []

    async def describe_acls(self) -> set[AclSpec]:
        self.calls.append("describe")
        return set(self.acls)

    async def create_acls(self, acls: Collection[AclSpec]) -> None:
        self.calls.append("create")
        self.acls |= set(acls)

    async def delete_acls(self, acls: Collection[AclSpec]) -> None:
        self.calls.append("delete")
        self.acls -= set(acls)


def _sync(admin: FakeAclAdmin, inputs: list[AclInputs], interval: float = 60) -> AclSync:
    async def load() -> AclInputs:
        return inputs[0]

    return AclSync(admin=admin, load=load, interval=interval)


async def test_sync_converges_and_leaves_unmanaged_acls() -> None:
    service = _read("User:intake")
    admin = FakeAclAdmin(_read("User:old-cvi"), service)
    inputs = [AclInputs(desired={_read("User:new-cvi")}, partner_ids={"old-cvi", "new-cvi"})]
    diff = await _sync(admin, inputs).sync_once()
    assert diff.to_create == {_read("User:new-cvi")}
    assert diff.to_delete == {_read("User:old-cvi")}
    assert admin.acls == {_read("User:new-cvi"), service}
    assert admin.calls == ["describe", "create", "delete"]

    again = await _sync(admin, inputs).sync_once()
    assert not again.to_create and not again.to_delete
    assert admin.calls[-1] == "describe"  # nothing to apply: no create or delete call


async def test_wake_syncs_before_the_interval() -> None:
    admin = FakeAclAdmin()
    inputs = [AclInputs(desired=set(), partner_ids={"cvi"})]
    sync = _sync(admin, inputs, interval=60)
    task = asyncio.create_task(sync.run())
    try:
        await eventually(lambda: "describe" in admin.calls, timeout=2, interval=0.01)
        inputs[0] = AclInputs(desired={_read("User:cvi")}, partner_ids={"cvi"})
        sync.wake()
        # The interval is a minute: only the wake-up can sync within two seconds.
        await eventually(lambda: _read("User:cvi") in admin.acls, timeout=2, interval=0.01)
    finally:
        task.cancel()


async def test_the_aiokafka_admin_refuses_naming_the_gap_and_the_loop_stops() -> None:
    admin = AiokafkaAclAdmin("127.0.0.1:9092")
    with pytest.raises(NotImplementedError, match="AIOKafkaAdminClient has no create_acls"):
        await admin.describe_acls()

    async def load() -> AclInputs:
        return AclInputs(desired=set(), partner_ids=set())

    sync = AclSync(admin=admin, load=load, interval=60)
    async with asyncio.timeout(2):
        await sync.run()  # returns instead of retrying forever
