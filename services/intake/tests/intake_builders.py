"""Small typed builders of intake test data: submissions and registry change records."""

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cvihub_contracts import (
    GrantAction,
    KafkaRecord,
    Scope,
    Stream,
    new_event,
    service_source,
    to_kafka,
)
from cvihub_contracts.alert.incident_alert_v1 import IncidentAlertSubmission
from cvihub_contracts.referral.submitted_v1 import ReferralSubmission
from cvihub_contracts.registry.changes_v1 import (
    CredentialChangedV1,
    EntityStatus,
    GrantChangedV1,
    PartnerChangedV1,
    PartnerKind,
    PartnerRateLimit,
)
from cvihub_registry_copy import hash_api_key

RECIPIENT = "safe-streets"


def referral_body(**overrides: Any) -> dict[str, Any]:
    """A valid referral request body as JSON; keyword arguments replace top-level fields."""
    body: dict[str, Any] = {
        "recipient_partner_id": RECIPIENT,
        "patient": {
            "given_name": "Test",
            "family_name": "Patient",
            "phone": "+15555550100",
            "preferred_channel": "sms",
        },
        "injury": {"mechanism": "gunshot", "injured_on": "2025-01-02"},
        "consent": {
            "consented_by": "patient",
            "consented_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
            "recipient_partner_ids": [RECIPIENT],
            "scope": ["contact", "injury"],
        },
        "referring_contact": {"name": "Nurse Example", "phone": "+15555550111"},
        "reason": "Bedside request for follow-up.",
        "urgency": "urgent",
    }
    body.update(overrides)
    return body


def make_referral(**overrides: Any) -> ReferralSubmission:
    """A valid ReferralSubmission; keyword arguments replace top-level fields."""
    return ReferralSubmission.model_validate(referral_body(**overrides))


def alert_body(**overrides: Any) -> dict[str, Any]:
    """A valid incident alert request body as JSON; keyword arguments replace top-level fields."""
    body: dict[str, Any] = {
        "source_incident_id": f"CAD-{uuid.uuid4().hex[:8]}",
        "revision": 1,
        "occurred_at": (datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
        "location": {"zone": "north", "beat": "1122"},
        "incident_type": "shooting",
        "victim_count": 1,
        "severity": "serious",
    }
    body.update(overrides)
    return body


def make_alert(**overrides: Any) -> IncidentAlertSubmission:
    """A valid IncidentAlertSubmission; keyword arguments replace top-level fields."""
    return IncidentAlertSubmission.model_validate(alert_body(**overrides))


def _registry_record(data: Any) -> KafkaRecord:
    return to_kafka(new_event(data, source=service_source("registry")))


def partner_record(
    partner_id: str,
    *,
    kind: PartnerKind = PartnerKind.HOSPITAL,
    status: EntityStatus = EntityStatus.ACTIVE,
    sequence: int = 1,
    rate_limit: PartnerRateLimit | None = None,
) -> KafkaRecord:
    """A PartnerChangedV1 record."""
    return _registry_record(
        PartnerChangedV1(
            partner_id=partner_id,
            name=f"{partner_id} (test)",
            kind=kind,
            status=status,
            sequence=sequence,
            changed_at=datetime.now(UTC),
            rate_limit=rate_limit,
        )
    )


def credential_record(
    partner_id: str,
    api_key: str,
    *,
    credential_id: str,
    status: EntityStatus = EntityStatus.ACTIVE,
    sequence: int = 1,
    scopes: list[Scope] | None = None,
) -> KafkaRecord:
    """A CredentialChangedV1 record for an API key (scopes None = every scope)."""
    return _registry_record(
        CredentialChangedV1(
            credential_id=credential_id,
            partner_id=partner_id,
            key_sha256=hash_api_key(api_key),
            status=status,
            sequence=sequence,
            changed_at=datetime.now(UTC),
            scopes=scopes,
        )
    )


def grant_record(
    partner_id: str,
    stream: Stream,
    *,
    action: GrantAction = GrantAction.PUBLISH,
    status: EntityStatus = EntityStatus.ACTIVE,
    sequence: int = 1,
) -> KafkaRecord:
    """A GrantChangedV1 record."""
    return _registry_record(
        GrantChangedV1(
            grant_id=f"{partner_id}-{stream}-{action}",
            partner_id=partner_id,
            stream=stream,
            action=action,
            status=status,
            sequence=sequence,
            changed_at=datetime.now(UTC),
        )
    )


@dataclass(frozen=True)
class TestPartner:
    """A partner as the registry announces it: its id, key and the records that announce it."""

    __test__ = False

    partner_id: str
    credential_id: str
    api_key: str
    records: tuple[KafkaRecord, ...]

    @property
    def auth(self) -> dict[str, str]:
        """The Authorization header carrying this partner's key."""
        return {"Authorization": f"Bearer {self.api_key}"}


def make_partner(
    partner_id: str,
    *,
    publishes: tuple[Stream, ...] = (),
    kind: PartnerKind = PartnerKind.HOSPITAL,
    scopes: list[Scope] | None = None,
) -> TestPartner:
    """An active partner with one active key (scopes None = every scope) and publish grants."""
    credential_id = secrets.token_hex(6)
    api_key = f"cvh_{credential_id}_{secrets.token_urlsafe(24)}"
    records = (
        partner_record(partner_id, kind=kind),
        credential_record(partner_id, api_key, credential_id=credential_id, scopes=scopes),
        *(grant_record(partner_id, stream) for stream in publishes),
    )
    return TestPartner(
        partner_id=partner_id, credential_id=credential_id, api_key=api_key, records=records
    )


def alert_v2_body(**overrides: Any) -> dict[str, Any]:
    """A valid version-2 incident alert request body (per-victim severity, verification)."""
    body = {k: v for k, v in alert_body().items() if k != "victim_count"}
    body.update(
        {
            "victims": [{"severity": "serious", "age_group": "young_adult"}],
            "verification": "verified_by_dispatch",
        }
    )
    body.update(overrides)
    return body


def bulletin_body(**overrides: Any) -> dict[str, Any]:
    """A valid community bulletin request body: a peace walk in two days."""
    body: dict[str, Any] = {
        "kind": "event",
        "title": "Peace walk",
        "summary": "From the park to the corner where it happened.",
        "starts_at": (datetime.now(UTC) + timedelta(days=2)).isoformat(),
        "venue": {"name": "Example Park", "zone": "north"},
        "tags": ["peace-walk"],
    }
    body.update(overrides)
    return body
