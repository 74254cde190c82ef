"""KafkaPythonAclAdmin against a real broker: create, list, converge through AclSync, delete.

The embedded Tansu broker advertises DescribeAcls/CreateAcls but may not answer or store them:
then the test skips, naming what the broker did. With KAFKA_BOOTSTRAP_SERVERS pointing at a
cluster with an authorizer (the admin principal allowed to alter ACLs) it runs the whole way.
"""

import contextlib
import uuid
from collections.abc import Awaitable
from typing import TypeVar

import pytest

from cvihub_contracts import topics
from cvihub_registry.acls import kafka_admin as acls_kafka_admin
from cvihub_registry.acls.kafka_admin import AclsUnsupported, KafkaPythonAclAdmin
from cvihub_registry.acls.rules import AclSpec, Operation, PatternType, ResourceType
from cvihub_registry.acls.sync import AclInputs, AclSync

pytestmark = pytest.mark.integration

T = TypeVar("T")

# Short: Tansu leaves CreateAcls unanswered, and a real cluster answers well within this.
REQUEST_TIMEOUT_MS = 3_000


async def _or_skip(api: str, call: Awaitable[T]) -> T:
    """The call's result, or a skip naming the broker's answer when it cannot do ACLs."""
    try:
        return await call
    except (AclsUnsupported, acls_kafka_admin.KafkaError) as exc:
        reason = f"broker cannot {api}: {exc!r}"
        print(reason)  # the exact reason, also in the -ra summary
        pytest.skip(reason)


def _acl(partner_id: str, topic: str, operation: Operation) -> AclSpec:
    principal = f"User:{partner_id}"
    return AclSpec(principal, ResourceType.TOPIC, topic, PatternType.LITERAL, operation)


async def test_kafka_python_admin_keeps_acls_in_step(kafka_bootstrap: str) -> None:
    partner_id = f"acl-test-{uuid.uuid4().hex[:8]}"  # unique: a shared cluster keeps ACLs
    read = _acl(partner_id, topics.REFERRALS, Operation.READ)
    group = AclSpec(
        f"User:{partner_id}",
        ResourceType.GROUP,
        f"{partner_id}.",
        PatternType.PREFIXED,
        Operation.READ,
    )
    admin = KafkaPythonAclAdmin(kafka_bootstrap, request_timeout_ms=REQUEST_TIMEOUT_MS)
    try:
        before = await _or_skip("DescribeAcls", admin.describe_acls())
        assert not {read, group} & before

        await _or_skip("CreateAcls", admin.create_acls([read, group]))
        listed = await _or_skip("DescribeAcls", admin.describe_acls())
        if not {read, group} <= listed:
            reason = f"broker accepted CreateAcls but DescribeAcls does not list them: {listed}"
            print(reason)
            pytest.skip(reason)

        # The sync swaps READ on referrals for READ on bulletins and keeps the group ACL.
        bulletins = _acl(partner_id, topics.BULLETINS, Operation.READ)
        desired = {bulletins, group}

        async def load() -> AclInputs:
            return AclInputs(desired=desired, partner_ids={partner_id})

        diff = await _or_skip("sync", AclSync(admin=admin, load=load).sync_once())
        assert (diff.to_create, diff.to_delete) == ({bulletins}, {read})
        now = await admin.describe_acls()
        assert {a for a in now if a.principal == f"User:{partner_id}"} == desired

        await _or_skip("DeleteAcls", admin.delete_acls(sorted(desired)))
        assert not desired & await admin.describe_acls()
    finally:
        with contextlib.suppress(Exception):  # a failed run leaves nothing on a shared cluster
            await admin.delete_acls(
                [read, group, _acl(partner_id, topics.BULLETINS, Operation.READ)]
            )
        await admin.close()
