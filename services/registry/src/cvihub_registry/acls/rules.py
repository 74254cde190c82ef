"""Kafka ACLs for partners that consume (or produce) Kafka directly, computed from grants.

Pure: no I/O. The sync that applies the difference to a cluster lives in `acls/sync.py`.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from cvihub_contracts import GrantAction, Stream, topics
from cvihub_registry.domain import Grant, Partner, PartnerStatus
from cvihub_registry.grants.rules import grant_in_force

PRINCIPAL_PREFIX = "User:"
"""Kafka's principal type for authenticated users; a partner's principal is User:<partner_id>."""

STREAM_TOPICS: dict[Stream, str] = {
    Stream.REFERRALS: topics.REFERRALS,
    Stream.INCIDENT_ALERTS: topics.INCIDENT_ALERTS,
    Stream.BULLETINS: topics.BULLETINS,
}
"""The topic of each grantable stream; the registry and dead-letter topics are never granted."""


class ResourceType(StrEnum):
    """Kafka resource kinds the hub grants on."""

    TOPIC = "TOPIC"
    GROUP = "GROUP"


class PatternType(StrEnum):
    """How an ACL's resource name matches."""

    LITERAL = "LITERAL"
    PREFIXED = "PREFIXED"


class Operation(StrEnum):
    """Kafka operations the hub grants."""

    READ = "READ"
    WRITE = "WRITE"
    DESCRIBE = "DESCRIBE"


@dataclass(frozen=True, order=True)
class AclSpec:
    """One ALLOW ACL binding (host `*`): principal may do operation on the resource."""

    principal: str
    resource_type: ResourceType
    resource_name: str
    pattern_type: PatternType
    operation: Operation


def principal_of(partner_id: str, *, prefix: str = PRINCIPAL_PREFIX) -> str:
    """The Kafka principal of a partner."""
    return f"{prefix}{partner_id}"


def group_prefix(partner_id: str) -> str:
    """The consumer-group prefix a partner may use: `<partner_id>.`."""
    return f"{partner_id}."


def desired_acls(
    partners: Iterable[Partner],
    grants: Iterable[Grant],
    *,
    prefix: str = PRINCIPAL_PREFIX,
    direct_publish: bool = False,
    now: datetime | None = None,
) -> set[AclSpec]:
    """The ACLs grants in force of active partners call for; nothing else (default deny)."""
    now = now or datetime.now(UTC)
    active = {p.partner_id for p in partners if p.status is PartnerStatus.ACTIVE}
    acls: set[AclSpec] = set()
    for grant in grants:
        if grant.partner_id not in active or not grant_in_force(grant, now):
            continue
        topic = STREAM_TOPICS.get(grant.stream)
        if topic is None:
            continue
        principal = principal_of(grant.partner_id, prefix=prefix)
        if grant.action is GrantAction.SUBSCRIBE:
            operations = (Operation.READ, Operation.DESCRIBE)
            acls.add(
                AclSpec(
                    principal,
                    ResourceType.GROUP,
                    group_prefix(grant.partner_id),
                    PatternType.PREFIXED,
                    Operation.READ,
                )
            )
        elif direct_publish:
            # Partners normally publish through intake; a WRITE ACL would bypass its checks.
            operations = (Operation.WRITE, Operation.DESCRIBE)
        else:
            continue
        for operation in operations:
            acls.add(AclSpec(principal, ResourceType.TOPIC, topic, PatternType.LITERAL, operation))
    return acls


def is_managed(acl: AclSpec, partner_ids: Iterable[str], *, prefix: str = PRINCIPAL_PREFIX) -> bool:
    """Whether the hub owns this ACL: a known partner's principal on a hub topic or its group."""
    if not acl.principal.startswith(prefix):
        return False
    partner_id = acl.principal.removeprefix(prefix)
    # Only principals naming registry partners: the hub services' own principals stay untouched.
    if partner_id not in set(partner_ids):
        return False
    if acl.resource_type is ResourceType.TOPIC:
        return acl.resource_name in topics.ALL
    return acl.resource_type is ResourceType.GROUP and acl.resource_name.startswith(
        group_prefix(partner_id)
    )


@dataclass(frozen=True)
class AclDiff:
    """What to create and what to delete so the cluster matches the desired set."""

    to_create: frozenset[AclSpec]
    to_delete: frozenset[AclSpec]


def diff_acls(
    desired: set[AclSpec],
    current: Iterable[AclSpec],
    partner_ids: Iterable[str],
    *,
    prefix: str = PRINCIPAL_PREFIX,
) -> AclDiff:
    """desired - current to create; managed current - desired to delete."""
    ids = set(partner_ids)
    managed = {acl for acl in current if is_managed(acl, ids, prefix=prefix)}
    return AclDiff(to_create=frozenset(desired - managed), to_delete=frozenset(managed - desired))
