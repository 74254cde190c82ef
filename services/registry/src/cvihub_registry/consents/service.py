"""Use cases on consent records: a hospital records a patient's consent, reads and withdraws it.

Every change goes the way of every registry change: next sequence, audit entry, outbox event,
one transaction. Refusals of a known partner are audited in their own transaction.
"""

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_contracts import GrantAction, Stream
from cvihub_contracts.referral.network_v1 import NETWORK_RECIPIENT
from cvihub_contracts.registry.consent_v1 import ConsentScope
from cvihub_registry import store
from cvihub_registry.audit import store as audit_store
from cvihub_registry.audit.service import record_refusal
from cvihub_registry.consents import store as consents_store
from cvihub_registry.consents.domain import Consent, consent_record
from cvihub_registry.core import RegistryCore
from cvihub_registry.domain import Forbidden, Invalid, NotFound, PartnerStatus, RevocableStatus
from cvihub_registry.grants import store as grants_store
from cvihub_registry.grants.rules import grant_in_force
from cvihub_registry.partners import store as partners_store
from cvihub_runtime.db import transaction

_NOT_FOUND = ("consent-not-found", "no such consent record")


async def record_consent(
    *,
    core: RegistryCore,
    custodian_partner_id: str,
    recipient_partner_ids: list[str],
    scope: list[ConsentScope],
    purpose: str,
    given_at: datetime,
    expires_at: datetime | None = None,
) -> Consent:
    """Record a consent; Forbidden unless the custodian may publish referrals now."""
    now = datetime.now(UTC)
    # The body's schema orders expires_at after given_at; an expiry already past is refused here.
    if expires_at is not None and expires_at <= now:
        raise Invalid("invalid-consent-period", "expires_at is already past")
    recipients = list(dict.fromkeys(recipient_partner_ids))
    async with transaction(core.sessions) as session:
        allowed = await _may_refer(session, custodian_partner_id, now)
        if allowed:
            # `network`: a referral to the network, the consent covering whoever owns it.
            for recipient in (r for r in recipients if r != NETWORK_RECIPIENT):
                if await partners_store.get_partner(session, recipient) is None:
                    raise Invalid("unknown-recipient", f"no partner {recipient!r} in the network")
            consent = await consents_store.insert_consent(
                session,
                Consent(
                    consent_id=uuid.uuid4().hex,
                    custodian_partner_id=custodian_partner_id,
                    recipient_partner_ids=recipients,
                    scope=list(dict.fromkeys(scope)),
                    purpose=purpose,
                    given_at=given_at,
                    expires_at=expires_at,
                    withdrawn_at=None,
                    withdrawal_reason=None,
                    status=RevocableStatus.ACTIVE,
                    created_at=now,
                    updated_at=now,
                    sequence=await store.next_sequence(session),
                ),
            )
            await _record_change(session, consent, action="consent.recorded")
    if not allowed:
        await _refuse(custodian_partner_id, None, "not-granted", "consent.record", core)
        raise Forbidden(
            "not-granted", "only a partner holding a referrals publish grant records consent"
        )
    core.wake()
    return consent


async def read_consent(*, core: RegistryCore, partner_id: str, consent_id: str) -> Consent:
    """A consent record its custodian or a recipient may read; NotFound for anyone else."""
    async with core.sessions() as session:
        consent = await consents_store.get_consent(session, consent_id)
    if consent is None:
        raise NotFound(*_NOT_FOUND)
    if not consent.visible_to(partner_id):
        await _refuse(partner_id, consent_id, "not-a-party", "consent.read", core)
        raise NotFound(*_NOT_FOUND)
    return consent


async def list_own_consents(*, core: RegistryCore, partner_id: str) -> list[Consent]:
    """The consent records a partner keeps as custodian, oldest first."""
    async with core.sessions() as session:
        return await consents_store.list_consents(session, custodian_partner_id=partner_id)


async def withdraw_consent(
    *, core: RegistryCore, partner_id: str, consent_id: str, reason: str | None = None
) -> Consent:
    """Withdraw a consent (custodian only, idempotent): from now on nothing is shared under it."""
    changed = False
    async with transaction(core.sessions) as session:
        sequence = await store.next_sequence(session)
        consent = await consents_store.get_consent(session, consent_id)
        refusal = _withdrawal_refusal(consent, partner_id)
        if refusal is None and consent is not None and consent.status is RevocableStatus.ACTIVE:
            now = datetime.now(UTC)
            consent = await consents_store.save_consent(
                session,
                consent,
                status=RevocableStatus.REVOKED,
                withdrawn_at=now,
                withdrawal_reason=reason,
                updated_at=now,
                sequence=sequence,
            )
            await _record_change(session, consent, action="consent.withdrawn")
            changed = True
    if refusal is not None:
        reason_code, error = refusal
        if reason_code != "unknown":  # an id that exists nowhere is no one's to refuse
            await _refuse(partner_id, consent_id, reason_code, "consent.withdraw", core)
        raise error
    assert consent is not None
    if changed:
        core.wake()
    return consent


async def admin_list_consents(
    *, core: RegistryCore, custodian_partner_id: str | None = None
) -> list[Consent]:
    """Every consent record (the hub operator's view), optionally of one custodian."""
    async with core.sessions() as session:
        return await consents_store.list_consents(
            session, custodian_partner_id=custodian_partner_id
        )


async def admin_get_consent(*, core: RegistryCore, consent_id: str) -> Consent:
    """One consent record by id (the hub operator's view)."""
    async with core.sessions() as session:
        consent = await consents_store.get_consent(session, consent_id)
    if consent is None:
        raise NotFound(*_NOT_FOUND)
    return consent


def _withdrawal_refusal(
    consent: Consent | None, partner_id: str
) -> tuple[str, NotFound | Forbidden] | None:
    if consent is None:
        return "unknown", NotFound(*_NOT_FOUND)
    if not consent.visible_to(partner_id):
        return "not-a-party", NotFound(*_NOT_FOUND)
    if consent.custodian_partner_id != partner_id:
        # A recipient knows the record exists; only its custodian may withdraw it.
        return "not-custodian", Forbidden(
            "not-custodian", "only the partner that recorded a consent may withdraw it"
        )
    return None


async def _may_refer(session: AsyncSession, partner_id: str, now: datetime) -> bool:
    partner = await partners_store.get_partner(session, partner_id)
    if partner is None or partner.status is not PartnerStatus.ACTIVE:
        return False
    grant = await grants_store.active_grant(
        session, partner_id=partner_id, stream=Stream.REFERRALS, action=GrantAction.PUBLISH
    )
    return grant is not None and grant_in_force(grant, now)


async def _record_change(session: AsyncSession, consent: Consent, *, action: str) -> None:
    # Ids and scope words only: no purpose text or withdrawal reason in the chain.
    detail = {
        "custodian_partner_id": consent.custodian_partner_id,
        "recipient_partner_ids": consent.recipient_partner_ids,
        "scope": [word.value for word in consent.scope],
        "status": consent.status.value,
    }
    await audit_store.add_audit(
        session,
        actor=consent.custodian_partner_id,
        action=action,
        entity_id=consent.consent_id,
        detail=detail,
    )
    await store.enqueue(session, consent_record(consent))


async def _refuse(
    partner_id: str, consent_id: str | None, reason: str, operation: str, core: RegistryCore
) -> None:
    await record_refusal(
        core,
        action="access.refused",
        actor=partner_id,
        entity_id=consent_id,
        detail={"scope": "partner", "reason": reason, "operation": operation},
    )
