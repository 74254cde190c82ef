"""Use cases on Kafka ACLs: the set the registry's grants call for, read for review or sync."""

from cvihub_registry.acls.rules import PRINCIPAL_PREFIX, AclSpec, desired_acls
from cvihub_registry.acls.sync import AclInputs
from cvihub_registry.core import RegistryCore
from cvihub_registry.grants import store as grants_store
from cvihub_registry.partners import store as partners_store


async def acl_inputs(
    *, core: RegistryCore, direct_publish: bool, prefix: str = PRINCIPAL_PREFIX
) -> AclInputs:
    """The desired ACLs now, and every partner id (all of whose ACLs the hub manages)."""
    async with core.sessions() as session:
        partners = await partners_store.list_partners(session)
        grants = await grants_store.list_grants(session)
    desired = desired_acls(partners, grants, prefix=prefix, direct_publish=direct_publish)
    return AclInputs(desired=desired, partner_ids={p.partner_id for p in partners})


async def kafka_acls(*, core: RegistryCore, direct_publish: bool) -> list[AclSpec]:
    """The desired Kafka ACLs in a stable order, for an operator to review."""
    inputs = await acl_inputs(core=core, direct_publish=direct_publish)
    return sorted(inputs.desired)
