"""HTTP routes of Kafka ACLs: the set the registry's grants call for, for review."""

from fastapi import APIRouter, Depends

from cvihub_registry.acls.schemas import KafkaAclOut
from cvihub_registry.acls.service import kafka_acls
from cvihub_registry.core import RegistryCore
from cvihub_registry.deps import ADMIN_ERRORS, admin_guard
from cvihub_runtime.edges import api_router


def acl_admin_router(core: RegistryCore, admin_token: str, *, direct_publish: bool) -> APIRouter:
    """Admin routes: review the computed Kafka ACLs."""
    router = api_router(
        prefix="/v1/admin",
        tags=["admin"],
        dependencies=[Depends(admin_guard(core, admin_token))],
        responses=ADMIN_ERRORS,
    )

    @router.get(
        "/kafka-acls",
        summary="The Kafka ACLs the grants call for",
        description=(
            "The desired set of ALLOW ACLs for partners that consume Kafka directly, computed "
            "from active grants in force of active partners (default deny). Needs no cluster."
        ),
    )
    async def desired_kafka_acls() -> list[KafkaAclOut]:
        acls = await kafka_acls(core=core, direct_publish=direct_publish)
        return [
            KafkaAclOut(
                principal=a.principal,
                resource_type=a.resource_type.value,
                resource_name=a.resource_name,
                pattern_type=a.pattern_type.value,
                operation=a.operation.value,
            )
            for a in acls
        ]

    return router
