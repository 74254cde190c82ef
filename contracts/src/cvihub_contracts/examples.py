"""One valid example per event type and version: used by tests and shown in the docs."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID

from cvihub_contracts.alert.incident_alert_v1 import IncidentAlertV1
from cvihub_contracts.alert.incident_alert_v2 import IncidentAlertV2, upcast_from_v1
from cvihub_contracts.audit.access_refused_v1 import AccessRefusedV1
from cvihub_contracts.base import EventData
from cvihub_contracts.bulletin.published_v1 import BulletinPublishedV1
from cvihub_contracts.referral.status_changed_v1 import ReferralStatusChangedV1
from cvihub_contracts.referral.submitted_v1 import ReferralSubmittedV1
from cvihub_contracts.registry.changes_v1 import (
    CredentialChangedV1,
    GrantChangedV1,
    PartnerChangedV1,
    SubscriptionChangedV1,
)
from cvihub_contracts.registry.consent_v1 import ConsentChangedV1
from cvihub_contracts.registry.directory_v1 import DirectoryChangedV1

AT = datetime(2026, 11, 1, 22, 15, tzinfo=UTC)
REFERRAL_ID = UUID("6f1f2c1e-8d3b-4c55-9a57-0c1d3e0f4a11")


def referral_submitted() -> ReferralSubmittedV1:
    """A hospital refers a gunshot patient to a street-outreach organisation."""
    return ReferralSubmittedV1.model_validate(
        {
            "referral_id": str(REFERRAL_ID),
            "referring_partner_id": "mercy-hospital",
            "submitted_at": AT.isoformat(),
            "recipient_partner_id": "safe-streets",
            "patient": {
                "given_name": "Jordan",
                "family_name": "Example",
                "phone": "+13125550143",
                "preferred_channel": "sms",
                "preferred_language": "en",
            },
            "injury": {"mechanism": "gunshot", "injured_on": "2026-11-01"},
            "consent": {
                "consented_by": "patient",
                "consented_at": AT.isoformat(),
                "recipient_partner_ids": ["safe-streets"],
                "scope": ["contact", "injury"],
                "expires_at": (AT + timedelta(days=90)).isoformat(),
                "consent_id": "c0n5e471d0000000000000000000000a",
            },
            "referring_contact": {"name": "A. Rivera", "phone": "+13125550100"},
            "reason": "Asks for a mentor.",
            "requested_services": ["mentoring"],
            "urgency": "urgent",
        }
    )


def referral_status_changed() -> ReferralStatusChangedV1:
    """The outreach organisation accepts the referral."""
    return ReferralStatusChangedV1(
        referral_id=REFERRAL_ID,
        status="accepted",
        previous_status="requested",
        changed_by_partner_id="safe-streets",
        referring_partner_id="mercy-hospital",
        recipient_partner_id="safe-streets",
        changed_at=AT + timedelta(minutes=20),
    )


def incident_alert() -> IncidentAlertV1:
    """Police report a shooting from dispatch."""
    return IncidentAlertV1.model_validate(
        {
            "alert_id": "0d7f3a52-5b7e-4c8e-9a0b-1f2e3d4c5b6a",
            "publisher_partner_id": "metro-police",
            "received_at": AT.isoformat(),
            "source_incident_id": "CAD-26-118842",
            "revision": 1,
            "occurred_at": AT.isoformat(),
            "location": {
                "block_address": "1200 block of W Example Ave",
                "zone": "north",
                "beat": "1113",
            },
            "incident_type": "shooting",
            "victim_count": 1,
            "severity": "serious",
            "weapon_type": "handgun",
            "reviewed": True,
        }
    )


def incident_alert_v2() -> IncidentAlertV2:
    """The same shooting, confirmed by dispatch, with one seriously injured teenager."""
    payload = upcast_from_v1(incident_alert().model_dump(mode="json"))
    payload["victims"] = [{"severity": "serious", "age_group": "teen"}]
    return IncidentAlertV2.model_validate(payload)


def bulletin_published() -> BulletinPublishedV1:
    """An outreach organisation invites the network to a vigil."""
    return BulletinPublishedV1.model_validate(
        {
            "bulletin_id": "3c9a1f0e-2b4d-4e6f-8a1b-2c3d4e5f6a7b",
            "publisher_partner_id": "safe-streets",
            "published_at": AT.isoformat(),
            "kind": "event",
            "title": "Peace walk and vigil",
            "summary": "Community walk from the park to the corner of Example and 12th.",
            "starts_at": (AT + timedelta(days=2)).isoformat(),
            "venue": {"name": "Example Park", "zone": "north"},
            "tags": ["vigil", "peace-walk"],
        }
    )


def partner_changed() -> PartnerChangedV1:
    """A CVI organisation joins the network, with the area it serves drawn as a polygon."""
    return PartnerChangedV1.model_validate(
        {
            "sequence": 1,
            "changed_at": AT.isoformat(),
            "status": "active",
            "partner_id": "safe-streets",
            "name": "Safe Streets Outreach",
            "kind": "cvi_org",
            "zones": ["north", "east"],
            "service_area": {
                "type": "Polygon",
                "coordinates": [
                    [[-87.74, 41.88], [-87.68, 41.88], [-87.68, 41.92], [-87.74, 41.92],
                     [-87.74, 41.88]],
                ],
            },
        }
    )  # fmt: skip


def credential_changed() -> CredentialChangedV1:
    """An API key is issued; only its hash and its scopes travel."""
    return CredentialChangedV1(
        sequence=2,
        changed_at=AT,
        status="active",
        credential_id="de0000000003",
        partner_id="safe-streets",
        key_sha256="0" * 64,
        scopes=["referrals:read", "referrals:update", "deliveries:read"],
    )


def grant_changed() -> GrantChangedV1:
    """The organisation may subscribe to incident alerts."""
    return GrantChangedV1(
        sequence=3,
        changed_at=AT,
        status="active",
        grant_id="g-1",
        partner_id="safe-streets",
        stream="incident-alerts",
        action="subscribe",
    )


def subscription_changed() -> SubscriptionChangedV1:
    """The organisation's webhook endpoint for alerts."""
    return SubscriptionChangedV1(
        sequence=4,
        changed_at=AT,
        status="active",
        subscription_id="s-1",
        partner_id="safe-streets",
        stream="incident-alerts",
        url="https://hooks.safestreets.example/cvihub",
        secret_encrypted="gAAAAA-example-ciphertext",
        channel="webhook",
        zones=["north"],
        event_types=["org.cvihub.incident-alert.published"],
    )


