"""What each recipient sees: default field views and the CloudEvents body."""

import json

from cloudevents.core.formats.json import JSONFormat
from notifications_builders import make_alert, make_referral, make_status_change

from cvihub_contracts import new_event, partner_source
from cvihub_contracts.redaction import redact
from cvihub_contracts.registry.changes_v1 import PartnerKind
from cvihub_notifications.channels.webhook import build_body
from cvihub_notifications.views import field_view
from cvihub_runtime.secretbox import SecretBox, new_fernet_key


def test_cvi_org_alert_has_no_cji() -> None:
    alert = make_alert()
    redacted = redact(alert, field_view(data=alert, recipient_kind=PartnerKind.CVI_ORG.value))
    assert "source_incident_id" not in redacted.data
    assert "weapon_type" not in redacted.data
    assert {"#/source_incident_id", "#/weapon_type"} <= set(redacted.removed)
    assert redacted.data["incident_type"] == "shooting"
    assert redacted.data["location"]["zone"] == "Z3"


def test_police_alert_keeps_cji() -> None:
    alert = make_alert()
    redacted = redact(alert, field_view(data=alert, recipient_kind=PartnerKind.POLICE.value))
    assert redacted.data["source_incident_id"] == "CAD-2030-0001"
    assert redacted.data["weapon_type"] == "handgun"
    assert redacted.removed == []


def test_unknown_kind_gets_the_community_view_of_an_alert() -> None:
    alert = make_alert()
    redacted = redact(alert, field_view(data=alert, recipient_kind=None))
    assert "weapon_type" not in redacted.data


def test_referral_parties_see_pii_and_phi() -> None:
    referral = make_referral()
    view = field_view(data=referral, recipient_kind=PartnerKind.CVI_ORG.value)
    redacted = redact(referral, view)
    assert redacted.data["patient"]["family_name"] == "Doe"
    assert redacted.data["injury"]["description"] == "GSW left leg"
    assert redacted.removed == []
    change = make_status_change()
    view = field_view(data=change, recipient_kind=PartnerKind.HOSPITAL.value)
    assert redact(change, view).data["note"] == "Met the patient at bedside."


def test_body_is_structured_cloudevent_with_redacted_data() -> None:
    alert = make_alert()
    event = new_event(alert, source=partner_source("police-1"), causation_id="cause-1")
    redacted = redact(alert, field_view(data=alert, recipient_kind=PartnerKind.CVI_ORG.value))
    box = SecretBox(new_fernet_key())
    body = json.loads(build_body(envelope=event.envelope, redacted=redacted, box=box))
    assert body["id"] == event.envelope.id
    assert body["specversion"] == "1.0"
    assert body["type"] == "org.cvihub.incident-alert.published"
    assert body["source"] == "urn:cvihub:partner:police-1"
    assert body["causationid"] == "cause-1"
    assert body["correlationid"] == event.envelope.id
    # The subject is built from the CAD number (CJI), which a CVI org may not see: a keyed
    # digest stands in for it, the same for every revision, so updates still match.
    assert body["subject"].startswith("incidents/police-1/")
    assert "CAD-2030-0001" not in body["subject"]
    revision = alert.model_copy(update={"revision": 2})
    again = new_event(revision, source=partner_source("police-1"))
    cut = redact(revision, field_view(data=revision, recipient_kind=PartnerKind.CVI_ORG.value))
    assert (
        json.loads(build_body(envelope=again.envelope, redacted=cut, box=box))["subject"]
        == (body["subject"])
    )
    police = redact(alert, field_view(data=alert, recipient_kind=PartnerKind.POLICE.value))
    police_body = json.loads(build_body(envelope=event.envelope, redacted=police, box=box))
    assert police_body["subject"] == "incidents/police-1/CAD-2030-0001"
    assert body["classification"] == "cji"
    assert "partitionkey" not in body
    assert body["data"] == redacted.data
    assert body["redacted"] == " ".join(redacted.removed)
    assert redacted.removed  # something was cut, so the string says which
    # CloudEvents attributes are scalars only: every one but data, and a strict SDK reads it.
    assert all(isinstance(v, str | int | bool) for k, v in body.items() if k != "data")
    parsed = JSONFormat().read(None, json.dumps(body).encode())
    assert parsed.get_attributes()["redacted"] == body["redacted"]
