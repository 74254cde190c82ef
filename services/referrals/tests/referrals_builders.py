"""Small typed builders of referral and registry test data."""

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from cvihub_contracts import Event, KafkaRecord, new_event, service_source, to_kafka
from cvihub_contracts.referral.submitted_v1 import (
    Consent,
    Injury,
    InjuryMechanism,
    Patient,
    ReferralSubmittedV1,
    ReferringContact,
    Urgency,
)
from cvihub_contracts.registry.changes_v1 import (
    CredentialChangedV1,
    EntityStatus,
    PartnerChangedV1,
    PartnerKind,
)
from cvihub_contracts.registry.consent_v1 import ConsentChangedV1, ConsentScope
from cvihub_referrals.settings import ReferralsSettings
from cvihub_registry_copy import hash_api_key

"""The key that seals referral data in this test process."""

HOSPITAL = "mercy-hospital"
CVI_ORG = "safe-streets"
OTHER_ORG = "other-cvi"


def make_submitted(**overrides: Any) -> ReferralSubmittedV1:
    """A valid ReferralSubmittedV1 from HOSPITAL to CVI_ORG; override any field."""
    recipient = overrides.get("recipient_partner_id", CVI_ORG)
    submitted_at = overrides.get("submitted_at", datetime.now(UTC))
    values: dict[str, Any] = {
        "referral_id": uuid.uuid4(),
        "referring_partner_id": HOSPITAL,
        "recipient_partner_id": recipient,
        "submitted_at": submitted_at,
        "patient": Patient(given_name="Test", family_name="Patient", phone="+13125550100"),
        "injury": Injury(mechanism=InjuryMechanism.GUNSHOT, injured_on=date(2024, 5, 1)),
        "consent": Consent(
            consented_by="patient",
            consented_at=submitted_at,
            recipient_partner_ids=[recipient],
        ),
        "referring_contact": ReferringContact(name="Nurse Example"),
        "urgency": Urgency.URGENT,
    }
    values.update(overrides)
    return ReferralSubmittedV1(**values)


def submitted_event(
    data: ReferralSubmittedV1 | None = None, **envelope: Any
) -> Event[ReferralSubmittedV1]:
    """A submitted event as intake would publish it."""
    data = data or make_submitted()
    return new_event(data, source=f"urn:cvihub:partner:{data.referring_partner_id}", **envelope)


def api_key(partner_id: str) -> str:
    """The test API key of a partner (cvh_<credential id>_<secret>)."""
    return f"cvh_cred-{partner_id}_secret-of-{partner_id}"


def auth(partner_id: str) -> dict[str, str]:
    """Authorization header of a partner."""
    return {"Authorization": f"Bearer {api_key(partner_id)}"}


def registry_records(*partners: tuple[str, PartnerKind], sequence: int = 1) -> list[KafkaRecord]:
    """Registry events giving each partner an active status and one API key."""
    now = datetime.now(UTC)
    records: list[KafkaRecord] = []
    for partner_id, kind in partners:
        partner = PartnerChangedV1(
            sequence=sequence,
            changed_at=now,
            status=EntityStatus.ACTIVE,
            partner_id=partner_id,
            name=partner_id.replace("-", " ").title(),
            kind=kind,
        )
        credential = CredentialChangedV1(
            sequence=sequence,
            changed_at=now,
            status=EntityStatus.ACTIVE,
            credential_id=f"cred-{partner_id}",
            partner_id=partner_id,
            key_sha256=hash_api_key(api_key(partner_id)),
        )
        for data in (partner, credential):
            records.append(to_kafka(new_event(data, source=service_source("registry"))))
    return records


def standard_partners() -> list[KafkaRecord]:
    """The hospital, the recipient CVI organisation and an unrelated one."""
    return registry_records(
        (HOSPITAL, PartnerKind.HOSPITAL),
        (CVI_ORG, PartnerKind.CVI_ORG),
        (OTHER_ORG, PartnerKind.CVI_ORG),
    )


def make_settings(kafka_bootstrap: str, database_url: str, schema: str | None) -> ReferralsSettings:
    """Settings pointing the service at a test broker and database."""
    return ReferralsSettings(
        kafka_bootstrap_servers=kafka_bootstrap,
        database_url=database_url,
        database_schema=schema,
        log_json=False,
        log_level="WARNING",
    )


def consent_event(
    consent_id: str,
    *,
    recipients: list[str] | None = None,
    scope: list[str] | None = None,
    status: EntityStatus = EntityStatus.ACTIVE,
    sequence: int = 1,
    expires_at: datetime | None = None,
) -> Event[ConsentChangedV1]:
    """A registry consent record of HOSPITAL's patient, covering CVI_ORG unless told."""
    now = datetime.now(UTC)
    return new_event(
        ConsentChangedV1(
            sequence=sequence,
            changed_at=now,
            status=status,
            consent_id=consent_id,
            custodian_partner_id=HOSPITAL,
            recipient_partner_ids=recipients or [CVI_ORG],
            scope=[ConsentScope(word) for word in (scope or ["contact", "injury"])],
            purpose="violence intervention",
            given_at=min(now, expires_at - timedelta(hours=1)) if expires_at else now,
            expires_at=expires_at,
            withdrawn_at=now if status is not EntityStatus.ACTIVE else None,
        ),
        source=service_source("registry"),
    )