def consent_changed() -> ConsentChangedV1:
    """A hospital records a patient's consent to be referred to an outreach organisation."""
    return ConsentChangedV1(
        sequence=5,
        changed_at=AT,
        status="active",
        consent_id="c0n5e471d0000000000000000000000a",
        custodian_partner_id="mercy-hospital",
        recipient_partner_ids=["safe-streets"],
        scope=["contact", "injury"],
        purpose="hospital-based violence intervention referral",
        given_at=AT,
        expires_at=AT + timedelta(days=90),
    )


def directory_changed() -> DirectoryChangedV1:
    """An outreach organisation lists its services, languages and age groups."""
    return DirectoryChangedV1(
        sequence=12,
        changed_at=AT,
        status="active",
        partner_id="safe-streets",
        services=["hospital-response", "street-outreach", "mentoring"],
        languages=["en", "es"],
        age_groups=["youth", "young-adult"],
    )


def access_refused() -> AccessRefusedV1:
    """Intake refuses a partner's alert: it holds no publish grant on incident alerts."""
    return AccessRefusedV1(
        service="intake",
        partner_id="mercy-hospital",
        credential_id="de0000000001",
        action="POST /v2/incident-alerts",
        reason="no publish grant",
        status_code=403,
        decided_at=AT,
    )


EXAMPLES: dict[type[EventData], Callable[[], EventData]] = {
    ReferralSubmittedV1: referral_submitted,
    ReferralStatusChangedV1: referral_status_changed,
    IncidentAlertV1: incident_alert,
    IncidentAlertV2: incident_alert_v2,
    BulletinPublishedV1: bulletin_published,
    PartnerChangedV1: partner_changed,
    CredentialChangedV1: credential_changed,
    GrantChangedV1: grant_changed,
    SubscriptionChangedV1: subscription_changed,
    ConsentChangedV1: consent_changed,
    DirectoryChangedV1: directory_changed,
    AccessRefusedV1: access_refused,
}
