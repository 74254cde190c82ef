"""Registry entities as the contract change events that replicas apply."""

from cvihub_contracts import KafkaRecord, new_event, service_source, to_kafka
from cvihub_contracts.registry.changes_v1 import (
    CredentialChangedV1,
    EntityStatus,
    GrantChangedV1,
    PartnerChangedV1,
    SubscriptionChangedV1,
)
from cvihub_contracts.registry.directory_v1 import DirectoryChangedV1
from cvihub_registry.domain import Credential, Grant, Partner, Subscription

SOURCE = service_source("registry")

Entity = Partner | Credential | Grant | Subscription
ChangeEvent = PartnerChangedV1 | CredentialChangedV1 | GrantChangedV1 | SubscriptionChangedV1


def change_of(entity: Entity) -> ChangeEvent:
    """The change event describing an entity's current state and sequence."""
    status = EntityStatus(entity.status.value)
    if isinstance(entity, Partner):
        return PartnerChangedV1(
            sequence=entity.sequence,
            changed_at=entity.updated_at,
            status=status,
            partner_id=entity.partner_id,
            name=entity.name,
            kind=entity.kind,
            zones=entity.zones,
            beats=entity.beats,
            community_areas=entity.community_areas,
            service_area=entity.service_area,
            contact_email=entity.contact_email,
            rate_limit=entity.rate_limit,
        )
    if isinstance(entity, Credential):
        return CredentialChangedV1(
            sequence=entity.sequence,
            changed_at=entity.updated_at,
            status=status,
            credential_id=entity.credential_id,
            partner_id=entity.partner_id,
            key_sha256=entity.key_sha256,
            expires_at=entity.expires_at,
            scopes=list(entity.scopes) if entity.scopes is not None else None,
        )
    if isinstance(entity, Grant):
        return GrantChangedV1(
            sequence=entity.sequence,
            changed_at=entity.updated_at,
            status=status,
            grant_id=entity.grant_id,
            partner_id=entity.partner_id,
            stream=entity.stream,
            action=entity.action,
            zones=entity.zones,
            addressed_only=entity.addressed_only,
            field_view=entity.field_view,
            purpose=entity.purpose,
            agreement_ref=entity.agreement_ref,
            starts_at=entity.starts_at,
            expires_at=entity.expires_at,
        )
    return SubscriptionChangedV1(
        sequence=entity.sequence,
        changed_at=entity.updated_at,
        status=status,
        subscription_id=entity.subscription_id,
        partner_id=entity.partner_id,
        stream=entity.stream,
        url=entity.url,
        secret_encrypted=entity.secret_encrypted,
        channel=entity.channel,
        zones=entity.zones,
        event_types=entity.event_types,
    )


def change_record(entity: Entity, *, correlation_id: str | None = None) -> KafkaRecord:
    """A Kafka record (fresh event id) announcing an entity's current state."""
    return to_kafka(new_event(change_of(entity), source=SOURCE, correlation_id=correlation_id))


def directory_of(partner: Partner) -> DirectoryChangedV1:
    """A partner's directory entry, at the partner's sequence (a suspended partner's entry is
    suspended with it)."""
    return DirectoryChangedV1(
        sequence=partner.sequence,
        changed_at=partner.updated_at,
        status=EntityStatus(partner.status.value),
        partner_id=partner.partner_id,
        services=[str(code) for code in partner.cvi_services],
        languages=list(partner.languages),
        age_groups=[str(group) for group in partner.age_groups],
    )


def change_records(entity: Entity, *, correlation_id: str | None = None) -> list[KafkaRecord]:
    """Kafka records (fresh event ids) announcing an entity's current state: a partner's
    change, then its directory entry; one change for anything else."""
    records = [change_record(entity, correlation_id=correlation_id)]
    if isinstance(entity, Partner):
        directory = new_event(directory_of(entity), source=SOURCE, correlation_id=correlation_id)
        records.append(to_kafka(directory))
    return records
