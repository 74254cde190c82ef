"""The recipient's view: which classifications of an event's fields one recipient may see on
one channel, decided in one step (`recipient_view`): the grant's field view (or the hub's
default for its kind), cut to the hard floor, to the consent's scope, and to the channel's cap.

Pure: no I/O. E-mail is not a safe carrier for patient or criminal-justice data (it crosses
servers nobody here controls and sits in mailboxes for years), so an e-mail carries a notice
only: its view is capped to PUBLIC fields whatever the grant says. A text message is even less
safe (carriers, gateways and lock screens show it), so SMS gets the same cap.
"""

from cvihub_contracts import Classification, EventData
from cvihub_contracts.alert.incident_alert_v2 import IncidentAlertV2
from cvihub_contracts.bulletin.published_v1 import BulletinPublishedV1
from cvihub_contracts.referral.status_changed_v1 import ReferralStatusChangedV1
from cvihub_contracts.referral.submitted_v1 import ReferralSubmittedV1
from cvihub_contracts.registry.changes_v1 import Channel, PartnerKind
from cvihub_notifications.consent import narrow_to_consent
from cvihub_registry_copy import GrantTerms
from cvihub_registry_copy.consents import ConsentRecord

C = Classification
View = frozenset[Classification]
EVERYTHING: View = frozenset(Classification)
# Default views, used when the grant names no field view of its own.
COMMUNITY_VIEW: View = frozenset({C.PUBLIC, C.INTERNAL})
PARTY_VIEW: View = frozenset({C.PUBLIC, C.INTERNAL, C.PII, C.PHI})
# The hard floor, whatever a grant says: criminal-justice information reaches police only, and
# health or substance-use-treatment information (HIPAA, 42 CFR Part 2) never reaches police.
NEVER_TO_NON_POLICE: View = frozenset({C.CJI})
NEVER_TO_POLICE: View = frozenset({C.PHI, C.PART2})

EMAIL_VIEW: View = frozenset({C.PUBLIC})
"""The most an e-mail may carry, whatever the recipient's grant allows."""
SMS_VIEW: View = frozenset({C.PUBLIC})
"""The most a text message may carry, whatever the recipient's grant allows."""
NOTICE_CHANNELS: dict[Channel, View] = {Channel.EMAIL: EMAIL_VIEW, Channel.SMS: SMS_VIEW}
"""Channels that carry a notice only, each with its view cap."""


def default_view(*, data: EventData, recipient_kind: str | None) -> View:
    """The hub's default view of this event for a recipient of this kind."""
    if isinstance(data, IncidentAlertV2):
        return EVERYTHING if recipient_kind == PartnerKind.POLICE.value else COMMUNITY_VIEW
    if isinstance(data, BulletinPublishedV1):
        return COMMUNITY_VIEW
    if isinstance(data, ReferralSubmittedV1 | ReferralStatusChangedV1):
        return PARTY_VIEW
    return frozenset({C.PUBLIC})


def field_view(
    *, data: EventData, recipient_kind: str | None, grant_view: View | None = None
) -> View:
    """The effective view: the grant's own view or the default, cut to the hard floor."""
    view = (
        grant_view
        if grant_view is not None
        else default_view(data=data, recipient_kind=recipient_kind)
    )
    if recipient_kind == PartnerKind.POLICE.value:
        return view - NEVER_TO_POLICE
    return view - NEVER_TO_NON_POLICE


def channel_view(channel: Channel, view: View) -> View:
    """The recipient's view cut to what the channel may carry (never widened)."""
    cap = NOTICE_CHANNELS.get(channel)
    return view if cap is None else view & cap


def recipient_view(
    *,
    data: EventData,
    partner_id: str,
    recipient_kind: str | None,
    grant: GrantTerms | None,
    channel: Channel,
    consent: ConsentRecord | None,
) -> View:
    """What this recipient sees of this event on this channel: field view, consent, cap."""
    view = field_view(
        data=data,
        recipient_kind=recipient_kind,
        grant_view=grant.field_view if grant is not None else None,
    )
    view = narrow_to_consent(view, data=data, recipient_partner_id=partner_id, record=consent)
    return channel_view(channel, view)
