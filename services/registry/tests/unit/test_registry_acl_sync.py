"""AclSync applies the difference through an AclAdmin; kafka-python bindings map both ways."""

import asyncio
from collections.abc import Collection

import pytest

from cvihub_contracts import topics
from cvihub_registry.acls.kafka_admin import (
    AclsUnsupported,
    from_kafka,
    managed_resource_filters,
    to_kafka,
)
from cvihub_registry.acls.rules import AclSpec, Operation, PatternType, ResourceType
from cvihub_registry.acls.sync import AclInputs, AclSync
from cvihub_testkit import eventually


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

    async def close(self) -> None:
        self.calls.append("close")


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


class UnsupportedAdmin(FakeAclAdmin):
    """A cluster without an authorizer: kafka-python's SecurityDisabledError, translated."""

    async def describe_acls(self) -> set[AclSpec]:
        self.calls.append("describe")
        raise AclsUnsupported("the cluster has no authorizer (DescribeAcls)")


async def test_an_unsupporting_cluster_stops_the_loop_and_the_admin_is_closed() -> None:
    admin = UnsupportedAdmin()

    async def load() -> AclInputs:
        return AclInputs(desired=set(), partner_ids=set())

    sync = AclSync(admin=admin, load=load, interval=60)
    async with asyncio.timeout(2):
        await sync.run()  # returns instead of retrying forever
    assert admin.calls == ["describe", "close"]


async def test_a_cancelled_loop_closes_its_admin() -> None:
    admin = FakeAclAdmin()
    task = asyncio.create_task(_sync(admin, [AclInputs(set(), set())]).run())
    await eventually(lambda: "describe" in admin.calls, timeout=2, interval=0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert admin.calls[-1] == "close"


@pytest.mark.parametrize(
    "acl",
    [
        _read("User:cvi"),
        AclSpec("User:cvi", ResourceType.GROUP, "cvi.", PatternType.PREFIXED, Operation.READ),
        AclSpec(
            "User:pd", ResourceType.TOPIC, topics.BULLETINS, PatternType.LITERAL, Operation.WRITE
        ),
    ],
)
def test_bindings_round_trip_through_kafka_python(acl: AclSpec) -> None:
    binding = to_kafka(acl)
    assert (binding.host, binding.permission_type.name) == ("*", "ALLOW")
    assert binding.resource_pattern.resource_name == acl.resource_name
    assert from_kafka(binding) == acl


def test_bindings_the_hub_never_creates_are_not_listed() -> None:
    from kafka.admin import ACL, ACLOperation, ACLPermissionType, ResourcePattern
    from kafka.admin import ResourceType as KafkaResourceType

    topic = ResourcePattern(KafkaResourceType.TOPIC, topics.REFERRALS)
    allow, deny = ACLPermissionType.ALLOW, ACLPermissionType.DENY
    assert from_kafka(ACL("User:cvi", "*", ACLOperation.READ, allow, topic)) is not None
    assert from_kafka(ACL("User:cvi", "*", ACLOperation.READ, deny, topic)) is None
    assert from_kafka(ACL("User:cvi", "10.0.0.1", ACLOperation.READ, allow, topic)) is None
    assert from_kafka(ACL("User:cvi", "*", ACLOperation.ALL, allow, topic)) is None
    cluster = ResourcePattern(KafkaResourceType.CLUSTER, "kafka-cluster")
    assert from_kafka(ACL("User:cvi", "*", ACLOperation.READ, allow, cluster)) is None


def test_describe_filters_cover_each_hub_topic_and_prefixed_groups() -> None:
    patterns = [f.resource_pattern for f in managed_resource_filters()]
    named = {p.resource_name for p in patterns if p.resource_type.name == "TOPIC"}
    assert named == set(topics.ALL)
    assert [(p.resource_type.name, p.pattern_type.name) for p in patterns][-1] == (
        "GROUP",
        "PREFIXED",
    )
