"""Routes of consent records: partners record and withdraw their own, admins read them all."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from cvihub_contracts import Scope
from cvihub_registry.consents import service as consents_service
from cvihub_registry.consents.schemas import ConsentCreate, ConsentOut, ConsentWithdraw
from cvihub_registry.core import RegistryCore
from cvihub_registry.deps import ADMIN_ERRORS, SCOPE_ERRORS, admin_guard, partner_guard
from cvihub_runtime.edges import api_router

_WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    **SCOPE_ERRORS,
    403: {
        "description": "The API key lacks consents:write, no referrals publish grant in "
        "force, or not the custodian"
    },
    422: {"description": "Invalid body, unknown recipient or period (problem+json)"},
}


def consents_router(core: RegistryCore) -> APIRouter:
    """A partner's consent records: it is their custodian; recipients may read them."""
    router = api_router(prefix="/v1/consents", tags=["consents"], responses=SCOPE_ERRORS)
    # API key scopes: reading needs consents:read, recording and withdrawing consents:write.
    Reader = Annotated[str, Depends(partner_guard(core, Scope.CONSENTS_READ))]
    Caller = Annotated[str, Depends(partner_guard(core, Scope.CONSENTS_WRITE))]

    @router.post(
        "",
        status_code=201,
        summary="Record a patient's consent (you become its custodian)",
        description=(
            "No patient identity: quote the returned consent_id in the referral's "
            "consent.consent_id. Needs a referrals publish grant in force."
        ),
        responses=_WRITE_ERRORS,
    )
    async def record(caller: Caller, body: ConsentCreate) -> ConsentOut:
        consent = await consents_service.record_consent(
            core=core, custodian_partner_id=caller, **body.model_dump()
        )
        return ConsentOut.model_validate(consent)

    @router.get("", summary="The consent records you keep as custodian")
    async def list_own(caller: Reader) -> list[ConsentOut]:
        found = await consents_service.list_own_consents(core=core, partner_id=caller)
        return [ConsentOut.model_validate(c) for c in found]

    @router.get("/{consent_id}", summary="A consent record you keep or are a recipient of")
    async def read(caller: Reader, consent_id: str) -> ConsentOut:
        consent = await consents_service.read_consent(
            core=core, partner_id=caller, consent_id=consent_id
        )
        return ConsentOut.model_validate(consent)

    @router.post(
        "/{consent_id}/withdraw",
        summary="Withdraw a consent you keep (idempotent)",
        description="From now on no referral quoting it is accepted or delivered.",
        responses=_WRITE_ERRORS,
    )
    async def withdraw(
        caller: Caller, consent_id: str, body: ConsentWithdraw | None = None
    ) -> ConsentOut:
        consent = await consents_service.withdraw_consent(
            core=core,
            partner_id=caller,
            consent_id=consent_id,
            reason=body.reason if body else None,
        )
        return ConsentOut.model_validate(consent)

    return router


def admin_consents_router(core: RegistryCore, admin_token: str) -> APIRouter:
    """The hub operator's read-only view of consent records."""
    router = api_router(
        prefix="/v1/admin/consents",
        tags=["admin"],
        dependencies=[Depends(admin_guard(core, admin_token))],
        responses=ADMIN_ERRORS,
    )

    @router.get("", summary="List consent records")
    async def list_all(custodian_partner_id: str | None = None) -> list[ConsentOut]:
        found = await consents_service.admin_list_consents(
            core=core, custodian_partner_id=custodian_partner_id
        )
        return [ConsentOut.model_validate(c) for c in found]

    @router.get("/{consent_id}", summary="Get a consent record")
    async def read(consent_id: str) -> ConsentOut:
        return ConsentOut.model_validate(
            await consents_service.admin_get_consent(core=core, consent_id=consent_id)
        )

    return router
