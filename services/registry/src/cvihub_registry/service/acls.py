"""Use cases on Kafka ACLs: the set the registry's grants call for, read for review or sync."""

from cvihub_registry import store
from cvihub_registry.acl import PRINCIPAL_PREFIX, AclSpec, desired_acls
from cvihub_registry.acl_sync import AclInputs
from cvihub_registry.service.core import RegistryCore


async def acl_inputs(
    *, core: RegistryCore, direct_publish: bool, prefix: str = PRINCIPAL_PREFIX
) -> AclInputs:
    """The desired ACLs now, and every partner id (all of whose ACLs the hub manages)."""
    async with core.sessions() as session:
        partners = await store.list_partners(session)
        grants = await store.list_grants(session)
    desired = desired_acls(partners, grants, prefix=prefix, direct_publish=direct_publish)
    return AclInputs(desired=desired, partner_ids={p.partner_id for p in partners})


async def kafka_acls(*, core: RegistryCore, direct_publish: bool) -> list[AclSpec]:
    """The desired Kafka ACLs in a stable order, for an operator to review."""
    inputs = await acl_inputs(core=core, direct_publish=direct_publish)
    return sorted(inputs.desired)
