"""The AclAdmin over kafka-python's KafkaAdminClient (aiokafka's admin client has no ACL calls).

kafka-python is blocking, so every call runs in a worker thread (asyncio.to_thread); its own IO
thread makes the client safe to call from any thread.
"""

import asyncio
import warnings
from collections.abc import Callable, Collection, Iterable
from typing import Any, TypeVar

import structlog

from cvihub_contracts import topics
from cvihub_registry.acls.rules import AclSpec, Operation, PatternType, ResourceType

with warnings.catch_warnings():
    # kafka-python 3.0.12 loads its protocol schemas with importlib.resources calls deprecated
    # since Python 3.11: hundreds of warnings at import that are not ours to fix.
    warnings.simplefilter("ignore", DeprecationWarning)
    from kafka.admin import (  # type: ignore[import-untyped]
        ACL,
        ACLFilter,
        ACLOperation,
        ACLPermissionType,
        ACLResourcePatternType,
        KafkaAdminClient,
        ResourcePattern,
        ResourcePatternFilter,
    )
    from kafka.admin import ResourceType as KafkaResourceType
    from kafka.errors import (  # type: ignore[import-untyped]
        IncompatibleBrokerVersion,
        KafkaError,
        SecurityDisabledError,
        UnsupportedVersionError,
    )


log = structlog.get_logger(__name__)

T = TypeVar("T")

ALL_HOSTS = "*"
"""The hub's ACLs apply from any host; bindings restricted to a host are someone else's."""


class AclsUnsupported(NotImplementedError):
    """The cluster cannot keep ACLs (no authorizer, or no ACL APIs): syncing is pointless."""


class AclRequestFailed(RuntimeError):
    """The broker answered an ACL request with an error for some bindings."""


def to_kafka(acl: AclSpec) -> Any:
    """The kafka-python ALLOW binding (host `*`) of an AclSpec."""
    pattern = ResourcePattern(
        KafkaResourceType[acl.resource_type.value],
        acl.resource_name,
        ACLResourcePatternType[acl.pattern_type.value],
    )
    operation = ACLOperation[acl.operation.value]
    return ACL(acl.principal, ALL_HOSTS, operation, ACLPermissionType.ALLOW, pattern)


def from_kafka(acl: Any) -> AclSpec | None:
    """The AclSpec of a kafka-python binding, or None when the hub never creates such a binding."""
    pattern = acl.resource_pattern
    if acl.permission_type != ACLPermissionType.ALLOW or acl.host != ALL_HOSTS:
        return None
    try:
        return AclSpec(
            acl.principal,
            ResourceType(pattern.resource_type.name),
            pattern.resource_name,
            PatternType(pattern.pattern_type.name),
            Operation(acl.operation.name),
        )
    except ValueError:  # e.g. ALL or ALTER, a CLUSTER resource: not a kind the hub grants
        return None


def managed_resource_filters() -> list[Any]:
    """Describe filters for the hub's resources: each hub topic, and prefixed consumer groups."""
    patterns = [
        ResourcePatternFilter(KafkaResourceType.TOPIC, topic, ACLResourcePatternType.LITERAL)
        for topic in sorted(topics.ALL)
    ]
    patterns.append(
        ResourcePatternFilter(KafkaResourceType.GROUP, None, ACLResourcePatternType.PREFIXED)
    )
    return [
        ACLFilter(None, None, ACLOperation.ANY, ACLPermissionType.ALLOW, pattern)
        for pattern in patterns
    ]


class KafkaPythonAclAdmin:
    """Lists, creates and deletes the hub's ALLOW ACLs through kafka-python."""

    def __init__(
        self,
        bootstrap_servers: str,
        *,
        request_timeout_ms: int = 10_000,
        client_id: str = "cvihub-registry-acls",
        **client_configs: Any,
    ) -> None:
        self._configs: dict[str, Any] = {
            "bootstrap_servers": bootstrap_servers.split(","),
            "client_id": client_id,
            "request_timeout_ms": request_timeout_ms,
            # Bounded, so a cancelled sync never leaves a thread waiting for long at shutdown.
            "bootstrap_timeout_ms": request_timeout_ms,
            **client_configs,  # e.g. security_protocol / sasl_* for a secured cluster
        }
        self._client: Any = None
        self._lock = asyncio.Lock()

    async def describe_acls(self) -> set[AclSpec]:
        """The ALLOW bindings (host `*`) on hub topics and on prefixed consumer groups."""
        filters = managed_resource_filters()
        # describe_acls raises on a broker error, so its second value is always NoError.
        answers = await self._call(
            "DescribeAcls", lambda c: [c.describe_acls(f)[0] for f in filters]
        )
        bindings = [binding for answer in answers for binding in answer]
        return {spec for spec in map(from_kafka, bindings) if spec is not None}

    async def create_acls(self, acls: Collection[AclSpec]) -> None:
        """Create these bindings; raises AclRequestFailed naming each error the broker gave."""
        bindings = [to_kafka(acl) for acl in acls]
        result = await self._call("CreateAcls", lambda c: c.create_acls(bindings))
        _raise_failures("CreateAcls", result["failed"])

    async def delete_acls(self, acls: Collection[AclSpec]) -> None:
        """Delete exactly these bindings (each one is its own exact filter)."""
        bindings = [to_kafka(acl) for acl in acls]
        results = await self._call("DeleteAcls", lambda c: c.delete_acls(bindings))
        _raise_failures("DeleteAcls", [error for _, _, error in results])

    async def close(self) -> None:
        """Close the client (a later call opens a new one)."""
        async with self._lock:
            await self._drop()

    async def _call(self, api: str, call: Callable[[Any], T]) -> T:
        async with self._lock:  # one request at a time; the sync never needs more
            try:
                if self._client is None:
                    self._client = await asyncio.to_thread(KafkaAdminClient, **self._configs)
                return await asyncio.to_thread(call, self._client)
            except (IncompatibleBrokerVersion, UnsupportedVersionError) as exc:
                await self._drop()
                raise AclsUnsupported(f"the broker does not support {api}: {exc}") from exc
            except SecurityDisabledError as exc:
                await self._drop()
                raise AclsUnsupported(f"the cluster has no authorizer ({api}): {exc}") from exc
            except KafkaError:
                await self._drop()  # the next pass starts from a fresh connection
                raise

    async def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await asyncio.to_thread(client.close)


def _raise_failures(api: str, errors: Iterable[Any]) -> None:
    failed = [getattr(error, "__name__", type(error).__name__) for error in errors]
    failed = [name for name in failed if name != "NoError"]
    if failed:
        raise AclRequestFailed(f"{api} failed for {len(failed)} binding(s): {sorted(set(failed))}")
