"""Small typed builders of events, registry changes and records for the notifications tests."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from cvihub_contracts import (
    EventData,
    GrantAction,
    KafkaRecord,
    Scope,
    Stream,
    new_event,
    to_kafka,
)
from cvihub_contracts.alert.incident_alert_v1 import IncidentType, Location
from cvihub_contracts.alert.incident_alert_v2 import IncidentAlertV2, Verification, Victim
from cvihub_contracts.bulletin.published_v1 import BulletinKind, BulletinPublishedV1, Venue
from cvihub_contracts.envelope import partner_source, service_source
from cvihub_contracts.referral.status_changed_v1 import ReferralStatus, ReferralStatusChangedV1
from cvihub_contracts.referral.submitted_v1 import (
    Consent,
    Injury,
    InjuryMechanism,
    Patient,
    ReferralSubmittedV1,
    ReferringContact,
)
from cvihub_contracts.registry.changes_v1 import (
    CredentialChangedV1,
    EntityStatus,
    GrantChangedV1,
    PartnerChangedV1,
    PartnerKind,
    SubscriptionChangedV1,
)
from cvihub_contracts.registry.consent_v1 import ConsentChangedV1
from cvihub_registry_copy import Subscriber, hash_api_key
from cvihub_runtime.secretbox import SecretBox

NOW = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)


def make_alert(**overrides: Any) -> IncidentAlertV2:
    """An incident alert (newest version) from a police partner, with CJI fields set."""
    values: dict[str, Any] = {
        "source_incident_id": "CAD-2030-0001",
        "revision": 1,
        "occurred_at": NOW - timedelta(minutes=5),
        "location": Location(block_address="1200 block of W Main St", zone="Z3"),
        "incident_type": IncidentType.SHOOTING,
        "victims": [Victim()],
        "verification": Verification.VERIFIED_BY_DISPATCH,
        "weapon_type": "handgun",
        "alert_id": uuid.uuid4(),
        "publisher_partner_id": "police-1",
        "received_at": NOW,
    }
    values.update(overrides)
    return IncidentAlertV2(**values)


def make_bulletin(**overrides: Any) -> BulletinPublishedV1:
    """A community bulletin (a vigil in zone north) shared by police-1."""
    values: dict[str, Any] = {
        "kind": BulletinKind.EVENT,
        "title": "Peace walk and vigil",
        "summary": "Community walk from the park to the corner of Example and 12th.",
        "starts_at": NOW + timedelta(days=2),
        "venue": Venue(name="Example Park", zone="north"),
        "bulletin_id": uuid.uuid4(),
        "publisher_partner_id": "police-1",
        "published_at": NOW,
    }
    values.update(overrides)
    return BulletinPublishedV1(**values)


def make_referral(**overrides: Any) -> ReferralSubmittedV1:
    """A referral from hospital-1 to cvi-1, consented (contact, injury) for cvi-1, no expiry."""
    values: dict[str, Any] = {
        "recipient_partner_id": "cvi-1",
        "patient": Patient(given_name="Alex", family_name="Doe", phone="+15555550100"),
        "injury": Injury(mechanism=InjuryMechanism.GUNSHOT, description="GSW left leg"),
        "consent": Consent(
            consented_by="patient",
            consented_at=NOW,
            recipient_partner_ids=["cvi-1"],
            scope=["contact", "injury"],
        ),
        "referring_contact": ReferringContact(name="Nurse Kim"),
        "referral_id": uuid.uuid4(),
        "referring_partner_id": "hospital-1",
        "submitted_at": NOW,
    }
    values.update(overrides)
    return ReferralSubmittedV1(**values)


def make_consent(**overrides: Any) -> Consent:
    """A consent covering cvi-1 (contact and injury)."""
    values: dict[str, Any] = {
        "consented_by": "patient",
        "consented_at": NOW,
        "recipient_partner_ids": ["cvi-1"],
        "scope": ["contact", "injury"],
    }
    values.update(overrides)
    return Consent(**values)


def make_status_change(**overrides: Any) -> ReferralStatusChangedV1:
    """cvi-1 accepted hospital-1's referral."""
    values: dict[str, Any] = {
        "referral_id": uuid.uuid4(),
        "status": ReferralStatus.ACCEPTED,
        "previous_status": ReferralStatus.REQUESTED,
        "note": "Met the patient at bedside.",
        "changed_by_partner_id": "cvi-1",
        "referring_partner_id": "hospital-1",
        "recipient_partner_id": "cvi-1",
        "changed_at": NOW,
    }
    values.update(overrides)
    return ReferralStatusChangedV1(**values)


