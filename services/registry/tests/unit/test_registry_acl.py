"""desired_acls turns grants in force of active partners into Kafka ACLs; nothing else."""

from datetime import timedelta

import pytest
from registry_builders import T0, make_grant, make_partner

from cvihub_contracts import GrantAction, Stream, topics
from cvihub_registry.acls.rules import (
    AclSpec,
    Operation,
    PatternType,
    ResourceType,
    desired_acls,
    diff_acls,
    is_managed,
)
from cvihub_registry.domain import PartnerStatus, RevocableStatus

HOUR = timedelta(hours=1)
CVI = "eastside-cvi"


def _acl(operation: Operation, name: str = topics.INCIDENT_ALERTS) -> AclSpec:
    if name.endswith("."):
        return AclSpec(f"User:{CVI}", ResourceType.GROUP, name, PatternType.PREFIXED, operation)
    return AclSpec(f"User:{CVI}", ResourceType.TOPIC, name, PatternType.LITERAL, operation)


SUBSCRIBE_ALERTS = {
    _acl(Operation.READ),
    _acl(Operation.DESCRIBE),
    _acl(Operation.READ, f"{CVI}."),
}


def _desired(*grants: object, status: PartnerStatus = PartnerStatus.ACTIVE, **kw: object) -> set:
    partners = [make_partner(partner_id=CVI, status=status)]
    return desired_acls(partners, grants, prefix="User:", now=T0, **kw)  # type: ignore[arg-type]


def _subscribe(**overrides: object):  # type: ignore[no-untyped-def]
    values = {"partner_id": CVI, "stream": Stream.INCIDENT_ALERTS, "action": GrantAction.SUBSCRIBE}
    return make_grant(**{**values, **overrides})


def test_subscribe_reads_the_topic_and_its_own_group_prefix() -> None:
    assert _desired(_subscribe()) == SUBSCRIBE_ALERTS


@pytest.mark.parametrize(
    ("stream", "topic"),
    [
        (Stream.REFERRALS, topics.REFERRALS),
        (Stream.INCIDENT_ALERTS, topics.INCIDENT_ALERTS),
        (Stream.BULLETINS, topics.BULLETINS),
    ],
)
def test_each_stream_maps_to_its_topic(stream: Stream, topic: str) -> None:
    names = {a.resource_name for a in _desired(_subscribe(stream=stream))}
    assert names == {topic, f"{CVI}."}
    assert not names & {topics.REGISTRY, topics.DEAD_LETTERS}


@pytest.mark.parametrize(
    "grant",
    [
        _subscribe(status=RevocableStatus.REVOKED, revoked_at=T0),
        _subscribe(expires_at=T0),  # the period is [starts_at, expires_at)
        _subscribe(expires_at=T0 - HOUR),
        _subscribe(starts_at=T0 + HOUR),
    ],
    ids=["revoked", "expires-now", "expired", "not-started"],
)
def test_grants_not_in_force_give_nothing(grant: object) -> None:
    assert _desired(grant) == set()


def test_a_grant_within_its_period_counts() -> None:
    in_force = _subscribe(starts_at=T0, expires_at=T0 + HOUR)
    assert _desired(in_force) == SUBSCRIBE_ALERTS


def test_a_suspended_partner_gets_nothing() -> None:
    assert _desired(_subscribe(), status=PartnerStatus.SUSPENDED) == set()


def test_a_grant_of_an_unknown_partner_gives_nothing() -> None:
    assert _desired(_subscribe(partner_id="someone-else")) == set()


def test_publish_gives_write_only_when_direct_publish_is_on() -> None:
    publish = _subscribe(action=GrantAction.PUBLISH)
    assert _desired(publish) == set()
    assert _desired(publish, direct_publish=True) == {
        _acl(Operation.WRITE),
        _acl(Operation.DESCRIBE),
    }
    both = _desired(publish, _subscribe(grant_id="s" * 32), direct_publish=True)
    assert both == SUBSCRIBE_ALERTS | {_acl(Operation.WRITE)}


def test_the_diff_creates_missing_and_deletes_only_managed_extras() -> None:
    stale = _acl(Operation.READ, topics.REFERRALS)
    registry_leak = _acl(Operation.READ, topics.REGISTRY)
    service_acl = AclSpec(
        "User:notifications", ResourceType.TOPIC, topics.REFERRALS, PatternType.LITERAL,
        Operation.READ,
    )  # fmt: skip
    other_topic = _acl(Operation.READ, "someone.elses.topic")
    current = {_acl(Operation.READ), stale, registry_leak, service_acl, other_topic}
    diff = diff_acls(SUBSCRIBE_ALERTS, current, {CVI})
    assert diff.to_create == {_acl(Operation.DESCRIBE), _acl(Operation.READ, f"{CVI}.")}
    assert diff.to_delete == {stale, registry_leak}
    assert not is_managed(service_acl, {CVI}) and not is_managed(other_topic, {CVI})