def make_subscriber(partner_id: str, **overrides: Any) -> Subscriber:
    """A subscription of a partner."""
    values: dict[str, Any] = {
        "subscription_id": f"sub-{partner_id}",
        "partner_id": partner_id,
        "url": f"http://127.0.0.1:1/hooks/{partner_id}",
        "secret_encrypted": "not-used",
    }
    values.update(overrides)
    return Subscriber(**values)


def record(
    data: EventData,
    *,
    partner_id: str | None = None,
    event_id: str | None = None,
    time: datetime | None = None,
) -> KafkaRecord:
    """A Kafka record of an event, from a partner or else from the registry."""
    source = partner_source(partner_id) if partner_id else service_source("registry")
    return to_kafka(new_event(data, source=source, event_id=event_id, time=time))


def partner(
    partner_id: str, kind: PartnerKind, *, sequence: int = 1, contact_email: str | None = None
) -> KafkaRecord:
    """A registry record: an active partner."""
    return record(
        PartnerChangedV1(
            partner_id=partner_id,
            name=partner_id.title(),
            kind=kind,
            sequence=sequence,
            changed_at=datetime.now(UTC),
            status=EntityStatus.ACTIVE,
            contact_email=contact_email,
        )
    )


def grant(
    partner_id: str,
    stream: Stream,
    action: GrantAction = GrantAction.SUBSCRIBE,
    *,
    sequence: int = 1,
    status: EntityStatus = EntityStatus.ACTIVE,
    **terms: Any,
) -> KafkaRecord:
    """A registry record: a grant (with optional terms), id from partner, stream and action."""
    return record(
        GrantChangedV1(
            grant_id=f"grant-{partner_id}-{stream.value}-{action.value}",
            partner_id=partner_id,
            stream=stream,
            action=action,
            sequence=sequence,
            changed_at=datetime.now(UTC),
            status=status,
            **terms,
        )
    )


def subscription(
    partner_id: str,
    stream: Stream,
    *,
    url: str,
    secret: str,
    box: SecretBox,
    sequence: int = 1,
    subscription_id: str | None = None,
    **channel: Any,
) -> KafkaRecord:
    """A registry record: an active subscription (a webhook unless `channel` says otherwise:
    channel, zones, event_types) with its secret encrypted."""
    return record(
        SubscriptionChangedV1(
            subscription_id=subscription_id or f"sub-{partner_id}-{stream.value}",
            partner_id=partner_id,
            stream=stream,
            url=url,
            secret_encrypted=box.encrypt(secret),
            sequence=sequence,
            changed_at=datetime.now(UTC),
            status=EntityStatus.ACTIVE,
            **channel,
        )
    )


def credential(partner_id: str, scopes: list[Scope] | None = None) -> tuple[KafkaRecord, str]:
    """A registry record of an active API key (scopes None = every scope), and the key."""
    credential_id = f"key{uuid.uuid4().hex[:8]}"
    api_key = f"cvh_{credential_id}_{uuid.uuid4().hex}"
    change = CredentialChangedV1(
        credential_id=credential_id,
        partner_id=partner_id,
        key_sha256=hash_api_key(api_key),
        sequence=1,
        changed_at=datetime.now(UTC),
        status=EntityStatus.ACTIVE,
        scopes=scopes,
    )
    return record(change), api_key


def consent_record(consent_id: str, **overrides: Any) -> KafkaRecord:
    """A registry record: hospital-1's consent record covering cvi-1 (contact and injury)."""
    values: dict[str, Any] = {
        "consent_id": consent_id,
        "custodian_partner_id": "hospital-1",
        "recipient_partner_ids": ["cvi-1"],
        "scope": ["contact", "injury"],
        "purpose": "violence intervention referral",
        "given_at": NOW - timedelta(days=1),
        "sequence": 1,
        "changed_at": datetime.now(UTC),
        "status": EntityStatus.ACTIVE,
    }
    values.update(overrides)
    return record(ConsentChangedV1(**values))
